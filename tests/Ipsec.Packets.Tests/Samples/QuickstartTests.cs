using System.IO;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Samples;

public class QuickstartTests
{
    [Test]
    public void QuickstartRunsAndReportsEveryOutcome()
    {
        var output = new StringWriter();
        int exitCode = Quickstart.Program.Run(output);
        string text = output.ToString();
        Assert.That(exitCode, Is.Zero, text);
        Assert.That(text, Does.Contain("unprotect #3: Success"));
        Assert.That(text, Does.Contain("replay of #3:   Replayed"));
        Assert.That(text, Does.Contain("quickstart OK"));
    }
}
