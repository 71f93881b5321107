using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>Hand-built IPv4 and IPv6 packets for the AH tests, with correct lengths and IPv4 checksums.</summary>
internal static class AhTestPackets
{
    public static readonly byte[] Source4 = [192, 0, 2, 1];
    public static readonly byte[] Destination4 = [198, 51, 100, 2];
    public static readonly byte[] Source6 = IPAddress.Parse("2001:db8::1").GetAddressBytes();
    public static readonly byte[] Destination6 = IPAddress.Parse("2001:db8::2").GetAddressBytes();

    /// <summary>IPv4 Record Route (7): mutable, zeroed whole for the ICV.</summary>
    public static readonly byte[] RecordRoute = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1];

    /// <summary>IPv4 Router Alert (148): immutable. Then a NOP and EOL to fill the word.</summary>
    public static readonly byte[] RouterAlert = [148, 4, 0, 0];

    /// <summary>An IPv4/UDP packet with options (a multiple of 4 bytes) and a payload from a fixed seed.</summary>
    public static byte[] IPv4(byte[]? options = null, int payloadLength = 40, byte tos = 0x28, bool dontFragment = true, int seed = 1)
    {
        options ??= [];
        int headerLength = 20 + options.Length;
        var packet = new byte[headerLength + 8 + payloadLength];
        packet[0] = (byte)(0x40 | (headerLength / 4));
        packet[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0x1c46);
        packet[6] = dontFragment ? (byte)0x40 : (byte)0;
        packet[8] = 64;
        packet[9] = 17;
        Source4.CopyTo(packet, 12);
        Destination4.CopyTo(packet, 16);
        options.CopyTo(packet, 20);
        FixIPv4Checksum(packet);
        WriteUdp(packet.AsSpan(headerLength), payloadLength, seed);
        return packet;
    }

    /// <summary>An IPv6/UDP packet after the given extension headers (each a whole header; next-header bytes are chained here).</summary>
    public static byte[] IPv6(IReadOnlyList<(byte Type, byte[] Header)>? extensions = null, int payloadLength = 40,
        byte trafficClass = 0xb8, uint flowLabel = 0x12345, byte[]? destination = null, int seed = 2)
    {
        extensions ??= [];
        int extensionLength = 0;
        foreach ((_, byte[] header) in extensions)
        {
            extensionLength += header.Length;
        }

        var packet = new byte[40 + extensionLength + 8 + payloadLength];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (6u << 28) | ((uint)trafficClass << 20) | flowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[7] = 64;
        Source6.CopyTo(packet, 8);
        (destination ?? Destination6).CopyTo(packet, 24);
        int nextHeaderField = 6;
        int offset = 40;
        foreach ((byte type, byte[] header) in extensions)
        {
            packet[nextHeaderField] = type;
            header.CopyTo(packet, offset);
            nextHeaderField = offset;
            offset += header.Length;
        }

        packet[nextHeaderField] = 17;
        WriteUdp(packet.AsSpan(offset), payloadLength, seed);
        return packet;
    }

    /// <summary>A hop-by-hop or destination options header of 16 bytes: an option of <paramref name="optionType"/> with 4 data bytes, then PadN.</summary>
    public static byte[] OptionsHeader(byte optionType, byte fill = 0x11) =>
        [0, 1, optionType, 4, fill, fill, fill, fill, 1, 6, 0, 0, 0, 0, 0, 0];

    /// <summary>A type 0 or type 2 routing header with the given addresses and Segments Left.</summary>
    public static byte[] RoutingHeader(byte type, int segmentsLeft, params byte[][] addresses)
    {
        var header = new byte[8 + (16 * addresses.Length)];
        header[1] = (byte)(addresses.Length * 2);
        header[2] = type;
        header[3] = (byte)segmentsLeft;
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i].CopyTo(header, 8 + (16 * i));
        }

        return header;
    }

    /// <summary>A segment routing header (RFC 8754): the segment list in wire order (Segment List[0] = last segment), then TLVs.</summary>
    public static byte[] SegmentRoutingHeader(int segmentsLeft, byte[] tlvs, params byte[][] segmentList)
    {
        int length = 8 + (16 * segmentList.Length) + tlvs.Length;
        var header = new byte[length];
        header[1] = (byte)((length / 8) - 1);
        header[2] = 4;
        header[3] = (byte)segmentsLeft;
        header[4] = (byte)(segmentList.Length - 1);
        for (int i = 0; i < segmentList.Length; i++)
        {
            segmentList[i].CopyTo(header, 8 + (16 * i));
        }

        tlvs.CopyTo(header, 8 + (16 * segmentList.Length));
        return header;
    }

    public static byte[] Address(string text) => IPAddress.Parse(text).GetAddressBytes();

    public static void FixIPv4Checksum(Span<byte> packet)
    {
        int headerLength = (packet[0] & 0x0F) * 4;
        packet[10] = packet[11] = 0;
        uint sum = 0;
        for (int i = 0; i < headerLength; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], (ushort)~sum);
    }

    private static void WriteUdp(Span<byte> udp, int payloadLength, int seed)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 53);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payloadLength));
        new Random(seed).NextBytes(udp[8..(8 + payloadLength)]);
    }
}
