using System;
using System.Buffers.Binary;
using System.Net;
using Ipsec.Packets.Tests.DataPlane;
using Ipsec.Packets.Tests.Esp;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// The IP length fields bound what ESP may send whatever the path MTU: an outer IPv4 packet is at most 65,535 bytes
/// (RFC 791 Total Length), an IPv6 one 40 + 65,535 (RFC 8200 Payload Length, no jumbograms). A packet that would grow past
/// that is refused as <see cref="IpsecStatus.MtuExceeded"/> with the inner MTU the limit allows, never sent with a
/// truncated length field; the largest packet that fits goes out with exact lengths and comes back whole.
/// </summary>
public class OuterLengthLimitTests
{
    private const int IPv4Limit = 65_535;
    private const int IPv6Limit = 40 + 65_535;
    private static readonly EspConfiguration Gcm = new(EncryptionAlgorithm.AesGcm16, 128, null);

    private static EspProcessorOptions Tunnel(bool outerIPv6, bool udp, bool reverse = false, int mtu = 0)
    {
        string local = outerIPv6 ? "2001:db8::1" : "192.0.2.1";
        string peer = outerIPv6 ? "2001:db8::2" : "198.51.100.1";
        return new EspProcessorOptions
        {
            Mode = IpsecMode.Tunnel,
            TunnelSource = IPAddress.Parse(reverse ? peer : local),
            TunnelDestination = IPAddress.Parse(reverse ? local : peer),
            UdpEncapsulation = udp,
            UdpSourcePort = udp ? (ushort)4500 : (ushort)0,
            UdpDestinationPort = udp ? (ushort)4500 : (ushort)0,
            Mtu = mtu,
        };
    }

    /// <summary>An inner IPv4/UDP packet of exactly <paramref name="totalLength"/> bytes (28 to 65,535).</summary>
    private static byte[] InnerOfLength(int totalLength) => Tunnels.Inner(totalLength - 28, seed: totalLength);

    private static byte[] InBuffer(EspProcessor processor, byte[] packet, out int offset)
    {
        offset = processor.MaximumHeadroom;
        var buffer = new byte[offset + packet.Length + processor.MaximumTailroom];
        packet.CopyTo(buffer, offset);
        return buffer;
    }

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public void TheLargestTunnelPacketFitsTheLengthFieldAndOneByteMoreIsRefused(bool outerIPv6, bool udp)
    {
        using var sender = new EspProcessor(Gcm.Create(), Tunnel(outerIPv6, udp));
        using var receiver = new EspProcessor(Gcm.Create(), Tunnel(outerIPv6, udp, reverse: true));
        int limit = outerIPv6 ? IPv6Limit : IPv4Limit;
        int innerMtu = sender.GetInnerMtu(limit);
        Assert.That(innerMtu, Is.InRange(65_000, IPv4Limit), "an inner IPv4 packet of that size exists");

        byte[] largest = InnerOfLength(innerMtu);
        byte[] buffer = InBuffer(sender, largest, out int offset);
        Assert.That(sender.Protect(buffer, offset, largest.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(sent.Length, Is.LessThanOrEqualTo(limit));
        Span<byte> outer = buffer.AsSpan(sent.Offset, sent.Length);
        int declared = outerIPv6 ? 40 + BinaryPrimitives.ReadUInt16BigEndian(outer[4..]) : BinaryPrimitives.ReadUInt16BigEndian(outer[2..]);
        Assert.That(declared, Is.EqualTo(sent.Length), "the outer length field states the packet's length");
        Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out EspProcessResult received), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(received.Offset, received.Length).ToArray(), Is.EqualTo(largest));

        byte[] tooLarge = InnerOfLength(innerMtu + 1);
        buffer = InBuffer(sender, tooLarge, out offset);
        ulong before = sender.SecurityAssociation.OutboundSequenceNumber;
        Assert.That(sender.Protect(buffer, offset, tooLarge.Length, out EspProcessResult refused), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(refused.Length, Is.GreaterThan(limit), "the length it would have needed");
        Assert.That(refused.InnerMtu, Is.EqualTo(innerMtu));
        Assert.That(buffer.AsSpan(offset, tooLarge.Length).ToArray(), Is.EqualTo(tooLarge), "a refused packet is left alone");
        Assert.That(sender.SecurityAssociation.OutboundSequenceNumber, Is.EqualTo(before), "no sequence number spent");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void APathMtuAboveTheLimitDoesNotLiftIt(bool outerIPv6)
    {
        int limit = outerIPv6 ? IPv6Limit : IPv4Limit;
        using var sender = new EspProcessor(Gcm.Create(), Tunnel(outerIPv6, udp: true, mtu: 100_000));
        Assert.That(sender.PathMtu, Is.EqualTo(100_000), "the path MTU reads back as set");
        byte[] tooLarge = InnerOfLength(sender.GetInnerMtu(limit) + 1);
        byte[] buffer = InBuffer(sender, tooLarge, out int offset);
        Assert.That(sender.Protect(buffer, offset, tooLarge.Length, out EspProcessResult refused), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(refused.InnerMtu, Is.EqualTo(sender.GetInnerMtu(limit)));

        // A path MTU below the limit still decides, and lifting it again restores the limit.
        sender.SetPathMtu(1400);
        Assert.That(sender.Protect(buffer, offset, tooLarge.Length, out refused), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(refused.InnerMtu, Is.EqualTo(sender.GetInnerMtu(1400)));
        sender.SetPathMtu(0);
        Assert.That(sender.Protect(buffer, offset, tooLarge.Length, out refused), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(refused.InnerMtu, Is.EqualTo(sender.GetInnerMtu(limit)));
    }

    [Test]
    public void TheSocketPathRefusesWhatTheLengthFieldCannotCarry()
    {
        using var sender = new EspProcessor(Gcm.Create(), Tunnel(outerIPv6: false, udp: true));
        int innerMtu = sender.GetInnerMtu(IPv4Limit);
        byte[] tooLarge = InnerOfLength(innerMtu + 1);
        byte[] buffer = InBuffer(sender, tooLarge, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, tooLarge.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(datagram.InnerMtu, Is.EqualTo(innerMtu));

        byte[] largest = InnerOfLength(innerMtu);
        buffer = InBuffer(sender, largest, out offset);
        datagram = IpsecDatagram.Outgoing(offset, largest.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.Success));
        Assert.That(20 + 8 + datagram.Length, Is.LessThanOrEqualTo(IPv4Limit), "the IP packet the kernel makes of it");
    }

    [Test]
    public void TransportModeRefusesAnIPv4PacketThatWouldOutgrowItsTotalLength()
    {
        using var sender = new EspProcessor(Gcm.Create(), new EspProcessorOptions { Mode = IpsecMode.Transport });
        using var receiver = new EspProcessor(Gcm.Create(), new EspProcessorOptions { Mode = IpsecMode.Transport });
        int overhead = sender.SecurityAssociation.GetProtectedLength(0, 17);
        byte[] tooLarge = InnerOfLength(IPv4Limit);
        byte[] buffer = InBuffer(sender, tooLarge, out int offset);
        Assert.That(sender.Protect(buffer, offset, tooLarge.Length, out EspProcessResult refused), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(refused.Length, Is.GreaterThan(IPv4Limit));
        Assert.That(buffer.AsSpan(offset, tooLarge.Length).ToArray(), Is.EqualTo(tooLarge), "a refused packet is left alone");

        // Some packet a little smaller fits exactly, with a Total Length that states its length.
        for (int length = IPv4Limit - overhead; length > IPv4Limit - overhead - 16; length--)
        {
            byte[] packet = InnerOfLength(length);
            buffer = InBuffer(sender, packet, out offset);
            IpsecStatus status = sender.Protect(buffer, offset, packet.Length, out EspProcessResult sent);
            if (status == IpsecStatus.Success)
            {
                Assert.That(sent.Length, Is.LessThanOrEqualTo(IPv4Limit));
                Assert.That(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(sent.Offset + 2)), Is.EqualTo(sent.Length));
                Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out EspProcessResult received), Is.EqualTo(IpsecStatus.Success));
                Assert.That(buffer.AsSpan(received.Offset, received.Length).ToArray(), Is.EqualTo(packet));
                return;
            }

            Assert.That(status, Is.EqualTo(IpsecStatus.MtuExceeded));
        }

        Assert.Fail("no packet within 16 bytes of the limit fit");
    }
}
