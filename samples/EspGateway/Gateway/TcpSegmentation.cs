using System;
using System.Buffers.Binary;
using Ipsec.Packets.Wire;

namespace EspGateway.Gateway;

/// <summary>
/// What a NIC does for TSO, done in software on a TUN device's 64 KB TCP segments: the headers of segment k are the
/// original headers with the IPv4 total length and identification (or IPv6 payload length), the TCP sequence number and
/// flags (FIN and PSH only on the last, CWR only on the first) adjusted, and both checksums computed afresh.
/// </summary>
internal static class TcpSegmentation
{
    public const int MaximumHeaderLength = 60 + 60;

    /// <summary>Fills in the headers of one segment laid out as headers then payload.</summary>
    /// <param name="segment">The segment: <paramref name="headerLength"/> bytes of IP and TCP headers, then the payload.</param>
    /// <param name="l4Offset">Where the TCP header starts (the IP header length).</param>
    /// <param name="index">The segment's index in the original segment.</param>
    /// <param name="last">Whether it is the last segment.</param>
    /// <param name="sequenceNumber">The TCP sequence number of its first byte.</param>
    public static void Patch(Span<byte> segment, int l4Offset, int index, bool last, uint sequenceNumber)
    {
        bool v4 = segment[0] >> 4 == 4;
        if (v4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[2..], (ushort)segment.Length);
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(id + index));
            segment[10] = 0;
            segment[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(segment[10..], (ushort)~InternetChecksum.Accumulate(segment[..l4Offset]));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(segment.Length - 40));
        }

        Span<byte> tcp = segment[l4Offset..];
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequenceNumber);
        if (!last)
        {
            tcp[13] &= unchecked((byte)~(0x01 | 0x08)); // FIN, PSH
        }

        if (index != 0)
        {
            tcp[13] &= unchecked((byte)~0x80); // CWR
        }

        WriteTransportChecksum(segment, l4Offset, l4Offset + 16, 6);
    }

    /// <summary>Computes a TCP or UDP checksum from scratch, with the pseudo-header, into <paramref name="checksumOffset"/>.</summary>
    public static void WriteTransportChecksum(Span<byte> packet, int l4Offset, int checksumOffset, byte protocol)
    {
        bool v4 = packet[0] >> 4 == 4;
        int l4Length = packet.Length - l4Offset;
        packet[checksumOffset] = 0;
        packet[checksumOffset + 1] = 0;
        uint sum = v4 ? InternetChecksum.Accumulate(packet.Slice(12, 8)) : InternetChecksum.Accumulate(packet.Slice(8, 32));
        sum = InternetChecksum.Add((ushort)protocol, sum);
        sum = InternetChecksum.Add((uint)l4Length, sum);
        sum = InternetChecksum.Accumulate(packet[l4Offset..], sum);
        ushort checksum = (ushort)~sum;
        if (protocol == 17 && checksum == 0)
        {
            checksum = 0xFFFF;
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet[checksumOffset..], checksum);
    }

    /// <summary>Completes a partial checksum (CHECKSUM_PARTIAL: the field holds the pseudo-header sum) over
    /// <c>packet[start..]</c> into <c>packet[start + offset]</c>.</summary>
    public static void CompletePartialChecksum(Span<byte> packet, int start, int offset)
    {
        if (start < 0 || offset < 0 || start + offset + 2 > packet.Length)
        {
            return;
        }

        uint sum = InternetChecksum.Accumulate(packet[start..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(start + offset)..], (ushort)~sum);
    }
}
