using System;
using System.Diagnostics;
using System.IO;
using Ipsec.Packets.Tool;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>Runs the tool in-process through its entry point with captured stdout and stderr, or as a child process.</summary>
public static class ToolRunner
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = ToolMain.RunAsync(args, output, error).GetAwaiter().GetResult();
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A fresh temporary directory for one test's files.</summary>
    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "ipsec-tool-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The built tool (copied beside the tests) run by the dotnet host, as a user runs it, with stdin, stdout and stderr redirected.</summary>
    public static Process StartProcess(string arguments, string? shell = null)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        string tool = Path.Combine(AppContext.BaseDirectory, "Ipsec.Packets.Tool.dll");
        var start = shell is null
            ? new ProcessStartInfo(dotnet, $"\"{tool}\" {arguments}")
            : new ProcessStartInfo("/bin/bash", ["-c", shell.Replace("TOOL", $"\"{dotnet}\" \"{tool}\"", StringComparison.Ordinal)]);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return Process.Start(start)!;
    }

    /// <summary>Runs the built tool with <paramref name="input"/> on stdin; returns its exit code, stdout bytes and stderr text.</summary>
    public static (int ExitCode, byte[] Output, string Error) RunProcess(string arguments, byte[]? input = null, string? shell = null)
    {
        using Process process = StartProcess(arguments, shell);
        var output = new MemoryStream();
        System.Threading.Tasks.Task copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        System.Threading.Tasks.Task<string> error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
        }

        process.StandardInput.Close();
        copy.GetAwaiter().GetResult();
        string errorText = error.GetAwaiter().GetResult();
        process.WaitForExit();
        return (process.ExitCode, output.ToArray(), errorText);
    }
}
