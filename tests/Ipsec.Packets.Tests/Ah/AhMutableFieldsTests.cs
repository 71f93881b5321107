using System;
using System.Linq;
using Ipsec.Packets.Ah;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// The ICV input's IP headers, field by field (RFC 4302 §3.3.3.1): mutable fields are zeroed, immutable ones kept,
/// mutable-but-predictable ones set to their value at the final destination; a header that cannot be classified is
/// refused.
/// </summary>
public class AhMutableFieldsTests
{
    private static byte[] Header4(params byte[] options)
    {
        byte[] packet = AhTestPackets.IPv4(options, payloadLength: 0, tos: 0xB9, dontFragment: true);
        packet[7] = 0x10;   // with a fragment offset as well
        AhTestPackets.FixIPv4Checksum(packet);
        return packet[..(20 + options.Length)];
    }

    [Test]
    public void IPv4MutableFieldsAreZeroedAndImmutableOnesKept()
    {
        byte[] header = Header4();
        byte[] original = (byte[])header.Clone();
        Assert.That(AhMutableFields.TryZeroIPv4(header), Is.True);
        // §3.3.3.1.1.1: TOS, flags, fragment offset, TTL and header checksum are mutable.
        foreach (int i in new[] { 1, 6, 7, 8, 10, 11 })
        {
            Assert.That(header[i], Is.Zero, $"byte {i}");
        }

        // Version/IHL, total length, identification, protocol, source and destination are immutable.
        foreach (int i in new[] { 0, 2, 3, 4, 5, 9 }.Concat(Enumerable.Range(12, 8)))
        {
            Assert.That(header[i], Is.EqualTo(original[i]), $"byte {i}");
        }
    }

    // §3.3.3.1.1.2: these options are immutable and stay in the ICV input as they are.
    [TestCase((byte)130)]   // Security
    [TestCase((byte)133)]   // Extended Security
    [TestCase((byte)134)]   // Commercial Security
    [TestCase((byte)148)]   // Router Alert
    [TestCase((byte)149)]   // Sender Directed Multi-Destination Delivery
    public void ImmutableIPv4OptionsAreKept(byte type)
    {
        byte[] header = Header4(type, 6, 0xAA, 0xBB, 0xCC, 0xDD, 1, 0);   // the option, a NOP, an EOL
        Assert.That(AhMutableFields.TryZeroIPv4(header), Is.True);
        Assert.That(header[20..], Is.EqualTo(new byte[] { type, 6, 0xAA, 0xBB, 0xCC, 0xDD, 1, 0 }));
    }

    // Every other option is mutable and zeroed whole, type and length included.
    [TestCase((byte)7)]     // Record Route
    [TestCase((byte)68)]    // Timestamp
    [TestCase((byte)82)]    // Traceroute
    [TestCase((byte)25)]    // Quick-Start
    public void OtherIPv4OptionsAreZeroedWhole(byte type)
    {
        byte[] header = Header4(148, 4, 0, 0, type, 8, 5, 0x11, 0x22, 0x33, 0x44, 0x55);
        Assert.That(AhMutableFields.TryZeroIPv4(header), Is.True);
        Assert.That(header[20..], Is.EqualTo(new byte[] { 148, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
    }

    [TestCase((byte)131)]
    [TestCase((byte)137)]
    public void ASourceRouteWithOneAddressPredictsThatAddressAsTheDestination(byte type)
    {
        // Length 7: type, length, pointer, one address. NOP to fill the word.
        byte[] header = Header4(type, 7, 4, 203, 0, 113, 9, 1);
        Assert.That(AhMutableFields.TryZeroIPv4(header), Is.True);
        Assert.That(header[16..20], Is.EqualTo(new byte[] { 203, 0, 113, 9 }));
        Assert.That(header[20..], Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }));
    }

    [Test]
    public void ASourceRouteTooShortForAnAddressLeavesTheDestination()
    {
        byte[] header = Header4(131, 3, 4, 1);
        byte[] destination = header[16..20];
        Assert.That(AhMutableFields.TryZeroIPv4(header), Is.True);
        Assert.That(header[16..20], Is.EqualTo(destination));
        Assert.That(header[20..], Is.EqualTo(new byte[] { 0, 0, 0, 1 }));
    }

    [Test]
    public void MalformedIPv4OptionsAreRefused()
    {
        Assert.That(AhMutableFields.TryZeroIPv4(Header4(7, 9, 4, 0)), Is.False, "an option longer than the options area");
        Assert.That(AhMutableFields.TryZeroIPv4(Header4(7, 1, 0, 0)), Is.False, "an option length below 2");
    }

    [Test]
    public void IPv6MutableFieldsAreZeroedAndImmutableOnesKept()
    {
        byte[] header = AhTestPackets.IPv6(payloadLength: 0, trafficClass: 0xB9, flowLabel: 0xABCDE)[..40];
        byte[] original = (byte[])header.Clone();
        Assert.That(AhMutableFields.TryZeroIPv6(header), Is.True);
        // §3.3.3.1.2.1: traffic class, flow label and hop limit are mutable; the version stays.
        Assert.That(header[..4], Is.EqualTo(new byte[] { 0x60, 0, 0, 0 }));
        Assert.That(header[7], Is.Zero);
        Assert.That(header[4..7], Is.EqualTo(original[4..7]), "payload length and next header");
        Assert.That(header[8..40], Is.EqualTo(original[8..40]), "addresses");
    }

    [TestCase((byte)0)]
    [TestCase((byte)60)]
    public void IPv6OptionsThatMayChangeEnRouteHaveTheirDataZeroed(byte extensionType)
    {
        // An option of type 0x3E (change-en-route bit set) and one of type 0x1E (not set), 4 data bytes each.
        byte[] extension = [0, 1, 0x3E, 2, 0xAA, 0xBB, 0x1E, 2, 0xCC, 0xDD, 1, 2, 0, 0, 0, 0];
        byte[] packet = AhTestPackets.IPv6([(extensionType, extension)], payloadLength: 0);
        byte[] headers = packet[..56];
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.True);
        Assert.That(headers[40..56], Is.EqualTo(new byte[] { 17, 1, 0x3E, 2, 0, 0, 0x1E, 2, 0xCC, 0xDD, 1, 2, 0, 0, 0, 0 }));
    }

    [Test]
    public void AFragmentHeaderIsKeptAsItIs()
    {
        byte[] fragment = [0, 0, 0, 0, 0, 0, 0, 42];
        byte[] headers = AhTestPackets.IPv6([(44, fragment)], payloadLength: 0)[..48];
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.True);
        Assert.That(headers[40..48], Is.EqualTo(new byte[] { 17, 0, 0, 0, 0, 0, 0, 42 }));
    }

    [Test]
    public void AnotherAhOrUnknownHeaderInTheChainIsRefused()
    {
        byte[] ah = [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0];
        byte[] headers = AhTestPackets.IPv6([(51, ah)], payloadLength: 0)[..56];
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.False);
    }

    [Test]
    public void MalformedIPv6OptionsAreRefused()
    {
        byte[] extension = [0, 1, 0x3E, 20, 0xAA, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];   // option longer than the header
        byte[] headers = AhTestPackets.IPv6([(0, extension)], payloadLength: 0)[..56];
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.False);
    }

    [Test]
    public void HeadersThatDoNotEndOnAnExtensionHeaderBoundaryAreRefused()
    {
        byte[] packet = AhTestPackets.IPv6([(0, AhTestPackets.OptionsHeader(0x1E))], payloadLength: 0);
        Assert.That(AhMutableFields.TryZeroIPv6(packet[..56]), Is.True);
        Assert.That(AhMutableFields.TryZeroIPv6(packet[..52]), Is.False, "cut inside the hop-by-hop header");
        Assert.That(AhMutableFields.TryZeroIPv6(packet[..40]), Is.True, "the fixed header alone");
    }

    [Test]
    public void AnUnknownRoutingTypeIsKeptOnlyWithNoSegmentsLeft()
    {
        byte[] done = AhTestPackets.RoutingHeader(253, 0, AhTestPackets.Address("2001:db8::9"));
        byte[] headers = AhTestPackets.IPv6([(43, done)], payloadLength: 0)[..64];
        byte[] original = (byte[])headers.Clone();
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.True);
        Assert.That(headers[24..64], Is.EqualTo(original[24..64]), "destination and routing header unchanged");

        byte[] pending = AhTestPackets.RoutingHeader(253, 1, AhTestPackets.Address("2001:db8::9"));
        Assert.That(AhMutableFields.TryZeroIPv6(AhTestPackets.IPv6([(43, pending)], payloadLength: 0)[..64]), Is.False);
    }

    [Test]
    public void AType2RoutingHeaderWithNoSegmentsLeftIsKept()
    {
        byte[] routing = AhTestPackets.RoutingHeader(2, 0, AhTestPackets.Address("2001:db8::77"));
        byte[] headers = AhTestPackets.IPv6([(43, routing)], payloadLength: 0)[..64];
        byte[] original = (byte[])headers.Clone();
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.True);
        Assert.That(headers[24..64], Is.EqualTo(original[24..64]));
    }

    [TestCase(2, TestName = "more segments left than addresses")]
    [TestCase(-1, TestName = "an odd header extension length")]
    public void AnInconsistentType0RoutingHeaderIsRefused(int segmentsLeft)
    {
        byte[] routing = AhTestPackets.RoutingHeader(0, Math.Max(segmentsLeft, 0), AhTestPackets.Address("2001:db8::9"));
        if (segmentsLeft < 0)
        {
            routing[1] = 1;   // 8 bytes after the first 8: not a whole number of addresses
        }

        byte[] headers = AhTestPackets.IPv6([(43, routing)], payloadLength: 0)[..64];
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.False);
    }
    private static readonly byte[] Segment0 = AhTestPackets.Address("2001:db8:9::9");
    private static readonly byte[] Segment1 = AhTestPackets.Address("2001:db8:1::1");

    private static byte[] SrhHeaders(int segmentsLeft, byte[] tlvs)
    {
        byte[] srh = AhTestPackets.SegmentRoutingHeader(segmentsLeft, tlvs, Segment0, Segment1);
        return AhTestPackets.IPv6([(43, srh)], payloadLength: 0, destination: Segment1)[..(40 + srh.Length)];
    }

    [Test]
    public void ASegmentRoutingHeaderWithoutTlvsPredictsTheLastSegment()
    {
        byte[] headers = SrhHeaders(1, []);
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.True);
        Assert.That(headers[24..40], Is.EqualTo(Segment0), "Segment List[0] is the final destination");
        Assert.That(headers[40 + 3], Is.Zero, "Segments Left 0 on arrival");
    }

    [Test]
    public void AReducedSegmentRoutingHeaderIsPredicted()
    {
        // RFC 8754 §4.1.1 and §4.3.1.1: Segments Left may be Last Entry + 1 when the first segment is only in the
        // destination field (a reduced SRH); more than that is refused.
        byte[] reduced = SrhHeaders(2, []);
        Assert.That(AhMutableFields.TryZeroIPv6(reduced), Is.True);
        Assert.That(reduced[24..40], Is.EqualTo(Segment0));
        Assert.That(AhMutableFields.TryZeroIPv6(SrhHeaders(3, [])), Is.False);
    }

    [TestCase(new byte[] { 0x81, 4, 0xA1, 0xA2, 0xA3, 0xA4, 0x05, 0 }, new byte[] { 0x81, 4, 0, 0, 0, 0, 0x05, 0 }, TestName = "a last TLV of two bytes that ends exactly with the header")]
    [TestCase(new byte[] { 0, 0x85, 4, 1, 2, 3, 4, 0 }, new byte[] { 0, 0x85, 4, 0, 0, 0, 0, 0 }, TestName = "a TLV after a Pad1")]
    public void SrhTlvsThatFitTheHeaderExactlyAreAccepted(byte[] tlvs, byte[] expected)
    {
        byte[] headers = SrhHeaders(0, tlvs);
        Assert.That(AhMutableFields.TryZeroIPv6(headers), Is.True);
        Assert.That(headers[^8..], Is.EqualTo(expected), "the data of TLVs with the may-change bit is zeroed, the others kept");
    }

    [TestCase(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0x05 }, TestName = "a TLV type in the last byte, without its length")]
    [TestCase(new byte[] { 0, 0x05, 6, 1, 2, 3, 4, 5 }, TestName = "a TLV after a Pad1 one byte longer than what is left")]
    [TestCase(new byte[] { 0, 0x85, 6, 1, 2, 3, 4, 5 }, TestName = "a may-change TLV after a Pad1 one byte longer than what is left")]
    public void SrhTlvsThatRunPastTheHeaderAreRefused(byte[] tlvs)
    {
        Assert.That(AhMutableFields.TryZeroIPv6(SrhHeaders(0, tlvs)), Is.False);
    }
}
