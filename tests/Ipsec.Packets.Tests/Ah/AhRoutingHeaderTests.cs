using System;
using System.Security.Cryptography;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// IPv6 routing headers before AH (RFC 4302 §3.3.3.1.2, "mutable but predictable"): type 0 and type 2 (RFC 8200 §4.4,
/// RFC 6275) and the Segment Routing Header (RFC 8754). The sender's ICV must match the packet as it arrives at the final
/// destination: checked by routing the packet hop by hop here (as RFC 8200 and RFC 8754 process it) and verifying at every
/// hop and at the end, and by an independent HMAC over the hand-built arrival form.
/// </summary>
public class AhRoutingHeaderTests
{
    private static readonly byte[] Hop1 = AhTestPackets.Address("2001:db8:1::1");
    private static readonly byte[] Hop2 = AhTestPackets.Address("2001:db8:2::2");
    private static readonly byte[] Hop3 = AhTestPackets.Address("2001:db8:3::3");
    private static readonly byte[] Final = AhTestPackets.Address("2001:db8:9::9");

    /// <summary>RFC 8200 §4.4 at one node: swap the destination with Address[n − Segments Left + 1], decrement Segments Left.</summary>
    private static void RouteType0(byte[] packet, int rh)
    {
        int n = packet[rh + 1] / 2;
        int segmentsLeft = packet[rh + 3];
        int index = n - segmentsLeft; // 0-based
        byte[] address = packet.AsSpan(rh + 8 + (16 * index), 16).ToArray();
        packet.AsSpan(24, 16).CopyTo(packet.AsSpan(rh + 8 + (16 * index), 16));
        address.CopyTo(packet, 24);
        packet[rh + 3]--;
        packet[7]--;
    }

    /// <summary>RFC 8754 §4.3.1 at one segment endpoint: decrement Segments Left, copy Segment List[Segments Left] to the destination.</summary>
    private static void RouteSrh(byte[] packet, int rh)
    {
        packet[rh + 3]--;
        packet.AsSpan(rh + 8 + (16 * packet[rh + 3]), 16).CopyTo(packet.AsSpan(24, 16));
        packet[7]--;
    }

    /// <summary>HMAC-SHA-256-128 over the packet with the IPv6 mutable fields and the ICV zeroed: no AH code involved.</summary>
    private static byte[] IndependentIcv(byte[] arrived, int ahOffset, byte[] key)
    {
        byte[] copy = (byte[])arrived.Clone();
        copy[0] = 0x60;
        copy[1] = copy[2] = copy[3] = 0;
        copy[7] = 0;
        copy.AsSpan(ahOffset + 12, 16).Clear();
        return HMACSHA256.HashData(key, copy)[..16];
    }

    [TestCase(3)]
    [TestCase(2)]
    [TestCase(1)]
    public void Type0VerifiesAtEveryHopAndMatchesTheArrivalForm(int segmentsLeft)
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        // Segments Left below the address count means some hops were already visited when the sender protects.
        byte[] rh = AhTestPackets.RoutingHeader(0, segmentsLeft, Hop2, Hop3, Final);
        byte[] original = AhTestPackets.IPv6([(43, rh)], destination: Hop1);
        byte[] packet = pair.Protect(original);
        int rhOffset = 40;
        int ahOffset = 40 + rh.Length;
        Assert.That(packet[rhOffset], Is.EqualTo(51), "AH goes after the routing header");

        while (packet[rhOffset + 3] > 0)
        {
            Assert.That(Verify(pair, packet), Is.EqualTo(IpsecStatus.Success), $"segments left {packet[rhOffset + 3]}");
            RouteType0(packet, rhOffset);
        }

        Assert.That(packet.AsSpan(24, 16).ToArray(), Is.EqualTo(Final));
        Assert.That(packet.AsSpan(ahOffset + 12, 16).ToArray(), Is.EqualTo(IndependentIcv(packet, ahOffset, pair.Key)));
        (IpsecStatus status, byte[] result) = pair.Unprotect(packet);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.AsSpan(40 + rh.Length).ToArray(), Is.EqualTo(original.AsSpan(40 + rh.Length).ToArray()));
    }

    [Test]
    public void Type2HomeAddressIsPredicted()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] home = AhTestPackets.Address("2001:db8:beef::42");
        byte[] rh = AhTestPackets.RoutingHeader(2, 1, home);
        byte[] packet = pair.Protect(AhTestPackets.IPv6([(43, rh)], destination: AhTestPackets.Address("2001:db8:cafe::7")));
        RouteType0(packet, 40); // the mobile node swaps its care-of and home addresses
        Assert.That(packet.AsSpan(24, 16).ToArray(), Is.EqualTo(home));
        Assert.That(packet.AsSpan(40 + 24 + 12, 16).ToArray(), Is.EqualTo(IndependentIcv(packet, 40 + 24, pair.Key)));
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void SegmentRoutingHeaderVerifiesAtEveryHopAndMatchesTheArrivalForm()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] tlvs = [0x81, 4, 0xA1, 0xA2, 0xA3, 0xA4, 0, 0]; // a TLV that may change en route, then two Pad1
        byte[] srh = AhTestPackets.SegmentRoutingHeader(2, tlvs, Final, Hop2, Hop1);
        byte[] packet = pair.Protect(AhTestPackets.IPv6([(43, srh)], destination: Hop1));
        int ahOffset = 40 + srh.Length;
        while (packet[40 + 3] > 0)
        {
            Assert.That(Verify(pair, packet), Is.EqualTo(IpsecStatus.Success), $"segments left {packet[40 + 3]}");
            packet[40 + 8 + 48 + 2] ^= 0x5A; // the mutable TLV's data changes en route
            RouteSrh(packet, 40);
        }

        Assert.That(packet.AsSpan(24, 16).ToArray(), Is.EqualTo(Final));
        byte[] zeroedTlv = (byte[])packet.Clone();
        zeroedTlv.AsSpan(40 + 8 + 48 + 2, 4).Clear();
        Assert.That(packet.AsSpan(ahOffset + 12, 16).ToArray(), Is.EqualTo(IndependentIcv(zeroedTlv, ahOffset, pair.Key)));
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void ChangesToTheRouteOrImmutableTlvsAreRefused()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] tlvs = [0x05, 4, 1, 2, 3, 4, 0, 0]; // high bit clear: immutable
        byte[] srh = AhTestPackets.SegmentRoutingHeader(1, tlvs, Final, Hop1);
        byte[] packet = pair.Protect(AhTestPackets.IPv6([(43, srh)], destination: Hop1));
        foreach (int offset in new[] { 40 + 8 + 3, 40 + 8 + 16 + 5, 40 + 8 + 32 + 2, 40 + 4, 40 + 6 })
        {
            byte[] copy = (byte[])packet.Clone();
            copy[offset] ^= 0x10;
            Assert.That(Verify(pair, copy), Is.Not.EqualTo(IpsecStatus.Success), $"offset {offset}");
        }

        byte[] rh0 = AhTestPackets.RoutingHeader(0, 2, Hop2, Final);
        byte[] type0 = pair.Protect(AhTestPackets.IPv6([(43, rh0)], destination: Hop1));
        type0[40 + 8 + 16 + 15] ^= 1; // the final address
        Assert.That(Verify(pair, type0), Is.EqualTo(IpsecStatus.AuthenticationFailed));
    }

    [Test]
    public void UnpredictableRoutingHeadersAreMalformed()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        foreach (byte[] rh in new[]
        {
            AhTestPackets.RoutingHeader(0, 3, Hop2, Final), // Segments Left beyond the list
            AhTestPackets.RoutingHeader(3, 1, Hop2, Final), // unknown type with segments left
            AhTestPackets.SegmentRoutingHeader(3, [], Final, Hop1), // beyond Last Entry
            AhTestPackets.SegmentRoutingHeader(0, [0x81, 9, 0, 0, 0, 0, 0, 0], Final), // TLV runs past the header
        })
        {
            byte[] original = AhTestPackets.IPv6([(43, rh)], destination: Hop1);
            byte[] buffer = new byte[64 + original.Length];
            original.CopyTo(buffer, 64);
            Assert.That(pair.Sender.Protect(buffer, 64, original.Length, out _), Is.EqualTo(IpsecStatus.Malformed));
            Assert.That(buffer.AsSpan(64).ToArray(), Is.EqualTo(original));
        }

        Assert.That(pair.Sender.OutboundSequenceNumber, Is.Zero, "no sequence number spent");
        byte[] unknownDone = pair.Protect(AhTestPackets.IPv6([(43, AhTestPackets.RoutingHeader(3, 0, Hop2))]));
        Assert.That(pair.Unprotect(unknownDone).Status, Is.EqualTo(IpsecStatus.Success), "an unknown type with no segments left arrives as sent");
    }

    /// <summary>Verifies a copy at an intermediate hop without moving the receiver's window.</summary>
    private static IpsecStatus Verify(AhPair pair, byte[] packet)
    {
        using var probe = new AhSecurityAssociation(new AhSecurityAssociationOptions
        {
            Spi = pair.Receiver.Spi,
            Integrity = pair.Receiver.Integrity,
            IntegrityKey = pair.Key,
            Mode = IpsecMode.Transport,
        });
        byte[] copy = (byte[])packet.Clone();
        return probe.Unprotect(copy, 0, copy.Length, out _);
    }
}
