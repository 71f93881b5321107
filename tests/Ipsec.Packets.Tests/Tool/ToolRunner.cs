using System;
using System.IO;
using Ipsec.Packets.Tool;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>Runs the tool in-process through its entry point with captured stdout and stderr.</summary>
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
}
