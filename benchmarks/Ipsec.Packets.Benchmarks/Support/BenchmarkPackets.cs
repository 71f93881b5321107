using System;
using System.Buffers.Binary;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>Plain UDP packets over IPv4 and IPv6 with valid headers and seeded random data, built once per setup.</summary>
internal static class BenchmarkPackets
{
    /// <summary>An IPv4 UDP packet of <paramref name="totalLength"/> bytes (at least 28), header checksum set, UDP checksum 0.</summary>
    public static byte[] IPv4Udp(IPv4Address source, IPv4Address destination, int totalLength, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalLength, IPv4Header.MinLength + UdpHeader.HeaderLength);
        byte[] packet = new byte[totalLength];
        new Random(seed).NextBytes(packet);
        var header = new IPv4Header
        {
            TotalLength = (ushort)totalLength,
            Identification = 1,
            TimeToLive = 64,
            Protocol = IPProtocol.Udp,
            Source = source,
            Destination = destination,
        };
        header.TryWrite(packet);
        IPv4HeaderEditor.UpdateChecksum(packet);
        WriteUdp(packet.AsSpan(IPv4Header.MinLength));
        return packet;
    }

    /// <summary>An IPv6 UDP packet of <paramref name="totalLength"/> bytes (at least 48), UDP checksum computed.</summary>
    public static byte[] IPv6Udp(IPv6Address source, IPv6Address destination, int totalLength, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalLength, IPv6Header.Length + UdpHeader.HeaderLength);
        byte[] packet = new byte[totalLength];
        new Random(seed).NextBytes(packet);
        var header = new IPv6Header
        {
            PayloadLength = (ushort)(totalLength - IPv6Header.Length),
            NextHeader = IPProtocol.Udp,
            HopLimit = 64,
            Source = source,
            Destination = destination,
        };
        header.TryWrite(packet);
        WriteUdp(packet.AsSpan(IPv6Header.Length));
        UdpChecksum.Write(source, destination, packet.AsSpan(IPv6Header.Length));
        return packet;
    }

    private static void WriteUdp(Span<byte> datagram)
    {
        new UdpHeader(40000, 5001, (ushort)datagram.Length, 0).TryWrite(datagram);
    }

    /// <summary>Throws unless <paramref name="actual"/> is <paramref name="expected"/>: setups check every row's outcome once.</summary>
    public static void Expect(IpsecStatus actual, IpsecStatus expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{what}: expected {expected}, got {actual}.");
        }
    }

    /// <summary>Reads a big-endian 32-bit value (the ESP sequence number behind the SPI).</summary>
    public static uint ReadUInt32(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt32BigEndian(bytes);
}
