using System;
using System.IO;
using Ipsec.Packets.Tool.Captures;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>
/// Bytes as a capture file through the tool's <see cref="CaptureReader"/> (a <see cref="System.IO.Pipelines.PipeReader"/>
/// over a stream of the bytes), every frame then through the tool's link-layer and IPsec header parsing.
/// <see cref="CaptureFormatException"/> is the documented answer to a bad file; any other exception is a crash.
/// </summary>
internal sealed class PcapTarget : IFuzzTarget
{
    public const string TargetName = "pcap";

    public string Name => TargetName;

    public void Run(ReadOnlySpan<byte> input) => Process(input);

    /// <summary>Reads the capture.</summary>
    /// <returns>The frames delivered, or -1 when the reader refused the file with its format exception.</returns>
    public static long Process(ReadOnlySpan<byte> input)
    {
        using var stream = new MemoryStream(input.ToArray(), writable: false);
        var sink = new PcapFrameSink();
        try
        {
            CaptureReader.ReadAsync(stream, "fuzz.pcap", sink).GetAwaiter().GetResult();
            return sink.Frames;
        }
        catch (CaptureFormatException)
        {
            return -1;
        }
    }
}
