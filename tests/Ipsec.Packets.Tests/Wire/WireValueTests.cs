using System;
using System.Linq;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

/// <summary>
/// The header and trailer values as values: every field takes part in equality (two headers that differ in one field
/// are different headers), the operators agree with Equals, the exact buffer sizes the RFC formats need are accepted
/// and one byte less is refused without writing, and ToString shows the fields.
/// </summary>
public class WireValueTests
{
    private static void AssertDifferent<T>(T a, T b, Func<T, T, bool> equal, Func<T, T, bool> notEqual)
        where T : struct, IEquatable<T>
    {
        Assert.That(a.Equals(b), Is.False);
        Assert.That(a.Equals((object)b), Is.False);
        Assert.That(equal(a, b), Is.False);
        Assert.That(notEqual(a, b), Is.True);
    }

    private static void AssertSame<T>(T a, T b, Func<T, T, bool> equal, Func<T, T, bool> notEqual)
        where T : struct, IEquatable<T>
    {
        Assert.That(a.Equals(b), Is.True);
        Assert.That(a.Equals((object)b), Is.True);
        Assert.That(equal(a, b), Is.True);
        Assert.That(notEqual(a, b), Is.False);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        Assert.That(a.Equals((object?)null), Is.False);
        Assert.That(a.Equals((object)"not a header"), Is.False);
    }

    [Test]
    public void EspHeaderEqualityUsesBothFields()
    {
        var header = new EspHeader(0x1001, 7);
        AssertSame(header, new EspHeader(0x1001, 7), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(header, new EspHeader(0x1002, 7), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(header, new EspHeader(0x1001, 8), (a, b) => a == b, (a, b) => a != b);
        Assert.That(header.ToString(), Is.EqualTo("ESP(spi=0x00001001, seq=7)"));
    }

    [Test]
    public void EspHeaderWritesIntoExactlyEightBytesAndReadsTheSpiFromFour()
    {
        var exact = new byte[EspHeader.Length];
        Assert.That(new EspHeader(0xDEADBEEF, 0x01020304).TryWrite(exact), Is.True);
        Assert.That(Convert.ToHexString(exact), Is.EqualTo("DEADBEEF01020304"));
        Assert.That(EspHeader.TryRead(exact, out EspHeader back), Is.True);
        Assert.That(back, Is.EqualTo(new EspHeader(0xDEADBEEF, 0x01020304)));

        byte[] short7 = Enumerable.Repeat((byte)0xA5, 7).ToArray();
        Assert.That(new EspHeader(1, 2).TryWrite(short7), Is.False);
        Assert.That(short7, Is.All.EqualTo(0xA5), "nothing written");

        Assert.That(EspHeader.TryReadSpi(exact.AsSpan(0, 4), out uint spi), Is.True);
        Assert.That(spi, Is.EqualTo(0xDEADBEEFu));
        Assert.That(EspHeader.TryReadSpi(exact.AsSpan(0, 3), out spi), Is.False);
        Assert.That(spi, Is.Zero);
    }

    [Test]
    public void AhHeaderEqualityUsesEveryField()
    {
        var header = new AhHeader(IPProtocol.Udp, 4, 0x2002, 9, reserved: 0);
        AssertSame(header, new AhHeader(IPProtocol.Udp, 4, 0x2002, 9), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(header, new AhHeader(IPProtocol.Tcp, 4, 0x2002, 9), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(header, new AhHeader(IPProtocol.Udp, 5, 0x2002, 9), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(header, new AhHeader(IPProtocol.Udp, 4, 0x2003, 9), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(header, new AhHeader(IPProtocol.Udp, 4, 0x2002, 10), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(header, new AhHeader(IPProtocol.Udp, 4, 0x2002, 9, reserved: 1), (a, b) => a == b, (a, b) => a != b);
        Assert.That(header.ToString(), Is.EqualTo("AH spi 0x00002002 seq 9 nh 17 len 24"));
    }

    [Test]
    public void AhHeaderWritesItsTwelveFixedBytesAndReadsThemBack()
    {
        var header = new AhHeader(IPProtocol.Tcp, 4, 0x01020304, 0x0A0B0C0D, reserved: 0xBEEF);
        byte[] buffer = Enumerable.Repeat((byte)0xA5, AhHeader.FixedLength + 2).ToArray();
        Assert.That(header.TryWrite(buffer.AsSpan(0, AhHeader.FixedLength)), Is.True);
        Assert.That(Convert.ToHexString(buffer), Is.EqualTo("0604BEEF010203040A0B0C0DA5A5"));
        Assert.That(AhHeader.TryRead(buffer.AsSpan(0, AhHeader.FixedLength), out AhHeader back), Is.True);
        Assert.That(back, Is.EqualTo(header));
        Assert.That(AhHeader.TryRead(buffer.AsSpan(0, AhHeader.FixedLength - 1), out back), Is.False);
        Assert.That(back, Is.EqualTo(default(AhHeader)));
    }

    // RFC 4302 §2.2: Payload Length is the header length in 32-bit words minus 2.
    [TestCase(12, 1)]
    [TestCase(16, 2)]
    [TestCase(24, 4)]
    [TestCase(1028, 255)]
    public void AhPayloadLengthIsTheLengthInWordsLessTwo(int headerLength, int expected)
    {
        Assert.That(AhHeader.GetPayloadLength(headerLength), Is.EqualTo((byte)expected));
        Assert.That(new AhHeader(IPProtocol.Tcp, (byte)expected, 1, 1).HeaderLength, Is.EqualTo(headerLength));
    }

    [TestCase(11)]
    [TestCase(13)]
    [TestCase(14)]
    [TestCase(15)]
    [TestCase(1029)]
    public void AhPayloadLengthRefusesImpossibleHeaderLengths(int headerLength)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AhHeader.GetPayloadLength(headerLength))!;
        Assert.That(error.ParamName, Is.EqualTo("headerLength"));
        Assert.That(error.Message, Does.Contain("multiple of 4 from 12 to 1028"), "the message says what is allowed");
    }

    // §3.3.3.2.1: the header is a multiple of 32 bits for IPv4 and of 64 bits for IPv6.
    [TestCase(1016, false, 1028)]
    [TestCase(1012, true, 1024)]
    [TestCase(13, false, 28)]
    [TestCase(13, true, 32)]
    [TestCase(4, true, 16)]
    public void AhHeaderLengthPadsTheIcvToTheFamilysAlignment(int icvSize, bool isIPv6, int expected)
    {
        Assert.That(AhHeader.GetHeaderLength(icvSize, isIPv6), Is.EqualTo(expected));
    }

    [TestCase(1016, true)]   // 1028 rounds up to 1032, beyond the largest AH header
    [TestCase(1017, false)]
    [TestCase(-1, true)]
    public void AhHeaderLengthRefusesAnIcvThatCannotFit(int icvSize, bool isIPv6)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AhHeader.GetHeaderLength(icvSize, isIPv6))!;
        Assert.That(error.ParamName, Is.EqualTo("icvSize"));
        Assert.That(error.Message, Does.Contain("does not fit an AH header"), "the message says why");
    }

    [Test]
    public void AhPacketViewSplitsHeaderIcvAndPayload()
    {
        // Next header 6, payload length 4 (24-byte header), reserved 0x0102, SPI, sequence, 12-byte ICV, 5 payload bytes.
        byte[] bytes = Convert.FromHexString("06040102" + "0000A001" + "00000007" + "111111112222222233333333" + "AABBCCDDEE");
        Assert.That(AhPacket.TryCreate(bytes, isIPv6: false, out AhPacket packet), Is.True);
        Assert.That(packet.NextHeader, Is.EqualTo(IPProtocol.Tcp));
        Assert.That(packet.PayloadLength, Is.EqualTo(4));
        Assert.That(packet.HeaderLength, Is.EqualTo(24));
        Assert.That(packet.Reserved, Is.EqualTo(0x0102));
        Assert.That(packet.Spi, Is.EqualTo(0xA001u));
        Assert.That(packet.SequenceNumber, Is.EqualTo(7u));
        Assert.That(Convert.ToHexString(packet.Icv), Is.EqualTo("111111112222222233333333"));
        Assert.That(Convert.ToHexString(packet.Payload), Is.EqualTo("AABBCCDDEE"));
        Assert.That(packet.Header.Length, Is.EqualTo(24));
        Assert.That(packet.Packet.Length, Is.EqualTo(bytes.Length));
        Assert.That(packet.ToHeader(), Is.EqualTo(new AhHeader(IPProtocol.Tcp, 4, 0xA001, 7, 0x0102)));

        // The header exactly fills the buffer: accepted with an empty payload; one byte less is refused.
        Assert.That(AhPacket.TryCreate(bytes.AsSpan(0, 24), false, out packet), Is.True);
        Assert.That(packet.Payload.Length, Is.Zero);
        Assert.That(AhPacket.TryCreate(bytes.AsSpan(0, 23), false, out _), Is.False);
        // 24 bytes is a multiple of 8: also a valid IPv6 AH header.
        Assert.That(AhPacket.TryCreate(bytes, isIPv6: true, out _), Is.True);
    }

    [Test]
    public void AhPacketViewRefusesAPayloadLengthBelowTheFixedHeader()
    {
        // Payload length 0 declares an 8-byte header, shorter than AH's 12 fixed bytes (RFC 4302 §2.2).
        byte[] bytes = Convert.FromHexString("06000000" + "0000A001" + "00000007" + "11111111");
        Assert.That(AhPacket.TryCreate(bytes, false, out _), Is.False);
        bytes[1] = 1;   // 12 bytes: no ICV at all, but a well-formed header
        Assert.That(AhPacket.TryCreate(bytes, false, out AhPacket packet), Is.True);
        Assert.That(packet.Icv.Length, Is.Zero);
        Assert.That(AhPacket.TryCreate(bytes, true, out _), Is.False, "12 is not a multiple of 8");
        Assert.That(AhPacket.TryCreate(bytes.AsSpan(0, 11), false, out _), Is.False);
    }

    [Test]
    public void EspTrailerEqualityUsesBothFields()
    {
        var trailer = new EspTrailer(3, 4);
        AssertSame(trailer, new EspTrailer(3, 4), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(trailer, new EspTrailer(2, 4), (a, b) => a == b, (a, b) => a != b);
        AssertDifferent(trailer, new EspTrailer(3, 41), (a, b) => a == b, (a, b) => a != b);
        Assert.That(trailer.Length, Is.EqualTo(5));
        Assert.That(trailer.ToString(), Is.EqualTo("ESP trailer(pad=3, next=4)"));
    }

    [Test]
    public void EspTrailerWritesIntoExactlyItsLength()
    {
        byte[] exact = Enumerable.Repeat((byte)0xA5, 5).ToArray();
        Assert.That(new EspTrailer(3, 4).TryWrite(exact), Is.True);
        Assert.That(Convert.ToHexString(exact), Is.EqualTo("0102030304"));
        byte[] shorter = Enumerable.Repeat((byte)0xA5, 4).ToArray();
        Assert.That(new EspTrailer(3, 4).TryWrite(shorter), Is.False);
        Assert.That(shorter, Is.All.EqualTo(0xA5), "nothing written");
        Assert.That(new EspTrailer(0, 59).TryWrite(exact.AsSpan(0, 2)), Is.True);
        Assert.That(Convert.ToHexString(exact, 0, 2), Is.EqualTo("003B"));
    }

    [Test]
    public void EspTrailerReadsThePadLengthThatFillsTheWholePart()
    {
        // Padding 1..4, pad length 4, next header 41: no payload at all.
        Assert.That(EspTrailer.TryRead(Convert.FromHexString("01020304" + "04" + "29"), out EspTrailer trailer, out int payloadLength), Is.True);
        Assert.That((trailer.PadLength, trailer.NextHeader, payloadLength), Is.EqualTo(((byte)4, (byte)41, 0)));
        // One byte less: the declared padding reaches before the start.
        Assert.That(EspTrailer.TryRead(Convert.FromHexString("020304" + "04" + "29"), out trailer, out payloadLength), Is.False);
        Assert.That((trailer, payloadLength), Is.EqualTo((default(EspTrailer), 0)));
        // Bad padding: the outputs are reset too.
        Assert.That(EspTrailer.TryRead(Convert.FromHexString("AA" + "01020305" + "04" + "29"), out trailer, out payloadLength), Is.False);
        Assert.That((trailer, payloadLength), Is.EqualTo((default(EspTrailer), 0)));
        Assert.That(EspTrailer.TryRead(Convert.FromHexString("29"), out trailer, out payloadLength), Is.False);
        Assert.That((trailer, payloadLength), Is.EqualTo((default(EspTrailer), 0)));
    }

    // RFC 4303 §2.4: the padding makes payload + padding + 2 a multiple of the alignment.
    [TestCase(0, 4, 2)]
    [TestCase(2, 4, 0)]
    [TestCase(3, 4, 3)]
    [TestCase(14, 16, 0)]
    [TestCase(15, 16, 15)]
    [TestCase(1, 16, 13)]
    [TestCase(30, 8, 0)]
    public void PadLengthMakesWholeAlignmentUnits(int length, int alignment, int expected)
    {
        int pad = EspTrailer.GetPadLength(length, alignment);
        Assert.That(pad, Is.EqualTo(expected));
        Assert.That((length + pad + 2) % alignment, Is.Zero);
    }
}
