using System;
using System.Buffers.Binary;
using Ipsec.Packets.Modes;
using Ipsec.Packets.Tests.Ah;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// The checks on a tunnel-mode inner packet after its ICV verified (RFC 4301 §5.2 step 4: the decapsulated packet is
/// a whole IP datagram whose own length fills the rest of the payload) and the RFC 6040 §4.2 ECN rewrite it feeds,
/// each condition on its own: an inner packet wrong in exactly one way is refused.
/// </summary>
public class TunnelDecapsulationTests
{
    private const byte Ipv4 = (byte)IPProtocol.IPv4;
    private const byte Ipv6 = (byte)IPProtocol.IPv6;

    [Test]
    public void AWellFormedInnerIPv4PacketPassesWithItsEcn()
    {
        byte[] inner = AhTestPackets.IPv4(tos: 0x2A);   // DSCP 10, ECT(0)
        Assert.That(TunnelDecapsulation.Check(inner, Ipv4, EcnTunneling.NotEct, out byte ecn), Is.EqualTo(IpsecStatus.Success));
        Assert.That(ecn, Is.EqualTo(EcnTunneling.Ect0));
    }

    [Test]
    public void AnInnerIPv4PacketWhoseTotalLengthDisagreesIsMalformedEvenWithAValidChecksum()
    {
        byte[] inner = AhTestPackets.IPv4();
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(2), (ushort)(inner.Length - 4));
        AhTestPackets.FixIPv4Checksum(inner);
        Assert.That(TunnelDecapsulation.Check(inner, Ipv4, 0, out _), Is.EqualTo(IpsecStatus.Malformed));

        // Trailing bytes after the datagram (its length is shorter than the rest of the payload) are refused too.
        byte[] longer = new byte[inner.Length + 4];
        AhTestPackets.IPv4().CopyTo(longer, 0);
        Assert.That(TunnelDecapsulation.Check(longer, Ipv4, 0, out _), Is.EqualTo(IpsecStatus.Malformed));
    }

    [Test]
    public void AnInnerIPv4PacketWithABadHeaderChecksumIsMalformedEvenWithTheRightLength()
    {
        byte[] inner = AhTestPackets.IPv4();
        inner[11] ^= 0x01;
        Assert.That(TunnelDecapsulation.Check(inner, Ipv4, 0, out _), Is.EqualTo(IpsecStatus.Malformed));
    }

    [Test]
    public void AnInnerIPv4HeaderThatDoesNotParseIsMalformed()
    {
        Assert.That(TunnelDecapsulation.Check(AhTestPackets.IPv4().AsSpan(0, 12), Ipv4, 0, out _), Is.EqualTo(IpsecStatus.Malformed));
    }

    [Test]
    public void AWellFormedInnerIPv6PacketPassesWithItsEcn()
    {
        byte[] inner = AhTestPackets.IPv6(trafficClass: 0xB9);   // EF, ECT(1)
        Assert.That(TunnelDecapsulation.Check(inner, Ipv6, EcnTunneling.NotEct, out byte ecn), Is.EqualTo(IpsecStatus.Success));
        Assert.That(ecn, Is.EqualTo(EcnTunneling.Ect1));
    }

    [TestCase(-8)]
    [TestCase(8)]
    public void AnInnerIPv6PacketWhosePayloadLengthDisagreesIsMalformed(int delta)
    {
        byte[] inner = AhTestPackets.IPv6();
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(4), (ushort)(inner.Length - 40 + delta));
        Assert.That(TunnelDecapsulation.Check(inner, Ipv6, 0, out _), Is.EqualTo(IpsecStatus.Malformed));
    }

    [Test]
    public void AnInnerIPv6HeaderThatDoesNotParseIsMalformed()
    {
        Assert.That(TunnelDecapsulation.Check(AhTestPackets.IPv6().AsSpan(0, 39), Ipv6, 0, out _), Is.EqualTo(IpsecStatus.Malformed));
    }

    [TestCase((byte)0)]
    [TestCase((byte)6)]
    [TestCase((byte)17)]
    [TestCase((byte)59)]
    public void AnInnerProtocolOtherThanIPIsUnsupported(byte nextHeader)
    {
        Assert.That(TunnelDecapsulation.Check(AhTestPackets.IPv4(), nextHeader, 0, out _), Is.EqualTo(IpsecStatus.UnsupportedProtocol));
    }

    [Test]
    public void CeOnTheOuterHeaderOfANotEctInnerPacketIsDropped()
    {
        Assert.That(TunnelDecapsulation.Check(AhTestPackets.IPv4(tos: 0x28), Ipv4, EcnTunneling.Ce, out _), Is.EqualTo(IpsecStatus.EcnDrop));
        Assert.That(TunnelDecapsulation.Check(AhTestPackets.IPv6(trafficClass: 0xB8), Ipv6, EcnTunneling.Ce, out _), Is.EqualTo(IpsecStatus.EcnDrop));
    }

    [Test]
    public void CeOnTheOuterHeaderIsCopiedIntoAnInnerIPv4PacketWithItsChecksumKeptValid()
    {
        byte[] inner = AhTestPackets.IPv4(tos: 0x2A);
        Assert.That(TunnelDecapsulation.Check(inner, Ipv4, EcnTunneling.Ce, out byte ecn), Is.EqualTo(IpsecStatus.Success));
        TunnelDecapsulation.Apply(inner, ecn);
        Assert.That(IPv4Packet.TryCreate(inner, out IPv4Packet packet), Is.True);
        Assert.That(packet.Ecn, Is.EqualTo(EcnTunneling.Ce));
        Assert.That(packet.Dscp, Is.EqualTo(10), "the DSCP is the inner one");
        Assert.That(packet.IsChecksumValid, Is.True);
    }

    [Test]
    public void CeOnTheOuterHeaderIsCopiedIntoAnInnerIPv6Packet()
    {
        byte[] inner = AhTestPackets.IPv6(trafficClass: 0xBA, flowLabel: 0xABCDE);   // EF, ECT(0)
        byte[] expected = (byte[])inner.Clone();
        Assert.That(TunnelDecapsulation.Check(inner, Ipv6, EcnTunneling.Ce, out byte ecn), Is.EqualTo(IpsecStatus.Success));
        TunnelDecapsulation.Apply(inner, ecn);
        Assert.That(IPv6Packet.TryCreate(inner, out IPv6Packet packet), Is.True);
        Assert.That(packet.Ecn, Is.EqualTo(EcnTunneling.Ce));
        Assert.That(packet.Dscp, Is.EqualTo(0x2E), "the DSCP is the inner one");
        Assert.That(packet.FlowLabel, Is.EqualTo(0xABCDEu), "the flow label is untouched");
        inner[1] = expected[1];
        Assert.That(inner, Is.EqualTo(expected), "nothing but the ECN bits changes");
    }

    [Test]
    public void ECT1OnTheOuterHeaderOfAnEct0InnerIPv6PacketIsCopied()
    {
        byte[] inner = AhTestPackets.IPv6(trafficClass: 0x02);
        Assert.That(TunnelDecapsulation.Check(inner, Ipv6, EcnTunneling.Ect1, out byte ecn), Is.EqualTo(IpsecStatus.Success));
        TunnelDecapsulation.Apply(inner, ecn);
        Assert.That(inner[0], Is.EqualTo(0x60));
        Assert.That(inner[1] >> 4, Is.EqualTo(EcnTunneling.Ect1));
    }

    [Test]
    public void AnUnchangedEcnLeavesTheInnerPacketAsItWas()
    {
        byte[] v4 = AhTestPackets.IPv4(tos: 0x29);
        byte[] v4Copy = (byte[])v4.Clone();
        TunnelDecapsulation.Apply(v4, EcnTunneling.Ect1);
        Assert.That(v4, Is.EqualTo(v4Copy));

        byte[] v6 = AhTestPackets.IPv6(trafficClass: 0xB9);
        byte[] v6Copy = (byte[])v6.Clone();
        TunnelDecapsulation.Apply(v6, EcnTunneling.Ect1);
        Assert.That(v6, Is.EqualTo(v6Copy));
    }
}
