using System;
using System.Buffers.Binary;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Interop;

namespace Ipsec.Packets.Tests.DataPlane;

/// <summary>Tunnel-mode processor pairs and inner packets for the socket-level tests.</summary>
internal static class Tunnels
{
    public static readonly EspConfiguration Gcm = new(EncryptionAlgorithm.AesGcm16, 128, null);
    public const uint Spi = 0x0002_0001;
    public static readonly IPAddress Local = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress Peer = IPAddress.Parse("198.51.100.1");

    public static EspProcessorOptions Options(bool udp = true, ushort localPort = 4501, ushort remotePort = 4501, int mtu = 0, bool reverse = false) => new()
    {
        TunnelSource = reverse ? Peer : Local,
        TunnelDestination = reverse ? Local : Peer,
        UdpEncapsulation = udp,
        UdpSourcePort = localPort,
        UdpDestinationPort = remotePort,
        Mtu = mtu,
    };

    /// <summary>A sender and a receiver with the same keys (the receiver's endpoints mirrored).</summary>
    public static (EspProcessor Sender, EspProcessor Receiver) Pair(
        EspConfiguration? config = null, bool udp = true, int replayWindow = 64, EspProcessorOptions? receiverOptions = null)
    {
        config ??= Gcm;
        var sender = new EspProcessor(config.Create(spi: Spi, replayWindow: replayWindow), Options(udp));
        var receiver = new EspProcessor(config.Create(spi: Spi, replayWindow: replayWindow), receiverOptions ?? Options(udp, reverse: true));
        return (sender, receiver);
    }

    /// <summary>An inner IPv4/UDP packet from 10.1.0.x to 10.2.0.y with the given TOS byte.</summary>
    public static byte[] Inner(int payloadLength, byte tos = 0, int seed = 1, bool dontFragment = false)
    {
        byte[] packet = ScapyEspInteropTests.InnerPacket(new Random(seed), payloadLength);
        packet[1] = tos;
        if (dontFragment)
        {
            packet[6] = 0x40;
        }

        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ScapyEspInteropTests.Checksum(packet.AsSpan(0, 20)));
        return packet;
    }

    /// <summary>Wraps a datagram payload in an outer IPv4 header (and UDP header) as the kernel would, checksum included.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> payload, IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, byte tos, bool udp)
    {
        int udpLength = udp ? 8 : 0;
        var packet = new byte[20 + udpLength + payload.Length];
        packet[0] = 0x45;
        packet[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = udp ? (byte)17 : (byte)50;
        source.GetAddressBytes().CopyTo(packet, 12);
        destination.GetAddressBytes().CopyTo(packet, 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ScapyEspInteropTests.Checksum(packet.AsSpan(0, 20)));
        if (udp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), destinationPort);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        }

        payload.CopyTo(packet.AsSpan(20 + udpLength));
        return packet;
    }

    /// <summary>A buffer with <paramref name="packet"/> at offset 64 and room after it.</summary>
    public static byte[] InBuffer(ReadOnlySpan<byte> packet, out int offset)
    {
        offset = 64;
        var buffer = new byte[offset + packet.Length + 128];
        packet.CopyTo(buffer.AsSpan(offset));
        return buffer;
    }
}
