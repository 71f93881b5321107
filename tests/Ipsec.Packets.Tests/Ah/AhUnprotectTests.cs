using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// AH unprotect outcomes that depend on the IPv6 header chain and on the headers' size: a fragment before AH (RFC 4302
/// §3.4.1: AH is verified on whole packets only), a chain that cannot be walked, the limit of
/// <see cref="AhSecurityAssociation.MaximumIPHeaderLength"/> bytes of headers before AH on both sides, RFC 6040 with an
/// IPv6 outer header, a tunnel whose inner packet is not valid IP, two AH headers in one IPv6 chain, and duplicates that
/// race each other.
/// </summary>
public class AhUnprotectTests
{
    /// <summary>A hop-by-hop options header of <paramref name="length"/> bytes (a multiple of 8) filled with PadN options.</summary>
    private static byte[] HopByHop(int length)
    {
        var header = new byte[length];
        header[1] = (byte)((length / 8) - 1);
        int offset = 2;
        while (offset < length)
        {
            int remaining = length - offset;
            if (remaining == 1)
            {
                header[offset++] = 0;   // Pad1
                continue;
            }

            int data = Math.Min(remaining - 2, 255);
            header[offset] = 1;   // PadN
            header[offset + 1] = (byte)data;
            offset += 2 + data;
        }

        return header;
    }

    [Test]
    public void AnIPv6FragmentBeforeAhIsAFragmentNotAForgery()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] whole = pair.Protect(AhTestPackets.IPv6());
        Assert.That(whole[6], Is.EqualTo(51), "AH right after the IPv6 header");

        // The first fragment of the same packet: a fragment header (offset 0, more fragments) between IPv6 and AH.
        var fragment = new byte[whole.Length + 8];
        whole.AsSpan(0, 40).CopyTo(fragment);
        fragment[6] = 44;
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(4), (ushort)(fragment.Length - 40));
        fragment[40] = 51;
        fragment[43] = 1;   // M flag
        BinaryPrimitives.WriteUInt32BigEndian(fragment.AsSpan(44), 0x1234);
        whole.AsSpan(40).CopyTo(fragment.AsSpan(48));

        Assert.That(pair.Unprotect(fragment).Status, Is.EqualTo(IpsecStatus.Fragment));
        SecurityAssociationStatistics statistics = pair.Receiver.Statistics;
        Assert.That(statistics.AuthenticationFailures, Is.Zero);
        Assert.That(statistics.MalformedDrops, Is.Zero);
        Assert.That(pair.Unprotect(whole).Status, Is.EqualTo(IpsecStatus.Success), "the whole packet still verifies");
    }

    [Test]
    public void AnIPv6ChainThatCannotBeWalkedIsMalformedAndCounted()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        // The IPv6 header announces a hop-by-hop header, but only 4 of its 8 bytes are there.
        byte[] packet = AhTestPackets.IPv6(payloadLength: 0)[..44];
        packet[6] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 4);
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Malformed));
        Assert.That(pair.Receiver.Statistics.MalformedDrops, Is.EqualTo(1));

        // A walkable chain without AH is simply not IPsec.
        byte[] plain = AhTestPackets.IPv6([(0, HopByHop(16))]);
        Assert.That(pair.Unprotect(plain).Status, Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(pair.Receiver.Statistics.MalformedDrops, Is.EqualTo(1));
    }

    [Test]
    public void HeadersBeforeAhMayFillTheMaximumIPHeaderLengthAndNoMore()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        int limit = AhSecurityAssociation.MaximumIPHeaderLength;

        // 40 bytes of IPv6 header and a hop-by-hop header up to the limit exactly: protected and verified.
        byte[] atLimit = AhTestPackets.IPv6([(0, HopByHop(limit - 40))]);
        byte[] protectedPacket = pair.Protect(atLimit);
        Assert.That(protectedPacket[limit..][..2], Is.EqualTo(new byte[] { 17, (byte)((pair.Sender.HeaderLengthIPv6 / 4) - 2) }), "AH at the limit");
        (IpsecStatus status, byte[] restored) = pair.Unprotect(protectedPacket);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(restored, Is.EqualTo(atLimit));

        // 8 bytes more: refused before anything changes, on both sides.
        byte[] beyond = AhTestPackets.IPv6([(0, HopByHop(limit - 40 + 8))]);
        var buffer = new byte[pair.Sender.MaximumHeadroom + beyond.Length];
        beyond.CopyTo(buffer, pair.Sender.MaximumHeadroom);
        Assert.That(pair.Sender.Protect(buffer, pair.Sender.MaximumHeadroom, beyond.Length, out _), Is.EqualTo(IpsecStatus.Malformed));
        Assert.That(pair.Sender.OutboundSequenceNumber, Is.EqualTo(1UL), "no sequence number spent");

        // The same growth of the hop-by-hop header in a received packet: Malformed before any ICV is computed.
        var received = new byte[protectedPacket.Length + 8];
        protectedPacket.AsSpan(0, limit).CopyTo(received);
        received[41]++;   // the hop-by-hop header's length, in 8-byte units
        received[limit] = 1;   // the new 8 bytes are one more PadN option
        received[limit + 1] = 6;
        protectedPacket.AsSpan(limit).CopyTo(received.AsSpan(limit + 8));
        BinaryPrimitives.WriteUInt16BigEndian(received.AsSpan(4), (ushort)(received.Length - 40));
        using var receiver = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        Assert.That(receiver.Unprotect(received).Status, Is.EqualTo(IpsecStatus.Malformed));
        Assert.That(receiver.Receiver.Statistics.MalformedDrops, Is.EqualTo(1));
        Assert.That(receiver.Receiver.Statistics.AuthenticationFailures, Is.Zero);
    }

    [TestCase(2, 3, 3, TestName = "CE on an IPv6 outer header reaches an ECT(0) inner packet")]
    [TestCase(2, 1, 1, TestName = "ECT(1) on an IPv6 outer header reaches an ECT(0) inner packet")]
    [TestCase(0, 3, -1, TestName = "CE on an IPv6 outer header drops a Not-ECT inner packet")]
    public void Rfc6040DecapsulationReadsTheIPv6OuterEcn(int innerEcn, int outerEcn, int expectedEcn)
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, IpsecMode.Tunnel, outerIPv6: true);
        byte[] packet = pair.Protect(AhTestPackets.IPv4(tos: (byte)(0x28 | innerEcn)));
        Assert.That(packet[0] >> 4, Is.EqualTo(6));
        // Traffic class is mutable: the ECN bits (the low two of the traffic class, bits 4-5 of byte 1) change en route.
        packet[1] = (byte)((packet[1] & 0xCF) | (outerEcn << 4));
        (IpsecStatus status, byte[] inner) = pair.Unprotect(packet);
        if (expectedEcn < 0)
        {
            Assert.That(status, Is.EqualTo(IpsecStatus.EcnDrop));
            return;
        }

        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(inner[1] & 3, Is.EqualTo(expectedEcn));
        Assert.That(inner[1] >> 2, Is.EqualTo(0x28 >> 2), "the DSCP is the inner packet's own");
    }

    [Test]
    public void ATunnelledPacketThatIsNotValidIPInsideIsMalformedAndCounted()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, IpsecMode.Tunnel);
        byte[] inner = AhTestPackets.IPv4();
        inner[11] ^= 0xFF;   // a wrong header checksum: the sender does not look, the receiver must
        byte[] packet = pair.Protect(inner);
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Malformed));
        SecurityAssociationStatistics statistics = pair.Receiver.Statistics;
        Assert.That(statistics.MalformedDrops, Is.EqualTo(1));
        Assert.That(statistics.PacketsUnprotected, Is.Zero);
        Assert.That(pair.Receiver.HighestInboundSequenceNumber, Is.Zero, "the window does not move");
    }

    [Test]
    public void UnprotectCountsThePacketAndItsBytes()
    {
        using var transport = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] original = AhTestPackets.IPv4(payloadLength: 100);
        (IpsecStatus status, byte[] restored) = transport.Unprotect(transport.Protect(original));
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(transport.Receiver.Statistics.PacketsUnprotected, Is.EqualTo(1));
        Assert.That(transport.Receiver.Statistics.BytesUnprotected, Is.EqualTo(restored.Length));

        using var tunnel = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, IpsecMode.Tunnel);
        (status, restored) = tunnel.Unprotect(tunnel.Protect(original));
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(restored, Is.EqualTo(original));
        Assert.That(tunnel.Receiver.Statistics.BytesUnprotected, Is.EqualTo(original.Length));
        Assert.That(tunnel.Sender.Statistics.BytesProtected, Is.EqualTo(original.Length));
    }

    [Test]
    public void WithTwoAhHeadersInAnIPv6ChainTheFirstIsTheOneVerified()
    {
        // An AH bundle in transport mode (RFC 4301 §4.5): the second SA's AH goes in front of the first's. Unprotect verifies
        // the first AH on the chain and stops walking there; the AH behind it is payload to it, left for the next SA.
        using var first = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, seed: 7);
        using var second = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, seed: 8);
        byte[] original = AhTestPackets.IPv6();
        byte[] once = first.Protect(original);
        byte[] twice = second.Protect(once);
        Assert.That(twice.Length, Is.EqualTo(once.Length + (once.Length - original.Length)), "two AH headers");

        Assert.That(first.Unprotect(twice).Status, Is.EqualTo(IpsecStatus.UnknownSpi), "the first SA meets the second SA's AH first");
        (IpsecStatus status, byte[] afterSecond) = second.Unprotect(twice);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(afterSecond, Is.EqualTo(once));
        (status, byte[] afterFirst) = first.Unprotect(afterSecond);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(afterFirst, Is.EqualTo(original));
    }

    [Test]
    public void DuplicatesRacingEachOtherAreAcceptedOnceAndEveryOtherCopyCountedAsAReplay()
    {
        // Two threads unprotect their own copy of each packet at the same moment. Each copy passes the replay check before
        // its ICV or finds the number already taken; one that passes and then loses the window update to the other is
        // refused as well (the path between the two checks is the ICV, so the scheduler decides how often that happens).
        // Either way every packet is accepted exactly once and every refusal is counted.
        const int Rounds = 400;
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128, replayWindowSize: 1024);
        var packets = new byte[Rounds][];
        for (int i = 0; i < Rounds; i++)
        {
            packets[i] = pair.Protect(AhTestPackets.IPv4(payloadLength: 64));
        }

        var statuses = new IpsecStatus[2, Rounds];
        using var barrier = new Barrier(2);
        var threads = new Thread[2];
        for (int t = 0; t < threads.Length; t++)
        {
            int thread = t;
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < Rounds; i++)
                {
                    byte[] copy = (byte[])packets[i].Clone();
                    barrier.SignalAndWait();
                    statuses[thread, i] = pair.Receiver.Unprotect(copy, 0, copy.Length, out _);
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        for (int i = 0; i < Rounds; i++)
        {
            IpsecStatus[] round = [statuses[0, i], statuses[1, i]];
            Assert.That(round, Is.EquivalentTo(new[] { IpsecStatus.Success, IpsecStatus.Replayed }), $"packet {i}");
        }

        Assert.That(pair.Receiver.Statistics.PacketsUnprotected, Is.EqualTo(Rounds));
        Assert.That(pair.Receiver.Statistics.ReplayDrops, Is.EqualTo(Rounds));
    }
}
