using System;
using System.IO;
using System.Threading.Tasks;
using Ipsec.Packets.Tool.Captures;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>Opening the input and output files with buffers sized for streaming.</summary>
internal static class CaptureFiles
{
    public static FileStream OpenInput(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.SequentialScan | FileOptions.Asynchronous });

    public static FileStream CreateOutput(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 20 });

    /// <summary>Whether the capture's timestamps need nanoseconds: peeks at the magic number (pcapng and nanosecond pcap).</summary>
    public static bool HasFineTimestamps(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using FileStream stream = File.OpenRead(path);
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
        {
            return false;
        }

        uint value = BitConverter.ToUInt32(magic);
        return value is 0x0A0D0D0A or 0xA1B23C4D or 0x4D3CB2A1;
    }

    /// <summary>Reads the capture into the sink, closing the file afterwards.</summary>
    public static async Task<long> ReadAsync(string path, ICaptureSink sink)
    {
        await using FileStream input = OpenInput(path);
        return await CaptureReader.ReadAsync(input, path, sink).ConfigureAwait(false);
    }
}
