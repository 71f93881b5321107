using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// AH round trips for every integrity algorithm over every packet shape and mode; every single-bit change to an
/// immutable byte refused; changes to every mutable field accepted; statuses, counters, ESN, replay, exhaustion,
/// configuration errors and zero allocation.
/// </summary>
public class AhSecurityAssociationTests
{
    private const byte HopByHopChangingOption = 0x3E; // 0x20 "may change en route" set
    private const byte DestinationStableOption = 0x1E; // 0x20 clear

    public enum Shape
    {
        IPv4,
        IPv4Options,
        IPv6,
        IPv6Extensions,
    }

    public static byte[] Packet(Shape shape) => shape switch
    {
        Shape.IPv4 => AhTestPackets.IPv4(),
        Shape.IPv4Options => AhTestPackets.IPv4([.. AhTestPackets.RecordRoute, .. AhTestPackets.RouterAlert]),
        Shape.IPv6 => AhTestPackets.IPv6(),
        _ => AhTestPackets.IPv6(
        [
            (0, AhTestPackets.OptionsHeader(HopByHopChangingOption)),
            (60, AhTestPackets.OptionsHeader(DestinationStableOption, 0x22)),
        ]),
    };

    public static IEnumerable<TestCaseData> AlgorithmsShapesModes()
    {
        foreach (IntegrityAlgorithm integrity in IntegrityAlgorithm.All.ToArray())
        {
            foreach (Shape shape in Enum.GetValues<Shape>())
            {
                yield return new TestCaseData(integrity, shape, IpsecMode.Transport, false).SetArgDisplayNames(integrity.Name, shape.ToString(), "transport");
                yield return new TestCaseData(integrity, shape, IpsecMode.Tunnel, false).SetArgDisplayNames(integrity.Name, shape.ToString(), "tunnel-v4");
                yield return new TestCaseData(integrity, shape, IpsecMode.Tunnel, true).SetArgDisplayNames(integrity.Name, shape.ToString(), "tunnel-v6");
            }
        }
    }

    [TestCaseSource(nameof(AlgorithmsShapesModes))]
    public void RoundTripRestoresThePacket(IntegrityAlgorithm integrity, Shape shape, IpsecMode mode, bool outerIPv6)
    {
        using var pair = new AhPair(integrity, mode, outerIPv6);
        byte[] packet = Packet(shape);
        for (int i = 1; i <= 3; i++)
        {
            byte[] protectedPacket = pair.Protect(packet);
            bool isIPv6 = protectedPacket[0] >> 4 == 6;
            int ahLength = isIPv6 ? pair.Sender.HeaderLengthIPv6 : pair.Sender.HeaderLengthIPv4;
            int outer = mode == IpsecMode.Tunnel ? (outerIPv6 ? 40 : 20) : 0;
            Assert.That(protectedPacket, Has.Length.EqualTo(packet.Length + ahLength + outer));
            Assert.That(ahLength % (isIPv6 ? 8 : 4), Is.Zero);
            (IpsecStatus status, byte[] result) = pair.Unprotect(protectedPacket);
            Assert.That(status, Is.EqualTo(IpsecStatus.Success));
            Assert.That(result, Is.EqualTo(packet));
            Assert.That(pair.Receiver.HighestInboundSequenceNumber, Is.EqualTo((ulong)i));
        }

        Assert.That(pair.Sender.Statistics.PacketsProtected, Is.EqualTo(3));
        Assert.That(pair.Receiver.Statistics.PacketsUnprotected, Is.EqualTo(3));
    }

    public static IEnumerable<TestCaseData> FlipCases()
    {
        yield return new TestCaseData(IntegrityAlgorithm.HmacSha2_256_128, Shape.IPv4Options, IpsecMode.Transport, false).SetArgDisplayNames("sha256", "v4-options", "transport");
        yield return new TestCaseData(IntegrityAlgorithm.HmacSha1_96, Shape.IPv6Extensions, IpsecMode.Transport, false).SetArgDisplayNames("sha1", "v6-ext", "transport");
        yield return new TestCaseData(IntegrityAlgorithm.AesGmac128, Shape.IPv4Options, IpsecMode.Transport, false).SetArgDisplayNames("gmac", "v4-options", "transport");
        yield return new TestCaseData(IntegrityAlgorithm.AesGmac256, Shape.IPv6Extensions, IpsecMode.Transport, false).SetArgDisplayNames("gmac", "v6-ext", "transport");
        yield return new TestCaseData(IntegrityAlgorithm.AesCmac96, Shape.IPv6, IpsecMode.Tunnel, false).SetArgDisplayNames("cmac", "6in4", "tunnel");
        yield return new TestCaseData(IntegrityAlgorithm.HmacSha2_512_256, Shape.IPv4, IpsecMode.Tunnel, true).SetArgDisplayNames("sha512", "4in6", "tunnel");
    }

    [TestCaseSource(nameof(FlipCases))]
    public void EverySingleBitFlipOfAnImmutableByteIsRefused(IntegrityAlgorithm integrity, Shape shape, IpsecMode mode, bool outerIPv6)
    {
        using var pair = new AhPair(integrity, mode, outerIPv6);
        AhSecurityAssociation receiver = pair.Receiver;
        byte[] packet = pair.Protect(Packet(shape));
        bool isIPv6 = packet[0] >> 4 == 6;
        bool[] mutable = MutableBytes(packet);
        int ahOffset = AhOffset(packet);
        int payloadOffset = ahOffset + (isIPv6 ? pair.Sender.HeaderLengthIPv6 : pair.Sender.HeaderLengthIPv4);
        int flips = 0;
        for (int i = 0; i < packet.Length; i++)
        {
            if (mutable[i])
            {
                continue;
            }

            for (int bit = isIPv6 && i == 0 ? 4 : 0; bit < 8; bit++) // IPv6: the low nibble of byte 0 is traffic class
            {
                byte[] copy = (byte[])packet.Clone();
                copy[i] ^= (byte)(1 << bit);
                if (!isIPv6 && i < (copy[0] & 0x0F) * 4 && (copy[0] & 0x0F) >= 5)
                {
                    AhTestPackets.FixIPv4Checksum(copy);
                }

                byte[] before = (byte[])copy.Clone();
                IpsecStatus status = receiver.Unprotect(copy, 0, copy.Length, out AhProcessResult result);
                Assert.That(status, Is.Not.EqualTo(IpsecStatus.Success), $"byte {i} bit {bit}");
                Assert.That(result.Length, Is.Zero);
                Assert.That(copy, Is.EqualTo(before), "a refused packet stays as it was");
                if (i >= ahOffset + 12)
                {
                    Assert.That(status, Is.EqualTo(IpsecStatus.AuthenticationFailed), $"byte {i} bit {bit}");
                }

                flips++;
            }
        }

        Assert.That(flips, Is.GreaterThan((packet.Length - 20) * 8 / 2));
        Assert.That(receiver.Statistics.AuthenticationFailures, Is.GreaterThan((packet.Length - payloadOffset) * 8));
        Assert.That(receiver.HighestInboundSequenceNumber, Is.Zero, "no forgery moved the window");
        byte[] intact = (byte[])packet.Clone();
        Assert.That(receiver.Unprotect(intact, 0, intact.Length, out _), Is.EqualTo(IpsecStatus.Success), "the original still verifies");
    }

    [Test]
    public void ChangesToMutableIPv4FieldsAreAccepted([Values] bool gmac)
    {
        using var pair = new AhPair(gmac ? IntegrityAlgorithm.AesGmac192 : IntegrityAlgorithm.HmacSha2_256_128);
        byte[] original = Packet(Shape.IPv4Options);
        byte[] packet = pair.Protect(original);
        var changes = new List<Action<byte[]>>
        {
            p => p[8] = 3, // TTL
            p => p[1] = 0xFF, // TOS: DSCP and ECN
            p => p[6] ^= 0x40, // DF
            p => p[6] ^= 0x80, // reserved flag
            p => p[20 + 2] = 8, // Record Route pointer
            p => p[20 + 3] = 10, // Record Route data
            p => p[20 + 10] = 0xAA,
        };
        int round = 0;
        foreach (Action<byte[]> change in changes)
        {
            byte[] copy = (byte[])packet.Clone();
            change(copy);
            AhTestPackets.FixIPv4Checksum(copy);
            (IpsecStatus status, byte[] result) = pair.Unprotect(copy);
            Assert.That(status, Is.EqualTo(IpsecStatus.Success), $"change {round}");
            Assert.That(result.AsSpan(20 + 16).ToArray(), Is.EqualTo(original.AsSpan(20 + 16).ToArray()));
            packet = pair.Protect(original);
            round++;
        }

        byte[] all = (byte[])packet.Clone();
        foreach (Action<byte[]> change in changes)
        {
            change(all);
        }

        AhTestPackets.FixIPv4Checksum(all);
        Assert.That(pair.Unprotect(all).Status, Is.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void ChangesToMutableIPv6FieldsAreAccepted([Values] bool gmac)
    {
        using var pair = new AhPair(gmac ? IntegrityAlgorithm.AesGmac128 : IntegrityAlgorithm.HmacSha1_96);
        byte[] original = Packet(Shape.IPv6Extensions);
        byte[] packet = pair.Protect(original);
        packet[0] = 0x6F; // traffic class
        packet[1] = 0xFF; // traffic class and flow label
        packet[2] = 0x00;
        packet[3] = 0x77; // flow label
        packet[7] = 1; // hop limit
        packet[40 + 4] ^= 0xFF; // hop-by-hop option with the change bit: data
        packet[40 + 7] ^= 0x5A;
        (IpsecStatus status, byte[] result) = pair.Unprotect(packet);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.AsSpan(56).ToArray(), Is.EqualTo(original.AsSpan(56).ToArray()));

        byte[] stable = pair.Protect(original);
        stable[56 + 4] ^= 1; // destination option without the change bit: data covered
        Assert.That(pair.Unprotect(stable).Status, Is.EqualTo(IpsecStatus.AuthenticationFailed));
        byte[] type = pair.Protect(original);
        type[40 + 3] ^= 1; // hop-by-hop option length: covered
        Assert.That(pair.Unprotect(type).Status, Is.Not.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void FragmentsAreRefusedBothWays()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] fragment = AhTestPackets.IPv4();
        fragment[6] |= 0x20;
        AhTestPackets.FixIPv4Checksum(fragment);
        byte[] buffer = new byte[64 + fragment.Length];
        fragment.CopyTo(buffer, 64);
        Assert.That(pair.Sender.Protect(buffer, 64, fragment.Length, out _), Is.EqualTo(IpsecStatus.Fragment));
        Assert.That(pair.Sender.OutboundSequenceNumber, Is.Zero);

        byte[] packet = pair.Protect(AhTestPackets.IPv4());
        packet[7] = 1; // fragment offset 8
        AhTestPackets.FixIPv4Checksum(packet);
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Fragment));
    }

    [Test]
    public void StatusesForPacketsThatAreNotAhOrDoNotFit()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        Assert.That(pair.Unprotect(AhTestPackets.IPv4()).Status, Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(pair.Unprotect(AhTestPackets.IPv6()).Status, Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(pair.Unprotect([]).Status, Is.EqualTo(IpsecStatus.Truncated));
        Assert.That(pair.Unprotect([0x45, 0, 0]).Status, Is.EqualTo(IpsecStatus.Truncated));

        byte[] packet = pair.Protect(AhTestPackets.IPv4());
        byte[] badChecksum = (byte[])packet.Clone();
        badChecksum[11] ^= 1;
        Assert.That(pair.Unprotect(badChecksum).Status, Is.EqualTo(IpsecStatus.Malformed));

        byte[] wrongLength = (byte[])packet.Clone();
        wrongLength[20 + 1] = 3; // AH Payload Len for 20 bytes, while the SA's header is 28
        Assert.That(pair.Unprotect(wrongLength).Status, Is.EqualTo(IpsecStatus.Malformed));

        byte[] cut = packet.AsSpan(0, 20 + 8).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), (ushort)cut.Length);
        AhTestPackets.FixIPv4Checksum(cut);
        Assert.That(pair.Unprotect(cut).Status, Is.EqualTo(IpsecStatus.Truncated));

        byte[] otherSpi = (byte[])packet.Clone();
        otherSpi[20 + 7] ^= 1;
        Assert.That(pair.Unprotect(otherSpi).Status, Is.EqualTo(IpsecStatus.UnknownSpi));
        Assert.That(pair.Receiver.Statistics.MalformedDrops, Is.EqualTo(5), "truncated and malformed packets");
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void TunnelModeRefusesWhatIsNotAnIPPacketInside()
    {
        using var transport = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, IpsecMode.Transport, seed: 9);
        using var tunnel = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, IpsecMode.Tunnel, seed: 9);
        byte[] packet = transport.Protect(AhTestPackets.IPv4());
        Assert.That(tunnel.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.UnsupportedProtocol));
        Assert.That(tunnel.Receiver.HighestInboundSequenceNumber, Is.Zero, "a refused packet does not move the window");
    }

    [Test]
    public void TunnelDecapsulationAppliesRfc6040()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, IpsecMode.Tunnel);
        byte[] inner = AhTestPackets.IPv4(tos: 0x02); // ECT(0)
        byte[] packet = pair.Protect(inner);
        Assert.That(packet[1] & 3, Is.EqualTo(2), "ECT(0) copied out");
        packet[1] |= 3; // CE on the way: mutable
        AhTestPackets.FixIPv4Checksum(packet);
        (IpsecStatus status, byte[] result) = pair.Unprotect(packet);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(result[1] & 3, Is.EqualTo(3), "CE propagated inward");
        Assert.That(result.AsSpan(2).ToArray(), Is.Not.EqualTo(inner.AsSpan(2).ToArray()), "checksum updated");
        byte[] recomputed = (byte[])result.Clone();
        AhTestPackets.FixIPv4Checksum(recomputed);
        Assert.That(result, Is.EqualTo(recomputed), "the inner checksum is valid after the ECN change");

        byte[] notEct = pair.Protect(AhTestPackets.IPv4(tos: 0));
        notEct[1] |= 3; // CE outside a Not-ECT packet: drop
        AhTestPackets.FixIPv4Checksum(notEct);
        Assert.That(pair.Unprotect(notEct).Status, Is.EqualTo(IpsecStatus.EcnDrop));
    }

    [Test]
    public void ReplayedAndOldPacketsAreRefused()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, replayWindowSize: 32);
        var packets = new List<byte[]>();
        for (int i = 0; i < 40; i++)
        {
            packets.Add(pair.Protect(AhTestPackets.IPv4(seed: i)));
        }

        Assert.That(pair.Unprotect(packets[39]).Status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(pair.Unprotect(packets[39]).Status, Is.EqualTo(IpsecStatus.Replayed));
        Assert.That(pair.Unprotect(packets[5]).Status, Is.EqualTo(IpsecStatus.Replayed), "left of the window");
        Assert.That(pair.Unprotect(packets[20]).Status, Is.EqualTo(IpsecStatus.Success), "inside the window");
        Assert.That(pair.Unprotect(packets[20]).Status, Is.EqualTo(IpsecStatus.Replayed));
        Assert.That(pair.Receiver.Statistics.ReplayDrops, Is.EqualTo(3));
    }

    [Test]
    public void ConcurrentSendersGetDistinctSequenceNumbersAndAllVerify()
    {
        using var pair = new AhPair(IntegrityAlgorithm.AesGmac128, replayWindowSize: 4096);
        const int Count = 2000;
        var packets = new byte[Count][];
        System.Threading.Tasks.Parallel.For(0, Count, i => packets[i] = pair.Protect(AhTestPackets.IPv4(seed: i % 7)));
        var seen = new HashSet<uint>();
        foreach (byte[] packet in packets)
        {
            Assert.That(seen.Add(BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(20 + 8))), Is.True);
        }

        int accepted = 0;
        System.Threading.Tasks.Parallel.For(0, Count, i =>
        {
            if (pair.Receiver.Unprotect(packets[i], 0, packets[i].Length, out _) == IpsecStatus.Success)
            {
                System.Threading.Interlocked.Increment(ref accepted);
            }
        });
        Assert.That(accepted, Is.EqualTo(Count));
        Assert.That(pair.Receiver.HighestInboundSequenceNumber, Is.EqualTo((ulong)Count));
    }

    [Test]
    public void ExtendedSequenceNumbersCrossTwoToTheThirtyTwo([Values] bool gmac)
    {
        ulong start = uint.MaxValue - 2;
        using var pair = new AhPair(gmac ? IntegrityAlgorithm.AesGmac128 : IntegrityAlgorithm.HmacSha2_256_128, esn: true, initialSequenceNumber: start);
        for (ulong expected = start + 1; expected <= start + 5; expected++)
        {
            byte[] packet = pair.Protect(AhTestPackets.IPv6());
            Assert.That(BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(40 + 8)), Is.EqualTo((uint)expected), "only the low half travels");
            Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Success));
            Assert.That(pair.Receiver.HighestInboundSequenceNumber, Is.EqualTo(expected));
        }

        // The high half is authenticated: a receiver that believes it is a cycle behind refuses the packet.
        using var behind = new AhPair(gmac ? IntegrityAlgorithm.AesGmac128 : IntegrityAlgorithm.HmacSha2_256_128, esn: true, initialSequenceNumber: start);
        byte[] early = behind.Protect(AhTestPackets.IPv6());
        using var stale = new AhPair(gmac ? IntegrityAlgorithm.AesGmac128 : IntegrityAlgorithm.HmacSha2_256_128, esn: true, initialSequenceNumber: start + (1UL << 32));
        Assert.That(stale.Unprotect(early).Status, Is.Not.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void SequenceNumbersRunOutWithoutChangingTheBuffer([Values] bool esn)
    {
        ulong last = esn ? ulong.MaxValue : uint.MaxValue;
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, esn: esn, initialSequenceNumber: last - 1);
        byte[] packet = AhTestPackets.IPv4();
        Assert.That(pair.Protect(packet), Is.Not.Empty);
        byte[] buffer = new byte[64 + packet.Length];
        packet.CopyTo(buffer, 64);
        byte[] before = (byte[])buffer.Clone();
        Assert.That(pair.Sender.Protect(buffer, 64, packet.Length, out AhProcessResult result), Is.EqualTo(IpsecStatus.SequenceExhausted));
        Assert.That(result.Length, Is.Zero);
        Assert.That(buffer, Is.EqualTo(before));
        Assert.That(pair.Sender.Statistics.SequenceExhaustedDrops, Is.EqualTo(1));
    }

    [Test]
    public void HeadroomAndMtuAreChecked()
    {
        var options = new AhSecurityAssociationOptions
        {
            Spi = 0x1234,
            Integrity = IntegrityAlgorithm.HmacSha2_256_128,
            IntegrityKey = new byte[32],
            Mode = IpsecMode.Tunnel,
            TunnelSource = IPAddress.Parse("203.0.113.1"),
            TunnelDestination = IPAddress.Parse("203.0.113.2"),
            Mtu = 100,
        };
        using var sa = new AhSecurityAssociation(options);
        Assert.That(sa.MaximumHeadroom, Is.EqualTo(20 + 28));
        byte[] packet = AhTestPackets.IPv4(payloadLength: 20);
        byte[] buffer = new byte[sa.MaximumHeadroom - 1 + packet.Length];
        packet.CopyTo(buffer, sa.MaximumHeadroom - 1);
        Assert.That(sa.Protect(buffer, sa.MaximumHeadroom - 1, packet.Length, out _), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        byte[] big = AhTestPackets.IPv4(payloadLength: 60);
        buffer = new byte[sa.MaximumHeadroom + big.Length];
        big.CopyTo(buffer, sa.MaximumHeadroom);
        Assert.That(sa.Protect(buffer, sa.MaximumHeadroom, big.Length, out AhProcessResult result), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(result.Length, Is.EqualTo(big.Length + 48));
        Assert.That(sa.OutboundSequenceNumber, Is.Zero);
    }

    [Test]
    public void ConfigurationErrorsNameTheField()
    {
        static AhSecurityAssociationOptions Valid() => new() { Spi = 0x1234, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32], Mode = IpsecMode.Transport };
        Assert.That(() => new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[31], Mode = IpsecMode.Transport }),
            Throws.ArgumentException.With.Message.Contains("IntegrityKey"));
        Assert.That(() => new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = IntegrityAlgorithm.AesGmac128, IntegrityKey = new byte[16], Mode = IpsecMode.Transport }),
            Throws.ArgumentException.With.Message.Contains("IntegrityKey").And.Message.Contains("salt"));
        Assert.That(() => new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 255, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32], Mode = IpsecMode.Transport }),
            Throws.ArgumentException.With.Message.Contains("Spi"));
        Assert.That(() => new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32] }),
            Throws.ArgumentException.With.Message.Contains("TunnelSource"));
        Assert.That(() => new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32], Mode = IpsecMode.Transport, ReplayWindowSize = -1 }),
            Throws.ArgumentException.With.Message.Contains("ReplayWindowSize"));
        Assert.That(() => new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32], Mode = IpsecMode.Transport, InitialOutboundSequenceNumber = 1UL << 32 }),
            Throws.ArgumentException.With.Message.Contains("InitialOutboundSequenceNumber"));
        Assert.That(() => new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32], Mode = IpsecMode.Transport, Mtu = -1 }),
            Throws.ArgumentException.With.Message.Contains("Mtu"));
        Assert.That(() => new AhSecurityAssociation(null!), Throws.ArgumentNullException);
        using var sa = new AhSecurityAssociation(Valid());
        Assert.That(sa.Mode, Is.EqualTo(IpsecMode.Transport));
    }

    [Test]
    public void CallerMistakesThrowAndToStringHidesTheKey()
    {
        byte[] key = new byte[32];
        Array.Fill(key, (byte)0xAB);
        var sa = new AhSecurityAssociation(new AhSecurityAssociationOptions { Spi = 0x1234, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = key, Mode = IpsecMode.Transport });
        Assert.That(sa.ToString(), Does.Contain("0x00001234").And.Contain("AUTH_HMAC_SHA2_256_128").And.Not.Contain("abab").And.Not.Contain("ABAB"));
        byte[] buffer = new byte[100];
        Assert.That(() => sa.Protect(buffer, 90, 20, out _), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => sa.Unprotect(buffer, -1, 20, out _), Throws.InstanceOf<ArgumentOutOfRangeException>());
        sa.Dispose();
        sa.Dispose();
        Assert.That(() => sa.Protect(buffer, 0, 100, out _), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => sa.Unprotect(buffer, 0, 100, out _), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void RandomChangesToImmutableBytesNeverThrowNorVerify()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] valid = pair.Protect(Packet(Shape.IPv6Extensions));
        bool[] mutable = MutableBytes(valid);
        var random = new Random(4302);
        for (int i = 0; i < 3000; i++)
        {
            byte[] bytes = (byte[])valid.Clone();
            int changes = random.Next(1, 6);
            for (int c = 0; c < changes; c++)
            {
                int at = random.Next(bytes.Length);
                if (!mutable[at])
                {
                    bytes[at] ^= (byte)random.Next(1, 256);
                }
            }

            if (i % 3 == 0)
            {
                bytes = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
            }

            if (bytes.AsSpan().SequenceEqual(valid))
            {
                continue;
            }

            IpsecStatus status = pair.Receiver.Unprotect(bytes, 0, bytes.Length, out _);
            Assert.That(status, Is.Not.EqualTo(IpsecStatus.Success), $"round {i}");
        }

        Assert.That(pair.Receiver.Statistics.AuthenticationFailures, Is.GreaterThan(100));
    }

    [Test]
    public void ProtectAndUnprotectDoNotAllocate([Values] bool gmac, [Values] IpsecMode mode, [Values] bool ipv6)
    {
        using var pair = new AhPair(gmac ? IntegrityAlgorithm.AesGmac256 : IntegrityAlgorithm.HmacSha2_256_128, mode, outerIPv6: ipv6, replayWindowSize: 1024);
        byte[] packet = ipv6 ? Packet(Shape.IPv6Extensions) : Packet(Shape.IPv4Options);
        int headroom = pair.Sender.MaximumHeadroom;
        byte[] buffer = new byte[headroom + packet.Length];
        IpsecStatus last = IpsecStatus.Success;
        long bytes = Allocations.Measure(() =>
        {
            packet.CopyTo(buffer, headroom);
            pair.Sender.Protect(buffer, headroom, packet.Length, out AhProcessResult result);
            IpsecStatus status = pair.Receiver.Unprotect(buffer, result.Offset, result.Length, out _);
            if (status != IpsecStatus.Success)
            {
                last = status;
            }
        });
        Assert.That(last, Is.EqualTo(IpsecStatus.Success));
        Assert.That(bytes, Is.Zero);
    }

    /// <summary>Marks the bytes RFC 4302 treats as mutable in a protected packet (outer header only).</summary>
    private static bool[] MutableBytes(byte[] packet)
    {
        var mutable = new bool[packet.Length];
        if (packet[0] >> 4 == 4)
        {
            foreach (int i in new[] { 1, 6, 7, 8, 10, 11 })
            {
                mutable[i] = true;
            }

            int headerLength = (packet[0] & 0x0F) * 4;
            for (int i = 20; i < headerLength;)
            {
                byte type = packet[i];
                int length = type is 0 or 1 ? 1 : packet[i + 1];
                if (type is not (0 or 1 or 130 or 133 or 134 or 148 or 149))
                {
                    for (int j = i; j < i + length; j++)
                    {
                        mutable[j] = true;
                    }
                }

                i += length;
                if (type == 0)
                {
                    break;
                }
            }

            return mutable;
        }

        mutable[1] = mutable[2] = mutable[3] = mutable[7] = true;
        int offset = 40;
        byte next = packet[6];
        while (next is 0 or 60)
        {
            int length = (packet[offset + 1] + 1) * 8;
            for (int i = offset + 2; i < offset + length;)
            {
                byte type = packet[i];
                if (type == 0)
                {
                    i++;
                    continue;
                }

                int optionLength = packet[i + 1] + 2;
                if ((type & 0x20) != 0)
                {
                    for (int j = i + 2; j < i + optionLength; j++)
                    {
                        mutable[j] = true;
                    }
                }

                i += optionLength;
            }

            next = packet[offset];
            offset += length;
        }

        return mutable;
    }

    private static int AhOffset(byte[] packet)
    {
        if (packet[0] >> 4 == 4)
        {
            return (packet[0] & 0x0F) * 4;
        }

        int offset = 40;
        byte next = packet[6];
        while (next != 51)
        {
            next = packet[offset];
            offset += (packet[offset + 1] + 1) * 8;
        }

        return offset;
    }
}
