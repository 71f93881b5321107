using System;
using System.Buffers.Binary;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// The AH SA at its limits: each configuration limit refused one past it and accepted at it, the MTU and the 16-bit
/// length field met exactly and exceeded by one byte, the buffer range checks at the buffer's ends, and the SA's
/// description.
/// </summary>
public class AhSecurityAssociationLimitsTests
{
    private static AhSecurityAssociationOptions Options(
        uint spi = 0x1234, int replayWindow = 64, bool esn = false, ulong lastSent = 0, ulong highestReceived = 0,
        IpsecMode mode = IpsecMode.Transport, int mtu = 0, bool ipv6Tunnel = false) => new()
        {
            Spi = spi,
            Integrity = IntegrityAlgorithm.HmacSha2_256_128,
            IntegrityKey = new byte[32],
            ReplayWindowSize = replayWindow,
            ExtendedSequenceNumbers = esn,
            InitialOutboundSequenceNumber = lastSent,
            InitialInboundSequenceNumber = highestReceived,
            Mode = mode,
            Mtu = mtu,
            TunnelSource = mode == IpsecMode.Tunnel ? IPAddress.Parse(ipv6Tunnel ? "2001:db8:ffff::1" : "203.0.113.1") : null,
            TunnelDestination = mode == IpsecMode.Tunnel ? IPAddress.Parse(ipv6Tunnel ? "2001:db8:ffff::2" : "203.0.113.2") : null,
        };

    [Test]
    public void EachConfigurationLimitIsAcceptedAtItAndRefusedOnePast()
    {
        static void Refused(AhSecurityAssociationOptions options, string message) =>
            Assert.That(() => new AhSecurityAssociation(options).Dispose(), Throws.ArgumentException.With.Message.StartsWith(message)
                .And.Property(nameof(ArgumentException.ParamName)).EqualTo("options"));

        Refused(Options(spi: 255), "Spi must be 256 or more");
        Refused(Options(replayWindow: AhSecurityAssociationOptions.MaximumReplayWindowSize + 1), "ReplayWindowSize must be 0 (off) to 1048576");
        Refused(Options(highestReceived: 1UL << 32), "InitialOutboundSequenceNumber and InitialInboundSequenceNumber must fit");
        Refused(Options(mode: (IpsecMode)7), "Mode must be Transport or Tunnel");
        Refused(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = null!, IntegrityKey = new byte[32] }, "Integrity must be set");

        using (var sa = new AhSecurityAssociation(Options(spi: 256, replayWindow: AhSecurityAssociationOptions.MaximumReplayWindowSize)))
        {
            Assert.That(sa.Spi, Is.EqualTo(256u));
            Assert.That(sa.ReplayWindowSize, Is.EqualTo(AhSecurityAssociationOptions.MaximumReplayWindowSize));
        }

        using (var sa = new AhSecurityAssociation(Options(replayWindow: 0, lastSent: uint.MaxValue, highestReceived: uint.MaxValue)))
        {
            Assert.That(sa.ReplayWindowSize, Is.Zero);
            Assert.That(sa.HighestInboundSequenceNumber, Is.EqualTo((ulong)uint.MaxValue));
        }

        using (var sa = new AhSecurityAssociation(Options(esn: true, lastSent: ulong.MaxValue - 1, highestReceived: 1UL << 40)))
        {
            Assert.That(sa.OutboundSequenceNumber, Is.EqualTo(ulong.MaxValue - 1));
            Assert.That(sa.HighestInboundSequenceNumber, Is.EqualTo(1UL << 40));
        }
    }

    [Test]
    public void TheDescriptionNamesSpiAlgorithmModeOptionsAndWindow()
    {
        using var transport = new AhSecurityAssociation(Options());
        Assert.That(transport.ToString(), Is.EqualTo("AH SA spi=0x00001234 AUTH_HMAC_SHA2_256_128 transport replay-window=64"));
        using var tunnel = new AhSecurityAssociation(Options(spi: 0xABCDEF01, mode: IpsecMode.Tunnel, esn: true, replayWindow: 1024));
        Assert.That(tunnel.ToString(), Is.EqualTo("AH SA spi=0xabcdef01 AUTH_HMAC_SHA2_256_128 tunnel esn replay-window=1024"));
    }

    [TestCase(IpsecMode.Transport, false)]
    [TestCase(IpsecMode.Transport, true)]
    [TestCase(IpsecMode.Tunnel, false)]
    [TestCase(IpsecMode.Tunnel, true)]
    public void APacketThatExactlyFillsTheMtuIsSentAndOneByteMoreIsNot(IpsecMode mode, bool ipv6)
    {
        byte[] probe = ipv6 ? AhTestPackets.IPv6(payloadLength: 100) : AhTestPackets.IPv4(payloadLength: 100);
        int overhead;
        using (var unlimited = new AhSecurityAssociation(Options(mode: mode, ipv6Tunnel: ipv6)))
        {
            overhead = Protect(unlimited, probe, out AhProcessResult sent) == IpsecStatus.Success ? sent.Length - probe.Length : -1;
        }

        Assert.That(overhead, Is.GreaterThan(0));
        int mtu = probe.Length + overhead;
        using var sa = new AhSecurityAssociation(Options(mode: mode, mtu: mtu, ipv6Tunnel: ipv6));
        Assert.That(Protect(sa, probe, out AhProcessResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.Length, Is.EqualTo(mtu));

        byte[] larger = ipv6 ? AhTestPackets.IPv6(payloadLength: 101) : AhTestPackets.IPv4(payloadLength: 101);
        Assert.That(Protect(sa, larger, out result), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(result.Length, Is.EqualTo(mtu + 1), "the length it would have had");
        Assert.That(result.Offset, Is.Zero);
        Assert.That(sa.OutboundSequenceNumber, Is.EqualTo(1UL), "no sequence number spent on the refused packet");
    }

    [TestCase(IpsecMode.Transport, false)]
    [TestCase(IpsecMode.Transport, true)]
    [TestCase(IpsecMode.Tunnel, false)]
    [TestCase(IpsecMode.Tunnel, true)]
    public void APacketWhoseLengthFieldWouldOverflowIsRefused(IpsecMode mode, bool ipv6)
    {
        // The IPv4 total length and the IPv6 payload length are 16 bits: the result must still fit them.
        using var sa = new AhSecurityAssociation(Options(mode: mode, ipv6Tunnel: ipv6));
        int headerLength = ipv6 ? 40 : 20;
        int ahLength = ipv6 ? sa.HeaderLengthIPv6 : sa.HeaderLengthIPv4;
        int outerLength = mode == IpsecMode.Tunnel ? headerLength : 0;
        int largest = 65535 + (ipv6 ? 40 : 0) - ahLength - outerLength;   // the whole packet after protection: exactly the limit
        foreach ((int length, IpsecStatus expected) in new[] { (largest, IpsecStatus.Success), (largest + 1, IpsecStatus.MtuExceeded) })
        {
            byte[] packet = ipv6
                ? AhTestPackets.IPv6(payloadLength: length - headerLength - 8)
                : AhTestPackets.IPv4(payloadLength: length - headerLength - 8);
            Assert.That(Protect(sa, packet, out AhProcessResult result), Is.EqualTo(expected), $"{length}-byte packet");
            Assert.That(result.Length, Is.EqualTo(length + ahLength + outerLength));
        }
    }

    [Test]
    public void ThePacketMayEndExactlyAtTheEndOfTheBuffer()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] packet = AhTestPackets.IPv4();
        byte[] buffer = new byte[pair.Sender.MaximumHeadroom + packet.Length];
        packet.CopyTo(buffer, pair.Sender.MaximumHeadroom);
        Assert.That(pair.Sender.Protect(buffer, pair.Sender.MaximumHeadroom, packet.Length, out AhProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(sent.Offset + sent.Length, Is.EqualTo(buffer.Length));
        Assert.That(pair.Receiver.Unprotect(buffer, sent.Offset, sent.Length, out _), Is.EqualTo(IpsecStatus.Success));

        Assert.That(() => pair.Sender.Protect(buffer, 1, buffer.Length, out _), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => pair.Sender.Protect(buffer, 0, -1, out _), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => pair.Receiver.Unprotect(buffer, buffer.Length, 1, out _), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(pair.Receiver.Unprotect(buffer, buffer.Length, 0, out _), Is.EqualTo(IpsecStatus.Truncated), "an empty packet at the end");
    }

    [Test]
    public void ARangeOutsideTheBufferIsRefusedNamingTheOffset()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        var buffer = new byte[100];
        foreach ((int offset, int length) in new[] { (-1, 10), (0, -1), (91, 10), (100, 1) })
        {
            foreach (bool protect in new[] { true, false })
            {
                var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
                    _ = protect ? pair.Sender.Protect(buffer, offset, length, out _) : pair.Receiver.Unprotect(buffer, offset, length, out _));
                Assert.That(ex!.ParamName, Is.EqualTo("offset"), $"offset {offset}, length {length}");
                Assert.That(ex.Message, Does.StartWith($"offset {offset} and length {length} do not lie within the 100-byte buffer."));
            }
        }
    }

    [Test]
    public void WhatIsNotAWholeIPPacketIsRefusedBeforeAnySequenceNumberIsSpent()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        var buffer = new byte[100];
        buffer[64] = 0x45;   // an IPv4 header cut after 10 bytes
        Assert.That(pair.Sender.Protect(buffer, 64, 10, out _), Is.EqualTo(IpsecStatus.Truncated));
        Assert.That(pair.Sender.OutboundSequenceNumber, Is.Zero);
    }

    [Test]
    public void TransportModeNeedsRoomForAhBeforeThePacket()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] packet = AhTestPackets.IPv4();
        int headroom = pair.Sender.HeaderLengthIPv4;
        var buffer = new byte[headroom - 1 + packet.Length];
        packet.CopyTo(buffer, headroom - 1);
        Assert.That(pair.Sender.Protect(buffer, headroom - 1, packet.Length, out _), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        Assert.That(buffer.AsSpan(headroom - 1).ToArray(), Is.EqualTo(packet), "the packet is left as it was");
        Assert.That(pair.Sender.OutboundSequenceNumber, Is.Zero);

        buffer = new byte[headroom + packet.Length];
        packet.CopyTo(buffer, headroom);
        Assert.That(pair.Sender.Protect(buffer, headroom, packet.Length, out AhProcessResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.Offset, Is.Zero);
    }

    [Test]
    public void TunnelModeRunsOutOfSequenceNumbersAndCountsIt()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, IpsecMode.Tunnel, initialSequenceNumber: uint.MaxValue);
        byte[] packet = AhTestPackets.IPv4();
        var buffer = new byte[pair.Sender.MaximumHeadroom + packet.Length];
        packet.CopyTo(buffer, pair.Sender.MaximumHeadroom);
        byte[] before = (byte[])buffer.Clone();
        Assert.That(pair.Sender.Protect(buffer, pair.Sender.MaximumHeadroom, packet.Length, out AhProcessResult result), Is.EqualTo(IpsecStatus.SequenceExhausted));
        Assert.That(result.Length, Is.Zero);
        Assert.That(buffer, Is.EqualTo(before));
        Assert.That(pair.Sender.Statistics.SequenceExhaustedDrops, Is.EqualTo(1));
    }

    [Test]
    public void AnAhHeaderLongerThanThePacketIsMalformedAndOneCutBeforeItsFixedPartTruncated()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] packet = pair.Protect(AhTestPackets.IPv4());
        foreach ((int ahBytes, IpsecStatus expected) in new[] { (12, IpsecStatus.Malformed), (11, IpsecStatus.Truncated) })
        {
            // The IP header says the packet ends after ahBytes of AH; AH's Payload Len still says 28 bytes.
            byte[] cut = packet.AsSpan(0, 20 + ahBytes).ToArray();
            BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), (ushort)cut.Length);
            AhTestPackets.FixIPv4Checksum(cut);
            Assert.That(pair.Unprotect(cut).Status, Is.EqualTo(expected), $"{ahBytes} bytes of AH");
        }

        Assert.That(pair.Receiver.Statistics.MalformedDrops, Is.EqualTo(2));
    }

    [TestCase(false, TestName = "HMAC")]
    [TestCase(true, TestName = "GMAC")]
    public void AnIPPacketWithNothingAfterItsHeaderIsProtectedAndVerifies(bool gmac)
    {
        // Next Header 59 (no next header) and no payload: the ICV covers the IP header and AH alone.
        using var pair = new AhPair(gmac ? IntegrityAlgorithm.AesGmac128 : IntegrityAlgorithm.HmacSha2_256_128);
        byte[] packet = AhTestPackets.IPv4(payloadLength: 0)[..20];
        packet[9] = 59;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 20);
        AhTestPackets.FixIPv4Checksum(packet);
        byte[] sent = pair.Protect(packet);
        Assert.That(sent.Length, Is.EqualTo(20 + pair.Sender.HeaderLengthIPv4));
        (IpsecStatus status, byte[] restored) = pair.Unprotect(sent);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(restored, Is.EqualTo(packet));
    }

    [Test]
    public void AWrongKeySizeSaysWhichSizeFitsAndWhetherASaltFollows()
    {
        static string Message(IntegrityAlgorithm integrity, int keyLength) =>
            Assert.Throws<ArgumentException>(() => new AhSecurityAssociation(new AhSecurityAssociationOptions
            {
                Spi = 0x1234, Integrity = integrity, IntegrityKey = new byte[keyLength], Mode = IpsecMode.Transport,
            }).Dispose())!.Message;

        Assert.That(Message(IntegrityAlgorithm.AesGmac128, 16), Does.StartWith("IntegrityKey: AUTH_AES_128_GMAC needs a 16-byte key followed by a 4-byte salt; got 16 bytes."));
        Assert.That(Message(IntegrityAlgorithm.HmacSha2_256_128, 31), Does.StartWith("IntegrityKey: AUTH_HMAC_SHA2_256_128 needs a 32-byte key; got 31 bytes."));
    }

    private static IpsecStatus Protect(AhSecurityAssociation sa, byte[] packet, out AhProcessResult result)
    {
        var buffer = new byte[sa.MaximumHeadroom + packet.Length];
        packet.CopyTo(buffer, sa.MaximumHeadroom);
        return sa.Protect(buffer, sa.MaximumHeadroom, packet.Length, out result);
    }
}
