using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>Splits IP packets into fragments the way a router would (RFC 791, RFC 8200 §4.5), written here independently of the tool.</summary>
public static class Fragmenter
{
    /// <summary>IPv4 fragments of at most <paramref name="chunk"/> payload bytes (a multiple of 8), with valid header checksums.</summary>
    public static List<byte[]> IPv4(byte[] packet, int chunk, ushort identification = 0x4242)
    {
        int headerLength = (packet[0] & 0x0F) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2));
        var fragments = new List<byte[]>();
        for (int offset = 0; offset < total - headerLength; offset += chunk)
        {
            int length = Math.Min(chunk, total - headerLength - offset);
            bool more = offset + length < total - headerLength;
            fragments.Add(IPv4Piece(packet, headerLength, offset, length, more, identification));
        }

        return fragments;
    }

    /// <summary>One IPv4 fragment with the payload bytes [offset, offset+length) of the packet.</summary>
    public static byte[] IPv4Piece(byte[] packet, int headerLength, int offset, int length, bool more, ushort identification = 0x4242)
    {
        byte[] fragment = new byte[headerLength + length];
        packet.AsSpan(0, headerLength).CopyTo(fragment);
        packet.AsSpan(headerLength + offset, length).CopyTo(fragment.AsSpan(headerLength));
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(2), (ushort)fragment.Length);
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(4), identification);
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
        fragment[10] = 0;
        fragment[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(10), Checksum(fragment.AsSpan(0, headerLength)));
        return fragment;
    }

    /// <summary>
    /// IPv6 fragments: <paramref name="unfragmentableExtensions"/> (already chained: each starts with its next header and
    /// ends pointing at 44) are inserted after the fixed header, then the Fragment header.
    /// </summary>
    public static List<byte[]> IPv6(byte[] packet, int chunk, uint identification = 0x01020304, byte[]? unfragmentableExtensions = null)
    {
        byte[] extensions = unfragmentableExtensions ?? [];
        byte upper = packet[6];
        byte[] payload = packet.AsSpan(40).ToArray();
        var fragments = new List<byte[]>();
        for (int offset = 0; offset < payload.Length; offset += chunk)
        {
            int length = Math.Min(chunk, payload.Length - offset);
            bool more = offset + length < payload.Length;
            byte[] fragment = new byte[40 + extensions.Length + 8 + length];
            packet.AsSpan(0, 40).CopyTo(fragment);
            fragment[6] = extensions.Length == 0 ? (byte)44 : (byte)0;
            extensions.CopyTo(fragment, 40);
            int at = 40 + extensions.Length;
            fragment[at] = upper;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(at + 2), (ushort)(offset | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(fragment.AsSpan(at + 4), identification);
            payload.AsSpan(offset, length).CopyTo(fragment.AsSpan(at + 8));
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(4), (ushort)(fragment.Length - 40));
            fragments.Add(fragment);
        }

        return fragments;
    }

    /// <summary>A Hop-by-Hop Options header (8 bytes of PadN) followed by a Routing header (type 0 segments left 0) pointing at the Fragment header.</summary>
    public static byte[] HopByHopAndRouting() =>
    [
        43, 0, 1, 4, 0, 0, 0, 0,          // Hop-by-Hop: next Routing, PadN of 4
        44, 0, 0, 0, 0, 0, 0, 0,          // Routing: next Fragment, type 0, segments left 0
    ];

    /// <summary>The packet as the reassembler must rebuild it: the extension headers kept, the last one pointing at the upper layer.</summary>
    public static byte[] WithExtensions(byte[] packet, byte[] extensions)
    {
        byte[] result = new byte[packet.Length + extensions.Length];
        packet.AsSpan(0, 40).CopyTo(result);
        result[6] = 0;
        extensions.CopyTo(result, 40);
        result[40 + extensions.Length - 8] = packet[6];
        packet.AsSpan(40).CopyTo(result.AsSpan(40 + extensions.Length));
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(4), (ushort)(result.Length - 40));
        return result;
    }

    public static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < header.Length; i += 2)
        {
            sum += (uint)(header[i] << 8 | header[i + 1]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
