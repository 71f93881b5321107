using System;
using System.Buffers.Binary;
using System.Linq;
using Ipsec.Packets.Modes;
using Ipsec.Packets.Tests.Ah;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// Finding the ESP header in a received IP packet: directly after the IPv4 header or the IPv6 extension headers
/// (RFC 4303 §3.1), or after a UDP header on the NAT-traversal port (RFC 3948 §2); fragments are not ESP yet
/// (RFC 4303 §3.4.1: reassembly comes first); anything else is refused with the status that says why.
/// </summary>
public class EspLocatorTests
{
    private const ushort NatT = 4500;
    private static readonly byte[] Esp = Convert.FromHexString("0000A0010000000711223344556677889900AABBCCDDEEFF");

    private static byte[] V4(byte protocol, byte[] body, ushort flagsFragment = 0, int optionBytes = 0)
    {
        int headerLength = 20 + optionBytes;
        var packet = new byte[headerLength + body.Length];
        packet[0] = (byte)(0x40 | (headerLength / 4));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), flagsFragment);
        packet[8] = 64;
        packet[9] = protocol;
        AhTestPackets.Source4.CopyTo(packet, 12);
        AhTestPackets.Destination4.CopyTo(packet, 16);
        for (int i = 20; i < headerLength; i++)
        {
            packet[i] = 1;   // NOP options
        }

        AhTestPackets.FixIPv4Checksum(packet);
        body.CopyTo(packet, headerLength);
        return packet;
    }

    private static byte[] V6(byte protocol, byte[] body, params (byte Type, byte[] Header)[] extensions)
    {
        int extensionLength = extensions.Sum(e => e.Header.Length);
        var packet = new byte[40 + extensionLength + body.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[7] = 64;
        AhTestPackets.Source6.CopyTo(packet, 8);
        AhTestPackets.Destination6.CopyTo(packet, 24);
        int nextHeaderField = 6;
        int offset = 40;
        foreach ((byte type, byte[] header) in extensions)
        {
            packet[nextHeaderField] = type;
            header.CopyTo(packet, offset);
            nextHeaderField = offset;
            offset += header.Length;
        }

        packet[nextHeaderField] = protocol;
        body.CopyTo(packet, offset);
        return packet;
    }

    private static byte[] Udp(ushort source, ushort destination, byte[] payload, int lengthDelta = 0)
    {
        var datagram = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, source);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), destination);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)(datagram.Length + lengthDelta));
        payload.CopyTo(datagram, 8);
        return datagram;
    }

    private static IpsecStatus Locate(byte[] packet, out EspLocation location, bool udp = true, ushort port = NatT) =>
        EspLocator.TryLocate(packet, udp, [port], out location);

    [TestCase(0)]
    [TestCase(4)]
    [TestCase(40)]
    public void EspDirectlyAfterAnIPv4Header(int optionBytes)
    {
        byte[] packet = V4(50, Esp, optionBytes: optionBytes);
        Assert.That(Locate(packet, out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location, Is.EqualTo(new EspLocation(packet.Length, false, 9, -1, 20 + optionBytes)));
    }

    [Test]
    public void BytesAfterTheIPv4TotalLengthAreNotPartOfThePacket()
    {
        byte[] packet = V4(50, Esp);
        byte[] padded = packet.Concat(new byte[10]).ToArray();
        Assert.That(Locate(padded, out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location.PacketLength, Is.EqualTo(packet.Length));
    }

    [Test]
    public void AnIPv4HeaderWithABadChecksumIsMalformed()
    {
        byte[] packet = V4(50, Esp);
        packet[10] ^= 0x80;
        Assert.That(Locate(packet, out EspLocation location), Is.EqualTo(IpsecStatus.Malformed));
        Assert.That(location, Is.EqualTo(default(EspLocation)));
    }

    [TestCase((ushort)0x2000, IpsecStatus.Fragment, TestName = "more fragments")]
    [TestCase((ushort)0x0001, IpsecStatus.Fragment, TestName = "a non-zero fragment offset")]
    [TestCase((ushort)0x1FFF, IpsecStatus.Fragment, TestName = "the largest fragment offset")]
    [TestCase((ushort)0x4000, IpsecStatus.Success, TestName = "don't fragment is not a fragment")]
    [TestCase((ushort)0x8000, IpsecStatus.Success, TestName = "the reserved flag is not a fragment")]
    public void IPv4FragmentsAreReportedBeforeAnyEspParsing(ushort flagsFragment, IpsecStatus expected)
    {
        Assert.That(Locate(V4(50, Esp, flagsFragment), out _), Is.EqualTo(expected));
    }

    [TestCase((byte)6)]
    [TestCase((byte)51)]
    [TestCase((byte)4)]
    public void AnotherIPv4ProtocolIsNotIpsec(byte protocol)
    {
        Assert.That(Locate(V4(protocol, Esp), out _), Is.EqualTo(IpsecStatus.NotIpsec));
    }

    [Test]
    public void UdpEncapsulatedEspAfterAnIPv4Header()
    {
        byte[] packet = V4(17, Udp(NatT, NatT, Esp));
        Assert.That(Locate(packet, out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location, Is.EqualTo(new EspLocation(packet.Length, false, 9, 20, 28)));
    }

    [TestCase((ushort)4500, (ushort)33000)]
    [TestCase((ushort)33000, (ushort)4500)]
    public void EitherUdpPortMayBeTheNatTraversalPort(ushort source, ushort destination)
    {
        Assert.That(Locate(V4(17, Udp(source, destination, Esp)), out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location.EspOffset, Is.EqualTo(28));
    }

    [Test]
    public void TheConfiguredUdpPortIsTheOneLookedFor()
    {
        byte[] packet = V4(17, Udp(4501, 4501, Esp));
        Assert.That(Locate(packet, out _), Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(Locate(packet, out EspLocation location, port: 4501), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location.UdpOffset, Is.EqualTo(20));
    }

    [Test]
    public void UdpIsNotLookedIntoWithoutUdpEncapsulation()
    {
        Assert.That(Locate(V4(17, Udp(NatT, NatT, Esp)), out _, udp: false), Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(Locate(V4(50, Esp), out EspLocation location, udp: false), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location.EspOffset, Is.EqualTo(20));
    }

    [Test]
    public void UdpOnOtherPortsIsNotIpsec()
    {
        Assert.That(Locate(V4(17, Udp(53, 53, Esp)), out _), Is.EqualTo(IpsecStatus.NotIpsec));
    }

    [TestCase(-1)]
    [TestCase(1)]
    public void AUdpLengthThatDisagreesWithTheIPPacketIsMalformed(int delta)
    {
        Assert.That(Locate(V4(17, Udp(NatT, NatT, Esp, delta)), out _), Is.EqualTo(IpsecStatus.Malformed));
    }

    [Test]
    public void IkeAndKeepalivesOnThePortAreNotEsp()
    {
        byte[] ike = new byte[] { 0, 0, 0, 0 }.Concat(Esp).ToArray();
        Assert.That(Locate(V4(17, Udp(NatT, NatT, ike)), out _), Is.EqualTo(IpsecStatus.NotIpsec), "non-ESP marker (RFC 3948 §2.2)");
        Assert.That(Locate(V4(17, Udp(NatT, NatT, [0xFF])), out _), Is.EqualTo(IpsecStatus.NotIpsec), "NAT keepalive (RFC 3948 §2.3)");
    }

    [TestCase(0)]
    [TestCase(7)]
    public void AUdpHeaderCutShortIsTruncated(int bodyLength)
    {
        byte[] body = Udp(NatT, NatT, Esp)[..bodyLength];
        Assert.That(Locate(V4(17, body), out _), Is.EqualTo(IpsecStatus.Truncated));
    }

    [Test]
    public void AUdpHeaderWithNothingAfterItOnThePortIsNotIpsecRatherThanTruncated()
    {
        // Exactly the 8-byte UDP header: the header is whole, so the datagram is judged by its (empty) payload.
        Assert.That(Locate(V4(17, Udp(NatT, NatT, [])), out _), Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(Locate(V6(17, Udp(NatT, NatT, [])), out _), Is.EqualTo(IpsecStatus.NotIpsec));
    }

    [Test]
    public void AnEspHeaderCutShortIsTruncatedAndEightBytesAreEnough()
    {
        Assert.That(Locate(V4(50, Esp[..7]), out _), Is.EqualTo(IpsecStatus.Truncated));
        Assert.That(Locate(V4(50, Esp[..8]), out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location.EspOffset, Is.EqualTo(20));
        Assert.That(Locate(V6(50, Esp[..7]), out _), Is.EqualTo(IpsecStatus.Truncated));
        Assert.That(Locate(V6(50, Esp[..8]), out _), Is.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void EspDirectlyAfterAnIPv6Header()
    {
        byte[] packet = V6(50, Esp);
        Assert.That(Locate(packet, out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location, Is.EqualTo(new EspLocation(packet.Length, true, 6, -1, 40)));
    }

    [Test]
    public void EspAfterIPv6ExtensionHeaders()
    {
        byte[] packet = V6(50, Esp, (0, AhTestPackets.OptionsHeader(0x3E)), (60, AhTestPackets.OptionsHeader(0x1E)));
        Assert.That(Locate(packet, out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location, Is.EqualTo(new EspLocation(packet.Length, true, 56, -1, 72)), "the next header field is the last extension header's");
    }

    [Test]
    public void UdpEncapsulatedEspAfterAnIPv6Header()
    {
        byte[] packet = V6(17, Udp(NatT, NatT, Esp));
        Assert.That(Locate(packet, out EspLocation location), Is.EqualTo(IpsecStatus.Success));
        Assert.That(location, Is.EqualTo(new EspLocation(packet.Length, true, 6, 40, 48)));
    }

    [Test]
    public void AnIPv6FragmentIsReportedAsOne()
    {
        byte[] fragment = [0, 0, 0, 1, 0, 0, 0, 42];   // next header set by V6, offset 0, M set
        Assert.That(Locate(V6(50, Esp, (44, fragment)), out _), Is.EqualTo(IpsecStatus.Fragment));
    }

    [Test]
    public void AnIPv6ExtensionHeaderChainCutShortIsMalformed()
    {
        // Hop-by-hop declaring 16 bytes with only 8 there.
        byte[] packet = V6(50, [], (0, new byte[] { 0, 1, 1, 4, 0, 0, 0, 0 }));
        Assert.That(Locate(packet, out _), Is.EqualTo(IpsecStatus.Malformed));
    }

    [Test]
    public void AnotherIPv6ProtocolIsNotIpsec()
    {
        Assert.That(Locate(V6(6, Esp), out _), Is.EqualTo(IpsecStatus.NotIpsec));
    }

    [Test]
    public void EmptyAndUnknownVersionsAreRefused()
    {
        Assert.That(Locate([], out _), Is.EqualTo(IpsecStatus.Truncated));
        byte[] v5 = V4(50, Esp);
        v5[0] = 0x55;
        Assert.That(Locate(v5, out _), Is.EqualTo(IpsecStatus.Malformed));
        Assert.That(Locate(V4(50, Esp)[..19], out _), Is.EqualTo(IpsecStatus.Truncated));
    }
}
