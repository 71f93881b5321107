using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>Builds and classifies the IPv4 packets the strongSwan tests send and capture.</summary>
public static class LabPackets
{
    public const int NatTraversalPort = 4500;
    public const byte Icmp = 1;
    public const byte Udp = 17;

    /// <summary>What a UDP 4500 datagram carries (RFC 3948 §2): ESP (non-zero SPI), IKE (non-ESP marker) or a keepalive (0xFF).</summary>
    public enum Kind
    {
        Other,
        Esp,
        Ike,
        Keepalive,
    }

    public static Kind Classify(byte[] packet)
    {
        if (packet.Length < 28 || packet[0] >> 4 != 4 || packet[9] != Udp)
        {
            return Kind.Other;
        }

        int ihl = (packet[0] & 0x0F) * 4;
        int sport = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(ihl));
        int dport = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(ihl + 2));
        if (sport == 500 || dport == 500)
        {
            return Kind.Ike;
        }

        if (sport != NatTraversalPort && dport != NatTraversalPort)
        {
            return Kind.Other;
        }

        ReadOnlySpan<byte> payload = packet.AsSpan(ihl + 8);
        return payload.Length == 1 && payload[0] == 0xFF ? Kind.Keepalive
            : payload.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(payload) == 0 ? Kind.Ike
            : payload.Length >= 8 ? Kind.Esp
            : Kind.Other;
    }

    /// <summary>SPI and sequence number of an ESP-in-UDP packet (<see cref="Classify"/> gave Esp).</summary>
    public static (uint Spi, uint SequenceNumber) EspHeader(byte[] packet)
    {
        int offset = (packet[0] & 0x0F) * 4 + 8;
        return (BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(offset)), BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(offset + 4)));
    }

    public static IPAddress Source(byte[] packet) => new(packet.AsSpan(12, 4));

    public static IPAddress Destination(byte[] packet) => new(packet.AsSpan(16, 4));

    /// <summary>An IPv4 packet with a correct header checksum around <paramref name="transport"/>.</summary>
    public static byte[] IPv4(string source, string destination, byte protocol, byte[] transport, ushort identification)
    {
        byte[] packet = new byte[20 + transport.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), identification);
        packet[6] = 0x40; // DF
        packet[8] = 64;
        packet[9] = protocol;
        IPAddress.Parse(source).TryWriteBytes(packet.AsSpan(12), out _);
        IPAddress.Parse(destination).TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20), 0));
        transport.CopyTo(packet, 20);
        if (protocol == Udp)
        {
            // UDP checksum over the pseudo-header (RFC 768); 0 is sent as 0xFFFF.
            uint pseudo = Sum(packet.AsSpan(12, 8)) + Udp + (uint)transport.Length;
            ushort udp = Checksum(packet.AsSpan(20), pseudo);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(26), udp == 0 ? (ushort)0xFFFF : udp);
        }

        return packet;
    }

    public static byte[] IcmpEcho(byte type, ushort identifier, ushort sequence, byte[] data)
    {
        byte[] icmp = new byte[8 + data.Length];
        icmp[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        data.CopyTo(icmp, 8);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), Checksum(icmp, 0));
        return icmp;
    }

    public static byte[] UdpDatagram(ushort sourcePort, ushort destinationPort, byte[] data)
    {
        byte[] udp = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        data.CopyTo(udp, 8);
        return udp;
    }

    /// <summary>A NAT-T keepalive (RFC 3948 §2.3) from one outer address to the other.</summary>
    public static byte[] Keepalive(string source, string destination) =>
        IPv4(source, destination, Udp, UdpDatagram(NatTraversalPort, NatTraversalPort, [0xFF]), 0x4b41);

    /// <summary>The packets whose IPv4 source is <paramref name="source"/>, in capture order.</summary>
    public static List<byte[]> From(IEnumerable<byte[]> packets, string source)
    {
        var address = IPAddress.Parse(source);
        var result = new List<byte[]>();
        foreach (byte[] packet in packets)
        {
            if (packet.Length >= 20 && packet[0] >> 4 == 4 && Source(packet).Equals(address))
            {
                result.Add(packet);
            }
        }

        return result;
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        return sum;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        uint sum = initial + Sum(data);
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
