using System;
using System.Threading.Tasks;

namespace Ipsec.Packets.Tool;

/// <summary>The process entry point.</summary>
internal static class Program
{
    /// <summary>Runs the tool with the console's streams.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The exit code.</returns>
    public static Task<int> Main(string[] args) => ToolMain.RunAsync(args, Console.Out, Console.Error);
}
