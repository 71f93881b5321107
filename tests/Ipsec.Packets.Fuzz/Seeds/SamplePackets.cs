using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Ipsec.Packets.Fuzz.Seeds;

/// <summary>Plain UDP packets over IPv4 or IPv6 with correct lengths and checksums, as the peer's inner traffic.</summary>
internal static class SamplePackets
{
    /// <summary>A UDP packet from <paramref name="source"/> port 5000 to <paramref name="destination"/> port 53.</summary>
    public static byte[] Udp(IPAddress source, IPAddress destination, int payloadLength, byte fill)
    {
        bool v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        int ipLength = v6 ? 40 : 20;
        var packet = new byte[ipLength + 8 + payloadLength];
        Span<byte> udp = packet.AsSpan(ipLength);
        if (v6)
        {
            packet[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payloadLength));
            packet[6] = 17;
            packet[7] = 64;
            source.GetAddressBytes().CopyTo(packet, 8);
            destination.GetAddressBytes().CopyTo(packet, 24);
        }
        else
        {
            packet[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0x1234);
            packet[8] = 64;
            packet[9] = 17;
            source.GetAddressBytes().CopyTo(packet, 12);
            destination.GetAddressBytes().CopyTo(packet, 16);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20), 0));
        }

        BinaryPrimitives.WriteUInt16BigEndian(udp, 5000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 53);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        udp[8..].Fill(fill);

        // The pseudo-header: addresses, protocol and UDP length.
        int addressLength = v6 ? 16 : 4;
        uint pseudo = Sum(packet.AsSpan(v6 ? 8 : 12, 2 * addressLength)) + 17u + (uint)udp.Length;
        ushort checksum = Checksum(udp, pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return packet;
    }

    private static ushort Checksum(ReadOnlySpan<byte> bytes, uint initial)
    {
        uint sum = initial + Sum(bytes);
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static uint Sum(ReadOnlySpan<byte> bytes)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }

        if (bytes.Length % 2 == 1)
        {
            sum += (uint)bytes[^1] << 8;
        }

        return sum;
    }
}
