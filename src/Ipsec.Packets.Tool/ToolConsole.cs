using System;
using System.IO;

namespace Ipsec.Packets.Tool;

/// <summary>The process's standard streams as the tool sees them; tests substitute their own.</summary>
internal sealed class ToolConsole
{
    /// <summary>Opens standard input, for an INPUT of "-".</summary>
    public required Func<Stream> OpenStandardInput { get; init; }

    /// <summary>Opens standard output, for an OUTPUT of "-".</summary>
    public required Func<Stream> OpenStandardOutput { get; init; }

    /// <summary>Whether standard output is a terminal (a binary capture is not written there).</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>Whether stderr is a terminal (progress is shown only then).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>How often progress is redrawn.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The process's console; the terminal checks hold only when the writers given are the console's own.</summary>
    public static ToolConsole ForProcess(TextWriter output, TextWriter error) => new()
    {
        OpenStandardInput = Console.OpenStandardInput,
        OpenStandardOutput = Console.OpenStandardOutput,
        OutputIsTerminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected,
        ErrorIsTerminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected,
    };
}
