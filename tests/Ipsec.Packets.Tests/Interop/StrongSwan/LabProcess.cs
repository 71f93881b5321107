using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>Runs commands for the strongSwan lab: in the foreground with a deadline, or in the background by process id.</summary>
public static partial class LabProcess
{
    private const int SignalInterrupt = 2;

    /// <summary>Runs a command to completion (killing it after <paramref name="timeoutSeconds"/>) with captured output; <paramref name="strongSwanConf"/> sets STRONGSWAN_CONF.</summary>
    public static (int ExitCode, string Output, string Error) Run(string file, string[] arguments, string? stdin = null, int timeoutSeconds = 120, string? strongSwanConf = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (strongSwanConf is not null)
        {
            start.Environment["STRONGSWAN_CONF"] = strongSwanConf;
        }

        using Process process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill();
            process.WaitForExit();
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish within {timeoutSeconds} s; output: {output.Result} {error.Result}");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a command and fails the test unless it exits with 0; returns its standard output.</summary>
    public static string Check(string file, params string[] arguments)
    {
        (int code, string output, string error) = Run(file, arguments);
        if (code != 0)
        {
            Assert.Fail($"{file} {string.Join(' ', arguments)} exited with {code}: {error.Trim()} {output.Trim()}");
        }

        return output;
    }

    /// <summary>
    /// Starts <paramref name="command"/> (a shell command that ends by exec-ing the long-running program, so the process id
    /// is the program's) with its output in <paramref name="logPath"/>.
    /// </summary>
    public static Process Background(string command, string logPath, string? strongSwanConf = null)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {command} >'{logPath}' 2>&1");
        if (strongSwanConf is not null)
        {
            start.Environment["STRONGSWAN_CONF"] = strongSwanConf;
        }

        return Process.Start(start)!;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing the test with <paramref name="what"/> after the deadline.</summary>
    public static void WaitFor(Func<bool> condition, string what, int timeoutMilliseconds = 10_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMilliseconds)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Stops a process this test started: SIGINT (tcpdump then flushes its file), SIGKILL if it does not exit.</summary>
    public static void Interrupt(Process process)
    {
        if (!process.HasExited)
        {
            _ = Kill(process.Id, SignalInterrupt);
            if (!process.WaitForExit(5000))
            {
                process.Kill();
                process.WaitForExit();
            }
        }
    }

    /// <summary>Kills a process this test started (SIGKILL: no chance to send an IKE DELETE) and waits for it.</summary>
    public static void KillNow(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }
    }

    public static bool IsRoot => GetEffectiveUserId() == 0;

    public static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
