using System;
using System.IO;
using NUnit.Framework;
using NUnit.Framework.Internal;

namespace Ipsec.Packets.Tests.Interop;

public class InteropPrerequisiteTests
{
    [TestCase(null, false, InteropOutcome.Run)]
    [TestCase(null, true, InteropOutcome.Run)]
    [TestCase("/usr/bin/tshark not found", false, InteropOutcome.Skip)]
    [TestCase("/usr/bin/tshark not found", true, InteropOutcome.Fail)]
    public void MissingToolsAreSkippedOnADeveloperMachineAndFailInCi(string? missing, bool ci, InteropOutcome expected) =>
        Assert.That(InteropPrerequisite.Decide(missing, ci), Is.EqualTo(expected));

    [TestCase("true", true)]
    [TestCase(null, false)]
    [TestCase("", false)]
    [TestCase("false", false)]
    [TestCase("1", false)]
    public void OnlyCiEqualsTrueIsCi(string? value, bool expected) =>
        Assert.That(InteropPrerequisite.IsCiValue(value), Is.EqualTo(expected));

    [Test]
    public void ASkipReasonIsPrintedOncePerTool()
    {
        string tool = "tool-" + Guid.NewGuid().ToString("N");
        var progress = new StringWriter();
        for (int i = 0; i < 3; i++)
        {
            using (new TestExecutionContext.IsolatedContext())
            {
                Assert.Throws<IgnoreException>(() => InteropPrerequisite.Require(tool, "not found", "install it", ci: false, progress));
            }
        }

        Assert.That(progress.ToString(), Is.EqualTo($"Interop tests that need {tool} are skipped: not found; install it.{Environment.NewLine}"));
        Assert.That(InteropPrerequisite.ReportOnce(tool, "again", progress), Is.False);
        Assert.That(InteropPrerequisite.ReportOnce(tool + "-other", "other", progress), Is.True);
    }

    [Test]
    public void AMissingToolFailsInCiAndPrintsNothing()
    {
        var progress = new StringWriter();
        using (new TestExecutionContext.IsolatedContext())
        {
            var failure = Assert.Throws<AssertionException>(
                () => InteropPrerequisite.Require("tool-" + Guid.NewGuid().ToString("N"), "not found", "install it", ci: true, progress));
            Assert.That(failure!.Message, Does.Contain("not found").And.Contain("CI=true"));
        }

        Assert.That(progress.ToString(), Is.Empty);
    }

    [Test]
    public void APresentToolRuns()
    {
        var progress = new StringWriter();
        Assert.DoesNotThrow(() => InteropPrerequisite.Require("tool", null, "install it", ci: true, progress));
        Assert.DoesNotThrow(() => InteropPrerequisite.Require("tool", null, "install it", ci: false, progress));
        Assert.That(progress.ToString(), Is.Empty);
    }
}
