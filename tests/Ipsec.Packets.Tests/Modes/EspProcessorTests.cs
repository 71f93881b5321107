using System;
using System.Buffers.Binary;
using System.Linq;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Interop;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

public class EspProcessorTests
{
    private static readonly EspConfiguration Gcm = new(EncryptionAlgorithm.AesGcm16, 128, null);

    private static (EspProcessor Sender, EspProcessor Receiver) Pair(EspProcessorOptions options)
    {
        return (new EspProcessor(Gcm.Create(), options), new EspProcessor(Gcm.Create(), options));
    }

    private static EspProcessorOptions Tunnel(string source, string destination, bool udp = false) => new()
    {
        Mode = IpsecMode.Tunnel,
        TunnelSource = IPAddress.Parse(source),
        TunnelDestination = IPAddress.Parse(destination),
        UdpEncapsulation = udp,
    };

    /// <summary>An IPv4/UDP packet with the given TOS and DF, correct checksum.</summary>
    private static byte[] IPv4Packet(byte tos = 0, bool dontFragment = false, int payload = 40)
    {
        byte[] packet = ScapyEspInteropTests.InnerPacket(new Random(payload), payload);
        packet[1] = tos;
        packet[6] = dontFragment ? (byte)0x40 : (byte)0;
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ScapyEspInteropTests.Checksum(packet.AsSpan(0, 20)));
        return packet;
    }

    /// <summary>An IPv6/UDP packet with the given traffic class and flow label.</summary>
    private static byte[] IPv6Packet(byte trafficClass = 0, uint flowLabel = 0, int payload = 40)
    {
        var packet = new byte[40 + 8 + payload];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (6u << 28) | ((uint)trafficClass << 20) | flowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payload));
        packet[6] = 17;
        packet[7] = 64;
        IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(packet, 8);
        IPAddress.Parse("2001:db8::2").GetAddressBytes().CopyTo(packet, 24);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(40), 1234);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(42), 53);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(44), (ushort)(8 + payload));
        return packet;
    }

    private static (byte[] Buffer, EspProcessResult Result) Protect(EspProcessor processor, byte[] packet)
    {
        var buffer = new byte[processor.MaximumHeadroom + packet.Length + processor.MaximumTailroom];
        packet.CopyTo(buffer, processor.MaximumHeadroom);
        Assert.That(processor.Protect(buffer, processor.MaximumHeadroom, packet.Length, out EspProcessResult result), Is.EqualTo(IpsecStatus.Success));
        return (buffer, result);
    }

    [TestCase("192.0.2.1", "198.51.100.1", false)]
    [TestCase("192.0.2.1", "198.51.100.1", true)]
    [TestCase("2001:db8:ffff::1", "2001:db8:ffff::2", false)]
    [TestCase("2001:db8:ffff::1", "2001:db8:ffff::2", true)]
    public void TunnelsCarryBothFamiliesAndComeBackUnchanged(string source, string destination, bool udp)
    {
        (EspProcessor sender, EspProcessor receiver) = Pair(Tunnel(source, destination, udp));
        foreach (byte[] inner in new[] { IPv4Packet(), IPv6Packet() })
        {
            (byte[] buffer, EspProcessResult sent) = Protect(sender, inner);
            bool outerV6 = source.Contains(':');
            Assert.That(buffer[sent.Offset] >> 4, Is.EqualTo(outerV6 ? 6 : 4));
            if (udp && outerV6)
            {
                int udpOffset = sent.Offset + 40;
                Assert.That(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(udpOffset + 6)), Is.Not.Zero, "IPv6 UDP checksum computed");
                Assert.That(Ipsec.Packets.Wire.UdpChecksum.IsValid(
                    new Ipsec.Packets.Wire.IPv6Address(BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(sent.Offset + 8)), BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(sent.Offset + 16))),
                    new Ipsec.Packets.Wire.IPv6Address(BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(sent.Offset + 24)), BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(sent.Offset + 32))),
                    buffer.AsSpan(udpOffset, sent.Length - 40)), Is.True);
            }
            else if (udp)
            {
                Assert.That(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(sent.Offset + 20 + 6)), Is.Zero, "IPv4 UDP checksum 0 (RFC 3948)");
            }

            Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success));
            Assert.That(buffer.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(inner));
        }
    }

    [Test]
    public void TunnelOuterHeaderFollowsTheTemplate()
    {
        var copyDf = new EspProcessor(Gcm.Create(), new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("198.51.100.1"), HopLimit = 17, CopyDscp = true,
        });
        (byte[] buffer, EspProcessResult sent) = Protect(copyDf, IPv4Packet(tos: (0x2E << 2) | 3, dontFragment: true));
        Span<byte> outer = buffer.AsSpan(sent.Offset, 20);
        Assert.That(outer[1] >> 2, Is.EqualTo(0x2E), "DSCP copied");
        Assert.That(outer[1] & 3, Is.EqualTo(2), "inner CE becomes ECT(0) outside (RFC 6040)");
        Assert.That(outer[6] & 0x40, Is.EqualTo(0x40), "DF copied");
        Assert.That(outer[8], Is.EqualTo(17));
        Assert.That(outer[9], Is.EqualTo(50));
        Assert.That(ScapyEspInteropTests.Checksum(outer), Is.Zero, "valid header checksum");

        var clearDf = new EspProcessor(Gcm.Create(), new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("198.51.100.1"), DontFragment = DontFragmentPolicy.Clear, CopyDscp = false,
        });
        (buffer, sent) = Protect(clearDf, IPv4Packet(tos: 0xB8, dontFragment: true));
        Assert.That(buffer[sent.Offset + 6] & 0x40, Is.Zero);
        Assert.That(buffer[sent.Offset + 1], Is.Zero);

        var v6 = new EspProcessor(Gcm.Create(), new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse("2001:db8:ffff::1"), TunnelDestination = IPAddress.Parse("2001:db8:ffff::2"), CopyFlowLabel = true,
        });
        (buffer, sent) = Protect(v6, IPv6Packet(trafficClass: 0xB9, flowLabel: 0x12345));
        uint first = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(sent.Offset));
        Assert.That((first >> 20) & 0xFF, Is.EqualTo(0xB9u), "traffic class copied; ECT(1) stays ECT(1)");
        Assert.That(first & 0xFFFFF, Is.EqualTo(0x12345u));
    }

    [TestCase(0, 3, IpsecStatus.EcnDrop, -1)]
    [TestCase(2, 3, IpsecStatus.Success, 3)]
    [TestCase(2, 1, IpsecStatus.Success, 1)]
    [TestCase(1, 0, IpsecStatus.Success, 1)]
    public void DecapsulationAppliesRfc6040ToTheInnerPacket(int innerEcn, int outerEcn, IpsecStatus expected, int resultEcn)
    {
        (EspProcessor sender, EspProcessor receiver) = Pair(Tunnel("192.0.2.1", "198.51.100.1"));
        (byte[] buffer, EspProcessResult sent) = Protect(sender, IPv4Packet(tos: (byte)innerEcn));

        // A router on the path marks the outer header (and fixes its checksum).
        buffer[sent.Offset + 1] = (byte)((buffer[sent.Offset + 1] & 0xFC) | outerEcn);
        buffer[sent.Offset + 10] = buffer[sent.Offset + 11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(sent.Offset + 10), ScapyEspInteropTests.Checksum(buffer.AsSpan(sent.Offset, 20)));

        Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(expected));
        if (resultEcn >= 0)
        {
            Assert.That(buffer[got.Offset + 1] & 3, Is.EqualTo(resultEcn));
            Assert.That(ScapyEspInteropTests.Checksum(buffer.AsSpan(got.Offset, 20)), Is.Zero, "inner checksum updated");
        }
    }

    [Test]
    public void TransportModeRoundTripsIPv4AndIPv6AndNatT()
    {
        foreach (bool udp in new[] { false, true })
        {
            (EspProcessor sender, EspProcessor receiver) = Pair(new EspProcessorOptions { Mode = IpsecMode.Transport, UdpEncapsulation = udp });
            foreach (byte[] packet in new[] { IPv4Packet(payload: 0), IPv4Packet(payload: 1000), IPv6Packet(payload: 3), IPv6Packet(payload: 700) })
            {
                (byte[] buffer, EspProcessResult sent) = Protect(sender, packet);
                Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success));
                Assert.That(buffer.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(packet));
                Assert.That(got.TransportChecksumUnverified, Is.EqualTo(udp && packet[0] >> 4 == 6), "IPv4 UDP with checksum 0 needs no fix");
            }
        }
    }

    [Test]
    public void NatTransportChecksumIsFixedWithTheOriginalAddresses()
    {
        // The sender's packet leaves 10.0.0.5 -> 192.0.2.9; a NAT rewrites the outer source to 203.0.113.7.
        byte[] packet = IPv4Packet(payload: 30);
        new byte[] { 10, 0, 0, 5, 192, 0, 2, 9 }.CopyTo(packet, 12);
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ScapyEspInteropTests.Checksum(packet.AsSpan(0, 20)));
        UdpChecksumFor(packet);
        var sender = new EspProcessor(Gcm.Create(), new EspProcessorOptions { Mode = IpsecMode.Transport, UdpEncapsulation = true });
        var receiver = new EspProcessor(Gcm.Create(), new EspProcessorOptions
        {
            Mode = IpsecMode.Transport, UdpEncapsulation = true,
            NatOriginalSource = IPAddress.Parse("10.0.0.5"), NatOriginalDestination = IPAddress.Parse("192.0.2.9"),
        });
        (byte[] buffer, EspProcessResult sent) = Protect(sender, packet);
        new byte[] { 203, 0, 113, 7 }.CopyTo(buffer, sent.Offset + 12);
        buffer[sent.Offset + 10] = buffer[sent.Offset + 11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(sent.Offset + 10), ScapyEspInteropTests.Checksum(buffer.AsSpan(sent.Offset, 20)));

        Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success));
        Assert.That(got.TransportChecksumUnverified, Is.False);
        byte[] delivered = buffer.AsSpan(got.Offset, got.Length).ToArray();
        byte[] expected = (byte[])delivered.Clone();
        UdpChecksumFor(expected);
        Assert.That(delivered, Is.EqualTo(expected), "the UDP checksum is right for the post-NAT addresses");
    }

    private static void UdpChecksumFor(byte[] ipv4)
    {
        ipv4[26] = ipv4[27] = 0;
        var pseudo = new byte[12 + ipv4.Length - 20];
        ipv4.AsSpan(12, 8).CopyTo(pseudo);
        pseudo[9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)(ipv4.Length - 20));
        ipv4.AsSpan(20).CopyTo(pseudo.AsSpan(12));
        ushort sum = ScapyEspInteropTests.Checksum(pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(ipv4.AsSpan(26), sum == 0 ? (ushort)0xFFFF : sum);
    }

    [Test]
    public void FragmentsMtuAndNonEspTrafficGetTheirStatuses()
    {
        (EspProcessor sender, EspProcessor receiver) = Pair(new EspProcessorOptions { Mode = IpsecMode.Transport });
        byte[] fragment = IPv4Packet();
        fragment[6] = 0x20; // more fragments
        fragment[10] = fragment[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(10), ScapyEspInteropTests.Checksum(fragment.AsSpan(0, 20)));
        var buffer = new byte[200];
        fragment.CopyTo(buffer, 64);
        Assert.That(sender.Protect(buffer, 64, fragment.Length, out _), Is.EqualTo(IpsecStatus.Fragment));
        Assert.That(receiver.Unprotect(buffer, 64, fragment.Length, out _), Is.EqualTo(IpsecStatus.Fragment));

        var small = new EspProcessor(Gcm.Create(), new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("198.51.100.1"), Mtu = 100,
        });
        byte[] big = IPv4Packet(payload: 200);
        buffer = new byte[400];
        big.CopyTo(buffer, 100);
        Assert.That(small.Protect(buffer, 100, big.Length, out EspProcessResult needed), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(needed.Length, Is.EqualTo(20 + small.SecurityAssociation.GetProtectedLength(big.Length, 4)));
        Assert.That(buffer.AsSpan(100, big.Length).ToArray(), Is.EqualTo(big), "nothing changed");
        Assert.That(small.SecurityAssociation.OutboundSequenceNumber, Is.Zero);

        // IKE (non-ESP marker) and a NAT keepalive on UDP 4500 are not ESP.
        var natT = new EspProcessor(Gcm.Create(), new EspProcessorOptions { Mode = IpsecMode.Transport, UdpEncapsulation = true });
        foreach (byte[] udpPayload in new[] { new byte[] { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, new byte[] { 0xFF } })
        {
            byte[] ike = IPv4Packet(payload: udpPayload.Length);
            BinaryPrimitives.WriteUInt16BigEndian(ike.AsSpan(20), 4500);
            BinaryPrimitives.WriteUInt16BigEndian(ike.AsSpan(22), 4500);
            udpPayload.CopyTo(ike, 28);
            Assert.That(natT.Unprotect(ike, 0, ike.Length, out _), Is.EqualTo(IpsecStatus.NotIpsec));
        }

        byte[] plain = IPv4Packet();
        Assert.That(receiver.Unprotect(plain, 0, plain.Length, out _), Is.EqualTo(IpsecStatus.NotIpsec));
    }

    [Test]
    public void TooLittleHeadroomIsRefusedWithoutChanges()
    {
        (EspProcessor sender, _) = Pair(Tunnel("192.0.2.1", "198.51.100.1"));
        byte[] packet = IPv4Packet();
        var buffer = new byte[packet.Length + 100];
        packet.CopyTo(buffer, 10);
        Assert.That(sender.Protect(buffer, 10, packet.Length, out _), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        Assert.That(buffer.AsSpan(10, packet.Length).ToArray(), Is.EqualTo(packet));
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.Protect(buffer, buffer.Length - packet.Length + 1, packet.Length, out _));
    }

    [Test]
    public void RandomAndMutatedPacketsNeverThrowNeverDeliverForgedBytesAndNeverAllocate()
    {
        (EspProcessor sender, EspProcessor receiver) = Pair(Tunnel("192.0.2.1", "198.51.100.1", udp: true));
        byte[] inner = IPv4Packet(payload: 100);
        (byte[] buffer, EspProcessResult sent) = Protect(sender, inner);
        byte[] valid = buffer.AsSpan(sent.Offset, sent.Length).ToArray();
        var random = new Random(3948);
        var work = new byte[valid.Length];
        int accepted = 0;
        for (int i = 0; i < 100_000; i++)
        {
            valid.CopyTo(work, 0);
            int length = random.Next(2) == 0 ? valid.Length : random.Next(valid.Length + 1);
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                work[random.Next(work.Length)] ^= (byte)(1 << random.Next(8));
            }

            IpsecStatus status = receiver.Unprotect(work, 0, length, out EspProcessResult got);
            Assert.That(Enum.IsDefined(status), Is.True);
            if (status == IpsecStatus.Success)
            {
                // Only flips in unauthenticated outer bytes (the UDP ports and checksum) can pass, and then the inner
                // packet is the genuine one, accepted once.
                accepted++;
                Assert.That(work.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(inner));
            }
        }

        Assert.That(accepted, Is.LessThanOrEqualTo(1), "the replay window lets the genuine packet through once at most");
        long bytes = Allocations.Measure(() =>
        {
            valid.CopyTo(work, 0);
            work[50] ^= 1;
            receiver.Unprotect(work, 0, work.Length, out _);
        });
        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public void ProtectAndUnprotectDoNotAllocate()
    {
        var options = new EspProcessorOptions { TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("198.51.100.1") };
        var sender = new EspProcessor(Gcm.Create(replayWindow: 0), options);
        var receiver = new EspProcessor(Gcm.Create(replayWindow: 0), options);
        byte[] packet = IPv4Packet(payload: 1300);
        var buffer = new byte[sender.MaximumHeadroom + packet.Length + sender.MaximumTailroom];
        var copy = new byte[buffer.Length];
        EspProcessResult sent = default;
        Assert.That(Allocations.Measure(() =>
        {
            packet.CopyTo(buffer, sender.MaximumHeadroom);
            sender.Protect(buffer, sender.MaximumHeadroom, packet.Length, out sent);
        }), Is.Zero);
        buffer.CopyTo(copy, 0);
        Assert.That(Allocations.Measure(() =>
        {
            copy.CopyTo(buffer, 0);
            receiver.Unprotect(buffer, sent.Offset, sent.Length, out _);
        }), Is.Zero);
        Assert.That(buffer.AsSpan(receiver.Unprotect(copy, sent.Offset, sent.Length, out EspProcessResult got) == IpsecStatus.Success ? got.Offset : 0, packet.Length).ToArray(), Is.EqualTo(packet));
    }

    [Test]
    public void ConfigurationMistakesAreRefused()
    {
        using EspSecurityAssociation sa = Gcm.Create();
        Assert.Throws<ArgumentException>(() => _ = new EspProcessor(sa, new EspProcessorOptions { TunnelSource = IPAddress.Parse("192.0.2.1") }));
        Assert.Throws<ArgumentException>(() => _ = new EspProcessor(sa, new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("2001:db8::1"),
        }));
        Assert.Throws<ArgumentException>(() => _ = new EspProcessor(sa, new EspProcessorOptions { Mode = IpsecMode.Transport, NatOriginalSource = IPAddress.Loopback }));
    }

    [TestCase(IpsecMode.Tunnel)]
    [TestCase(IpsecMode.Transport)]
    public void TheLastSequenceNumberIsSentOnceAndThenEveryPacketIsRefusedAndCounted(IpsecMode mode)
    {
        // RFC 4303 §3.3.3: without ESN the counter never wraps; once 2^32 - 1 is sent the SA is exhausted.
        EspProcessorOptions options = mode == IpsecMode.Tunnel ? Tunnel("192.0.2.1", "198.51.100.1") : new EspProcessorOptions { Mode = IpsecMode.Transport };
        using var sender = new EspProcessor(Gcm.Create(lastSent: uint.MaxValue - 1), options);
        byte[] packet = IPv4Packet();
        (byte[] sent, EspProcessResult result) = Protect(sender, packet);
        Assert.That(result.SequenceNumber, Is.EqualTo((ulong)uint.MaxValue));
        Assert.That(sent, Is.Not.Empty);

        var buffer = new byte[sender.MaximumHeadroom + packet.Length + sender.MaximumTailroom];
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            packet.CopyTo(buffer, sender.MaximumHeadroom);
            Assert.That(sender.Protect(buffer, sender.MaximumHeadroom, packet.Length, out result), Is.EqualTo(IpsecStatus.SequenceExhausted));
            Assert.That(result, Is.EqualTo(default(EspProcessResult)));
            Assert.That(buffer.AsSpan(sender.MaximumHeadroom, packet.Length).ToArray(), Is.EqualTo(packet), "a refused packet is left alone");
            Assert.That(sender.SecurityAssociation.Statistics.SequenceExhaustedDrops, Is.EqualTo(attempt));
        }

        Assert.That(sender.SecurityAssociation.Statistics.PacketsProtected, Is.EqualTo(1));
        Assert.That(sender.SecurityAssociation.OutboundSequenceNumber, Is.EqualTo((ulong)uint.MaxValue));
    }
}
