using System;
using System.Collections.Concurrent;
using System.IO;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop;

/// <summary>What a test does when an external interop tool (Scapy, tshark) is or is not there.</summary>
public enum InteropOutcome
{
    /// <summary>The tool is there: run the test.</summary>
    Run,

    /// <summary>The tool is missing on a developer machine: the test is ignored, with the reason.</summary>
    Skip,

    /// <summary>The tool is missing in CI (CI=true), where .ci/run installs it: the test fails.</summary>
    Fail,
}

/// <summary>
/// Decides whether an interop test runs, is ignored or fails, and prints the reason of a skip once per tool on
/// <see cref="TestContext.Error"/>, which <c>dotnet test</c> shows at its default verbosity (an ignored test's own
/// reason appears only at detailed verbosity or in the TRX file; <see cref="TestContext.Progress"/> is not shown).
/// </summary>
public static class InteropPrerequisite
{
    /// <summary>
    /// Set to 1 by <c>.ci/mutation</c>: every interop test (Scapy, tshark, the strongSwan lab) and the gateway end-to-end
    /// tests are ignored, with this reason printed, even with CI=true, because Stryker re-runs the covering tests once per
    /// mutant and the external processes (daemons, network namespaces, child processes) would dominate its run time.
    /// </summary>
    public const string SkipVariable = "IPSEC_SKIP_INTEROP";

    private static readonly ConcurrentDictionary<string, bool> s_reported = new();

    /// <summary>True when the environment says this is a CI run (CI=true, as .ci/run's callers set it).</summary>
    public static bool IsCi => IsCiValue(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The CI convention: exactly <c>true</c>.</summary>
    public static bool IsCiValue(string? ci) => ci == "true";

    /// <summary>The outcome for a tool that is missing for <paramref name="missingReason"/> (null when present).</summary>
    public static InteropOutcome Decide(string? missingReason, bool ci) =>
        missingReason is null ? InteropOutcome.Run : ci ? InteropOutcome.Fail : InteropOutcome.Skip;

    /// <summary>
    /// Runs, ignores or fails the current test for <paramref name="tool"/> (see <see cref="Decide"/>); a skip's reason
    /// is printed once per tool and run. With <see cref="SkipVariable"/> set to 1 the test is ignored.
    /// </summary>
    /// <param name="tool">The tool's name, also the key of the once-per-run report.</param>
    /// <param name="missingReason">Why the tool cannot be used, or null when it can.</param>
    /// <param name="remedy">How to get it, appended to the skip message.</param>
    public static void Require(string tool, string? missingReason, string remedy)
    {
        IgnoreIfSkipRequested();
        Require(tool, missingReason, remedy, IsCi, TestContext.Error);
    }

    /// <summary>Ignores the current test, with the reason printed once, when <see cref="SkipVariable"/> is 1.</summary>
    public static void IgnoreIfSkipRequested()
    {
        if (Environment.GetEnvironmentVariable(SkipVariable) == "1")
        {
            string reason = $"{SkipVariable}=1: interop and end-to-end tests skipped on request (mutation testing, .ci/mutation)";
            ReportOnce(SkipVariable, reason + ".", TestContext.Error);
            Assert.Ignore(reason);
        }
    }

    /// <summary><see cref="Require(string, string?, string)"/> with the CI flag and the progress writer given.</summary>
    public static void Require(string tool, string? missingReason, string remedy, bool ci, TextWriter progress)
    {
        switch (Decide(missingReason, ci))
        {
            case InteropOutcome.Run:
                return;
            case InteropOutcome.Fail:
                Assert.Fail($"{missingReason} (CI=true: .ci/run installs {tool})");
                return;
            default:
                string message = $"{missingReason}; {remedy}";
                ReportOnce(tool, $"Interop tests that need {tool} are skipped: {message}.", progress);
                Assert.Ignore(message);
                return;
        }
    }

    /// <summary>Writes <paramref name="message"/> to <paramref name="writer"/> the first time <paramref name="key"/> is reported.</summary>
    /// <returns>True when this call wrote it.</returns>
    public static bool ReportOnce(string key, string message, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!s_reported.TryAdd(key, true))
        {
            return false;
        }

        writer.WriteLine(message);
        return true;
    }
}
