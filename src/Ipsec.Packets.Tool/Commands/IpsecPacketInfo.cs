using System;
using System.Buffers.Binary;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>
/// A quick, non-validating look at an IP packet: addresses, total length, and the SPI and sequence number of ESP (raw or
/// in UDP) or AH. Validation is the library's job when the packet is unprotected; this only finds the SA.
/// </summary>
internal readonly ref struct IpsecPacketInfo
{
    private const int IPv4MinimumHeaderLength = 20;
    private const int IPv6HeaderLength = 40;

    private IpsecPacketInfo(IpsecPacketKind kind, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, int packetLength, byte protocol, uint spi, uint sequenceNumber, int ipsecOffset, ushort sourcePort, ushort destinationPort)
    {
        Kind = kind;
        Source = source;
        Destination = destination;
        PacketLength = packetLength;
        Protocol = protocol;
        Spi = spi;
        SequenceNumber = sequenceNumber;
        IpsecOffset = ipsecOffset;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
    }

    public IpsecPacketKind Kind { get; }

    /// <summary>The source address bytes (4 or 16).</summary>
    public ReadOnlySpan<byte> Source { get; }

    /// <summary>The destination address bytes (4 or 16).</summary>
    public ReadOnlySpan<byte> Destination { get; }

    /// <summary>The packet's length from its IP header, in bytes (capped at the bytes captured).</summary>
    public int PacketLength { get; }

    /// <summary>The upper-layer protocol (after IPv6 extension headers).</summary>
    public byte Protocol { get; }

    public uint Spi { get; }

    /// <summary>The low 32 bits of the sequence number as they travel.</summary>
    public uint SequenceNumber { get; }

    /// <summary>Where the ESP or AH header starts.</summary>
    public int IpsecOffset { get; }

    public ushort SourcePort { get; }

    public ushort DestinationPort { get; }

    /// <summary>Looks at the packet.</summary>
    /// <param name="packet">The IP packet (from its version nibble).</param>
    /// <param name="isEncapsulationPort">Whether a UDP port carries ESP (RFC 3948); both ports are tried.</param>
    public static IpsecPacketInfo Read(ReadOnlySpan<byte> packet, Func<ushort, bool> isEncapsulationPort)
    {
        int offset;
        int length;
        byte protocol;
        ReadOnlySpan<byte> source;
        ReadOnlySpan<byte> destination;
        if (packet.Length >= IPv4MinimumHeaderLength && packet[0] >> 4 == 4)
        {
            offset = (packet[0] & 0x0F) * 4;
            length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(packet[2..]), packet.Length);
            if (offset < IPv4MinimumHeaderLength || length < offset)
            {
                return default;
            }

            protocol = packet[9];
            source = packet.Slice(12, 4);
            destination = packet.Slice(16, 4);
            if ((BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0)
            {
                return new IpsecPacketInfo(IpsecPacketKind.Fragment, source, destination, length, protocol, 0, 0, 0, 0, 0);
            }
        }
        else if (packet.Length >= IPv6HeaderLength && packet[0] >> 4 == 6)
        {
            length = Math.Min(IPv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]), packet.Length);
            source = packet.Slice(8, 16);
            destination = packet.Slice(24, 16);
            protocol = packet[6];
            offset = IPv6HeaderLength;
            while (protocol is 0 or 43 or 60)
            {
                if (length < offset + 8)
                {
                    return new IpsecPacketInfo(IpsecPacketKind.Malformed, source, destination, length, protocol, 0, 0, 0, 0, 0);
                }

                protocol = packet[offset];
                offset += (packet[offset + 1] + 1) * 8;
            }

            if (protocol == 44)
            {
                return new IpsecPacketInfo(IpsecPacketKind.Fragment, source, destination, length, protocol, 0, 0, 0, 0, 0);
            }
        }
        else
        {
            return default;
        }

        ReadOnlySpan<byte> upper = offset <= length ? packet[offset..length] : [];
        switch (protocol)
        {
            case 50 when upper.Length >= 8:
                return new IpsecPacketInfo(IpsecPacketKind.Esp, source, destination, length, protocol,
                    BinaryPrimitives.ReadUInt32BigEndian(upper), BinaryPrimitives.ReadUInt32BigEndian(upper[4..]), offset, 0, 0);
            case 51 when upper.Length >= 12:
                return new IpsecPacketInfo(IpsecPacketKind.Ah, source, destination, length, protocol,
                    BinaryPrimitives.ReadUInt32BigEndian(upper[4..]), BinaryPrimitives.ReadUInt32BigEndian(upper[8..]), offset, 0, 0);
            case 17 when upper.Length >= 8:
                ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(upper);
                ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(upper[2..]);
                ReadOnlySpan<byte> payload = upper[8..];
                if ((isEncapsulationPort(destinationPort) || isEncapsulationPort(sourcePort))
                    && UdpEncapsulation.Classify(payload) == UdpEncapsulatedKind.Esp && payload.Length >= 8)
                {
                    return new IpsecPacketInfo(IpsecPacketKind.EspInUdp, source, destination, length, protocol,
                        BinaryPrimitives.ReadUInt32BigEndian(payload), BinaryPrimitives.ReadUInt32BigEndian(payload[4..]), offset + 8, sourcePort, destinationPort);
                }

                return new IpsecPacketInfo(IpsecPacketKind.NotIpsec, source, destination, length, protocol, 0, 0, 0, sourcePort, destinationPort);
            case 50 or 51:
                return new IpsecPacketInfo(IpsecPacketKind.Malformed, source, destination, length, protocol, 0, 0, 0, 0, 0);
            default:
                return new IpsecPacketInfo(IpsecPacketKind.NotIpsec, source, destination, length, protocol, 0, 0, 0, 0, 0);
        }
    }
}
