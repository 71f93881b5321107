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
        Assert.That(text, Does.Contain("forgery of #4:  AuthenticationFailed"));
        Assert.That(text, Does.Contain("3 packets accepted, 1 replays dropped, 1 forgeries dropped"));
        Assert.That(text, Does.Contain("quickstart OK"));
    }
}
