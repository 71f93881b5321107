using System;
using System.Diagnostics;
using System.IO;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop;

/// <summary>
/// Runs the interop scripts with Debian's own python3 (/usr/bin/python3, where python3-scapy lives), which may not be the
/// first python3 on PATH. In CI (CI=true) a missing Scapy fails the tests; on a developer machine without it they are
/// reported as ignored with the reason.
/// </summary>
public static class PythonRunner
{
    public const string DebianPython = "/usr/bin/python3";

    public static string ScriptPath(string name) => Path.Combine(AppContext.BaseDirectory, "Interop", name);

    /// <summary>
    /// Set to 1 by <c>.ci/mutation</c>: the Scapy/tshark interop tests are skipped (with this reason printed) because
    /// Stryker re-runs the suite once per mutant and the external processes would dominate its run time.
    /// </summary>
    public const string SkipVariable = "IPSEC_SKIP_INTEROP";

    /// <summary>Ignores the calling test, printing why, when <see cref="SkipVariable"/> is set to 1.</summary>
    public static void SkipIfRequested()
    {
        if (Environment.GetEnvironmentVariable(SkipVariable) == "1")
        {
            Assert.Ignore($"{SkipVariable}=1: interop tests skipped on request (mutation testing, .ci/mutation)");
        }
    }

    public static void RequireScapy()
    {
        SkipIfRequested();
        string? failure = null;
        if (!File.Exists(DebianPython))
        {
            failure = $"{DebianPython} not found";
        }
        else
        {
            (int code, _, string error) = Run("-c \"import scapy.layers.ipsec, cryptography\"", "");
            if (code != 0)
            {
                failure = "python3-scapy is not installed: " + error.Trim();
            }
        }

        if (failure is not null)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(failure + " (.ci/run installs it)");
            }

            Assert.Ignore(failure + "; install python3-scapy (Debian) to run the interop tests");
        }
    }

    public static (int ExitCode, string Output, string Error) Run(string arguments, string input)
    {
        var start = new ProcessStartInfo(DebianPython, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start)!;
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, stdoutTask.Result, stderrTask.Result);
    }
}
