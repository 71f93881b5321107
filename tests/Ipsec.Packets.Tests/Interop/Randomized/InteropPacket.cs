using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>
/// A random inner packet: IPv4 (sometimes with a Router Alert option) or IPv6 (sometimes with hop-by-hop and destination
/// options headers), carrying UDP to the discard port with a correct checksum, or raw bytes under protocol 253 (RFC 3692).
/// <see cref="TransportOffset"/> is where transport-mode ESP goes (after the IP header and the extension headers).
/// </summary>
public readonly record struct InteropPacket(byte[] Bytes, int TransportOffset)
{
    /// <summary>UDP destination port of the inner packets: discard (RFC 863), which tshark is told to show as data.</summary>
    public const ushort UdpPort = 9;

    private const byte Udp = 17;
    private const byte Experimental = 253;

    /// <summary>An IPv4 packet between two addresses (4 bytes each) with a payload of the given length.</summary>
    public static InteropPacket IPv4(Random random, byte[] source, byte[] destination, int payloadLength)
    {
        int headerLength = random.Next(4) == 0 ? 24 : 20;
        byte protocol = random.Next(5) == 0 ? Experimental : Udp;
        int transportLength = (protocol == Udp ? 8 : 0) + payloadLength;
        var packet = new byte[headerLength + transportLength];
        packet[0] = (byte)(0x40 | headerLength / 4);
        packet[1] = (byte)random.Next(256);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)random.Next(65536));
        packet[6] = random.Next(2) == 0 ? (byte)0x40 : (byte)0;
        packet[8] = (byte)random.Next(1, 256);
        packet[9] = protocol;
        source.CopyTo(packet, 12);
        destination.CopyTo(packet, 16);
        if (headerLength == 24)
        {
            new byte[] { 0x94, 4, 0, 0 }.CopyTo(packet, 20);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ScapyEspInteropTests.Checksum(packet.AsSpan(0, headerLength)));
        WriteTransport(random, packet.AsSpan(headerLength), protocol, source, destination);
        return new InteropPacket(packet, headerLength);
    }

    /// <summary>An IPv6 packet between two addresses (16 bytes each), with zero to two extension headers.</summary>
    public static InteropPacket IPv6(Random random, byte[] source, byte[] destination, int payloadLength)
    {
        int chain = random.Next(4);
        bool hopByHop = chain is 1 or 3;
        bool destinationOptions = chain is 2 or 3;
        int hopByHopLength = hopByHop ? 8 * random.Next(1, 3) : 0;
        int destinationOptionsLength = destinationOptions ? 8 * random.Next(1, 3) : 0;
        byte protocol = random.Next(5) == 0 ? Experimental : Udp;
        int transportOffset = 40 + hopByHopLength + destinationOptionsLength;
        var packet = new byte[transportOffset + (protocol == Udp ? 8 : 0) + payloadLength];
        uint trafficClass = (uint)random.Next(256);
        uint flowLabel = (uint)random.Next(1 << 20);
        BinaryPrimitives.WriteUInt32BigEndian(packet, 0x6000_0000u | trafficClass << 20 | flowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[7] = (byte)random.Next(1, 256);
        source.CopyTo(packet, 8);
        destination.CopyTo(packet, 24);

        int nextHeaderField = 6;
        int offset = 40;
        if (hopByHop)
        {
            packet[nextHeaderField] = 0;
            WriteOptionsHeader(packet.AsSpan(offset, hopByHopLength));
            nextHeaderField = offset;
            offset += hopByHopLength;
        }

        if (destinationOptions)
        {
            packet[nextHeaderField] = 60;
            WriteOptionsHeader(packet.AsSpan(offset, destinationOptionsLength));
            nextHeaderField = offset;
            offset += destinationOptionsLength;
        }

        packet[nextHeaderField] = protocol;
        WriteTransport(random, packet.AsSpan(transportOffset), protocol, source, destination);
        return new InteropPacket(packet, transportOffset);
    }

    /// <summary>An options header of 8 or 16 bytes holding one PadN option (next header written by the caller).</summary>
    private static void WriteOptionsHeader(Span<byte> header)
    {
        header[1] = (byte)(header.Length / 8 - 1);
        header[2] = 1;
        header[3] = (byte)(header.Length - 4);
    }

    private static void WriteTransport(Random random, Span<byte> transport, byte protocol, byte[] source, byte[] destination)
    {
        if (protocol != Udp)
        {
            random.NextBytes(transport);
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(transport, (ushort)random.Next(1024, 65536));
        BinaryPrimitives.WriteUInt16BigEndian(transport[2..], UdpPort);
        BinaryPrimitives.WriteUInt16BigEndian(transport[4..], (ushort)transport.Length);
        random.NextBytes(transport[8..]);
        var pseudo = new byte[source.Length * 2 + 8 + transport.Length];
        source.CopyTo(pseudo, 0);
        destination.CopyTo(pseudo, source.Length);
        int at = source.Length * 2;
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(at), (uint)transport.Length);
        pseudo[at + 7] = Udp;
        transport.CopyTo(pseudo.AsSpan(at + 8));
        ushort sum = ScapyEspInteropTests.Checksum(pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(transport[6..], sum == 0 ? (ushort)0xFFFF : sum);
    }
}
