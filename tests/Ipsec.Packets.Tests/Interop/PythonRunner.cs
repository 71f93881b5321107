using System;
using System.Diagnostics;
using System.IO;

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

    private static readonly Lazy<string?> s_scapyMissing = new(FindScapyProblem);

    /// <summary>Runs, ignores or fails the test as <see cref="InteropPrerequisite"/> decides for python3-scapy.</summary>
    public static void RequireScapy() =>
        InteropPrerequisite.Require("python3-scapy", s_scapyMissing.Value, "install python3-scapy (Debian) to run the interop tests");

    /// <summary>Why Debian's python3 cannot run the Scapy scripts (checked once per run), or null.</summary>
    private static string? FindScapyProblem()
    {
        if (!File.Exists(DebianPython))
        {
            return $"{DebianPython} not found";
        }

        (int code, _, string error) = Run("-c \"import scapy.layers.ipsec, cryptography\"", "");
        if (code == 0)
        {
            return null;
        }

        string[] lines = error.Trim().Split('\n');   // a traceback: its last line says what is missing
        return $"{DebianPython} cannot import Scapy ({lines[^1].Trim()})";
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
