using System;
using Ipsec.Packets.Tool.Captures;
using Ipsec.Packets.Tool.Commands;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>What the tool's inspect command does with every frame: find the IP packet, classify its IPsec headers.</summary>
internal sealed class PcapFrameSink : ICaptureSink
{
    private static readonly Func<ushort, bool> IsEncapsulationPort = port => port == 4500;

    /// <summary>The frames received.</summary>
    public long Frames { get; private set; }

    /// <summary>The frames whose IP packet the tool found.</summary>
    public long IPPackets { get; private set; }

    public void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame)
    {
        Frames++;
        if (record.Nanoseconds >= 1_000_000_000)
        {
            throw new FuzzInvariantException($"record {record.Number}: nanoseconds {record.Nanoseconds} out of range");
        }

        if (!LinkLayer.TryLocateIP(record.LinkType, frame, out int offset))
        {
            return;
        }

        IPPackets++;
        IpsecPacketInfo info = IpsecPacketInfo.Read(frame[offset..], IsEncapsulationPort);
        if (info.IpsecOffset < 0 || info.IpsecOffset > frame.Length - offset)
        {
            throw new FuzzInvariantException($"record {record.Number}: IPsec header offset {info.IpsecOffset} outside the {frame.Length - offset}-byte packet");
        }
    }
}
