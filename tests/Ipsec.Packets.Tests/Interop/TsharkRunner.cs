using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace Ipsec.Packets.Tests.Interop;

/// <summary>
/// Runs Debian's tshark with a private Wireshark configuration directory (where an <c>esp_sa</c> file goes). In CI
/// (CI=true) a missing tshark fails the tests; on a developer machine without it they are reported as ignored.
/// </summary>
public static class TsharkRunner
{
    public const string Tshark = "/usr/bin/tshark";

    /// <summary>Runs, ignores or fails the test as <see cref="InteropPrerequisite"/> decides for tshark.</summary>
    public static void RequireTshark() =>
        InteropPrerequisite.Require("tshark", File.Exists(Tshark) ? null : $"{Tshark} not found", "install tshark to run these tests");

    /// <summary>Runs tshark with <c>WIRESHARK_CONFIG_DIR</c> set to <paramref name="configDirectory"/>.</summary>
    public static (int ExitCode, string Output, string Error) Run(string configDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Tshark)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["WIRESHARK_CONFIG_DIR"] = configDirectory;
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, stderr.Result);
    }
}
