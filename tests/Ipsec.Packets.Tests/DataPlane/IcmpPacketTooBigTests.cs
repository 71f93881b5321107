using System;
using System.Buffers.Binary;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.DataPlane;

/// <summary>ICMPv4 fragmentation-needed and ICMPv6 packet-too-big replies, checked against a plain reference checksum.</summary>
public class IcmpPacketTooBigTests
{
    private static readonly IPv4Address Gateway4 = IPv4Address.Parse("10.2.0.1");
    private static readonly IPv6Address Gateway6 = IPv6Address.Parse("2001:db8:2::1");

    /// <summary>RFC 1071 one's-complement sum, written the slow way.</summary>
    private static ushort ReferenceChecksum(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static byte[] IPv6Packet(int payloadLength, byte nextHeader = 17, byte firstPayloadByte = 0)
    {
        var packet = new byte[40 + payloadLength];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)payloadLength);
        packet[6] = nextHeader;
        packet[7] = 64;
        IPv6Address.Parse("2001:db8:1::5").WriteTo(packet.AsSpan(8));
        IPv6Address.Parse("2001:db8:2::9").WriteTo(packet.AsSpan(24));
        new Random(3).NextBytes(packet.AsSpan(40));
        packet[40] = firstPayloadByte;
        return packet;
    }

    [Test]
    public void FragmentationNeededQuotesTheHeaderAndEightBytes()
    {
        byte[] original = Tunnels.Inner(1472, dontFragment: true);
        var reply = new byte[IcmpPacketTooBig.MaximumIPv4ReplyLength];
        reply.AsSpan().Fill(0xA5);
        Assert.That(IcmpPacketTooBig.TryWriteIPv4(original, 1398, Gateway4, reply, out int written), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(written, Is.EqualTo(20 + 8 + 28));
            Assert.That(reply[0], Is.EqualTo(0x45));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(2)), Is.EqualTo(written));
            Assert.That(reply[9], Is.EqualTo(1), "ICMP");
            Assert.That(reply.AsSpan(12, 4).ToArray(), Is.EqualTo(new byte[] { 10, 2, 0, 1 }));
            Assert.That(reply.AsSpan(16, 4).ToArray(), Is.EqualTo(original.AsSpan(12, 4).ToArray()), "back to the sender");
            Assert.That(ReferenceChecksum(reply.AsSpan(0, 20)), Is.Zero, "IPv4 header checksum");
            Assert.That(reply[20], Is.EqualTo(3));
            Assert.That(reply[21], Is.EqualTo(4));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(26)), Is.EqualTo(1398), "next-hop MTU");
            Assert.That(ReferenceChecksum(reply.AsSpan(20, written - 20)), Is.Zero, "ICMP checksum");
            Assert.That(reply.AsSpan(28, 28).ToArray(), Is.EqualTo(original.AsSpan(0, 28).ToArray()));
            Assert.That(reply[written], Is.EqualTo(0xA5), "nothing written past the reply");
        });
    }

    [Test]
    public void NoFragmentationNeededWhereTheRfcsForbidIt()
    {
        var reply = new byte[IcmpPacketTooBig.MaximumIPv4ReplyLength];
        Assert.That(IcmpPacketTooBig.TryWriteIPv4(Tunnels.Inner(1472), 1398, Gateway4, reply, out _), Is.False, "DF clear: fragment instead");

        byte[] fragment = Tunnels.Inner(1472, dontFragment: true);
        fragment[7] = 8; // offset 64
        Assert.That(IcmpPacketTooBig.TryWriteIPv4(fragment, 1398, Gateway4, reply, out _), Is.False, "non-first fragment");

        byte[] icmpError = Tunnels.Inner(1472, dontFragment: true);
        icmpError[9] = 1;
        icmpError[20] = 3; // destination unreachable
        Assert.That(IcmpPacketTooBig.TryWriteIPv4(icmpError, 1398, Gateway4, reply, out _), Is.False, "ICMP error");
        icmpError[20] = 8; // echo request
        Assert.That(IcmpPacketTooBig.TryWriteIPv4(icmpError, 1398, Gateway4, reply, out _), Is.True, "an echo request gets one");

        byte[] multicast = Tunnels.Inner(1472, dontFragment: true);
        multicast[16] = 224;
        Assert.That(IcmpPacketTooBig.TryWriteIPv4(multicast, 1398, Gateway4, reply, out int written), Is.False, "multicast destination");
        Assert.That(written, Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => IcmpPacketTooBig.TryWriteIPv4(multicast, 67, Gateway4, reply, out _));
        Assert.Throws<ArgumentException>(() => IcmpPacketTooBig.TryWriteIPv4(Tunnels.Inner(1472, dontFragment: true), 1398, Gateway4, new byte[40], out _));
    }

    [Test]
    public void PacketTooBigQuotesAsMuchAsFitsIn1280Bytes()
    {
        byte[] original = IPv6Packet(1460);
        var reply = new byte[IcmpPacketTooBig.MaximumIPv6ReplyLength];
        Assert.That(IcmpPacketTooBig.TryWriteIPv6(original, 1380, Gateway6, reply, out int written), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(written, Is.EqualTo(1280));
            Assert.That(reply[0] >> 4, Is.EqualTo(6));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(4)), Is.EqualTo(1240));
            Assert.That(reply[6], Is.EqualTo(58));
            Assert.That(reply.AsSpan(24, 16).ToArray(), Is.EqualTo(original.AsSpan(8, 16).ToArray()), "back to the sender");
            Assert.That(reply[40], Is.EqualTo(2));
            Assert.That(reply[41], Is.Zero);
            Assert.That(BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(44)), Is.EqualTo(1380u));
            Assert.That(reply.AsSpan(48, 1232).ToArray(), Is.EqualTo(original.AsSpan(0, 1232).ToArray()));
        });

        // Reference checksum over the pseudo-header (source, destination, length, next header) and the message.
        var pseudo = new byte[40 + 1240];
        reply.AsSpan(8, 32).CopyTo(pseudo);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), 1240);
        pseudo[39] = 58;
        reply.AsSpan(40, 1240).CopyTo(pseudo.AsSpan(40));
        Assert.That(ReferenceChecksum(pseudo), Is.Zero, "ICMPv6 checksum");

        byte[] small = IPv6Packet(100);
        Assert.That(IcmpPacketTooBig.TryWriteIPv6(small, 1280, Gateway6, reply, out written), Is.True);
        Assert.That(written, Is.EqualTo(40 + 8 + 140), "a short packet is quoted whole");
    }

    [Test]
    public void NoPacketTooBigAboutAnIcmpv6Error()
    {
        var reply = new byte[IcmpPacketTooBig.MaximumIPv6ReplyLength];
        Assert.That(IcmpPacketTooBig.TryWriteIPv6(IPv6Packet(1460, 58, firstPayloadByte: 1), 1280, Gateway6, reply, out _), Is.False);
        Assert.That(IcmpPacketTooBig.TryWriteIPv6(IPv6Packet(1460, 58, firstPayloadByte: 128), 1280, Gateway6, reply, out _), Is.True, "echo request");
        byte[] multicastSource = IPv6Packet(1460);
        multicastSource[8] = 0xFF;
        Assert.That(IcmpPacketTooBig.TryWriteIPv6(multicastSource, 1280, Gateway6, reply, out _), Is.False);
        Assert.Throws<ArgumentOutOfRangeException>(() => IcmpPacketTooBig.TryWriteIPv6(IPv6Packet(1460), 1279, Gateway6, reply, out _));
    }
}
