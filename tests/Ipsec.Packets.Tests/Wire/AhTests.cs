using System;
using System.Collections.Generic;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Tests.Vectors;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class AhTests
{
    public static IEnumerable<TestCaseData> AhVectors() => VectorFile.Cases("ah-scapy.json");

    [TestCaseSource(nameof(AhVectors))]
    public void FindsAndParsesAhInEveryScapyPacket(Vector v)
    {
        byte[] bytes = v.Hex("protected_packet_hex");
        bool isIPv6 = (bytes[0] >> 4) == 6;
        int ahOffset;
        if (isIPv6)
        {
            Assert.That(IPv6Packet.TryCreate(bytes, out IPv6Packet ip), Is.True);
            IPv6ExtensionHeaderWalker walker = ip.GetExtensionHeaderWalker();
            ahOffset = -1;
            while (walker.TryNext(out IPv6ExtensionHeader ext))
            {
                if (ext.Type == IPProtocol.Ah)
                {
                    ahOffset = ext.Offset;
                    Assert.That(ext.Length, Is.EqualTo((v.Int("ah_payload_len_field") + 2) * 4));
                }
            }

            Assert.That(walker.Status, Is.EqualTo(IPv6ExtensionHeaderWalkStatus.Complete));
        }
        else
        {
            Assert.That(IPv4Packet.TryCreate(bytes, out IPv4Packet ip), Is.True);
            Assert.That(ip.Protocol, Is.EqualTo(IPProtocol.Ah));
            Assert.That(ip.IsChecksumValid, Is.True);
            ahOffset = ip.HeaderLength;
        }

        Assert.That(ahOffset, Is.Positive);
        Assert.That(AhPacket.TryCreate(bytes.AsSpan(ahOffset), isIPv6, out AhPacket ah), Is.True);
        byte[] icv = v.Hex("ah_icv_hex");
        Assert.That((int)ah.NextHeader, Is.EqualTo(v.Int("ah_next_header")));
        Assert.That((int)ah.PayloadLength, Is.EqualTo(v.Int("ah_payload_len_field")));
        Assert.That(ah.HeaderLength, Is.EqualTo(12 + icv.Length + v.Int("ah_padding_len")));
        Assert.That(ah.Spi, Is.EqualTo(Convert.ToUInt32(v.Str("spi"), 16)));
        Assert.That(ah.SequenceNumber, Is.EqualTo((uint)v.ULong("seq")));
        Assert.That(ah.Reserved, Is.Zero);
        Assert.That(ah.Icv.Length, Is.EqualTo(icv.Length + v.Int("ah_padding_len")));
        Assert.That(ah.Icv[..icv.Length].ToArray(), Is.EqualTo(icv));
        Assert.That(ah.Header.Length + ah.Payload.Length, Is.EqualTo(bytes.Length - ahOffset));
        Assert.That(AhHeader.GetHeaderLength(icv.Length, isIPv6), Is.EqualTo(ah.HeaderLength));
        Assert.That(AhHeader.GetPayloadLength(ah.HeaderLength), Is.EqualTo(ah.PayloadLength));

        AhHeader header = ah.ToHeader();
        byte[] output = WirePackets.Poisoned(13);
        Assert.That(header.TryWrite(output), Is.True);
        Assert.That(output.AsSpan(0, 12).ToArray(), Is.EqualTo(bytes.AsSpan(ahOffset, 12).ToArray()));
        Assert.That(output[12], Is.EqualTo(0xA5));
        Assert.That(AhHeader.TryRead(output, out AhHeader again), Is.True);
        Assert.That(again, Is.EqualTo(header));
    }

    [Test]
    public void ParsesIPv4OptionsAhByHand()
    {
        // AH at 36: 06 04 0000 0000a006 00000006 06d5bfc96545c8f5f362b6be, then TCP c001 0050 ...
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4OptionsAh);
        Assert.That(AhPacket.TryCreate(bytes.AsSpan(36), false, out AhPacket ah), Is.True);
        Assert.That(ah.NextHeader, Is.EqualTo(IPProtocol.Tcp));
        Assert.That(ah.PayloadLength, Is.EqualTo(4));
        Assert.That(ah.HeaderLength, Is.EqualTo(24));
        Assert.That(ah.Spi, Is.EqualTo(0xa006u));
        Assert.That(ah.SequenceNumber, Is.EqualTo(6u));
        Assert.That(ah.Icv.ToArray(), Is.EqualTo(WirePackets.Bytes("06d5bfc96545c8f5f362b6be")));
        Assert.That(ah.Payload.Length, Is.EqualTo(40));
        Assert.That(ah.Payload[0], Is.EqualTo(0xc0));
        Assert.That(ah.ToHeader().ToString(), Does.Contain("spi 0x0000a006"));
    }

    [Test]
    public void RejectsEveryTruncationShortHeadersAndIPv6Misalignment()
    {
        byte[] ah = WirePackets.Bytes(WirePackets.IPv4OptionsAh).AsSpan(36, 24).ToArray();
        for (int length = 0; length < ah.Length; length++)
        {
            Assert.That(AhPacket.TryCreate(ah.AsSpan(0, length), false, out AhPacket packet), Is.False, $"length {length}");
            Assert.That(packet.Packet.IsEmpty, Is.True);
            Assert.That(AhHeader.TryRead(ah.AsSpan(0, length), out _), Is.EqualTo(length >= 12));
        }

        Assert.That(AhPacket.TryCreate(ah, true, out _), Is.True, "24 bytes is 8-aligned");
        ah[1] = 0; // 8 bytes: shorter than the fixed fields
        Assert.That(AhPacket.TryCreate(ah, false, out _), Is.False);
        ah[1] = 1; // 12 bytes: no ICV at all, allowed in IPv4, misaligned in IPv6
        Assert.That(AhPacket.TryCreate(ah, false, out AhPacket empty), Is.True);
        Assert.That(empty.Icv.IsEmpty, Is.True);
        Assert.That(AhPacket.TryCreate(ah.AsSpan(0, 12), false, out empty), Is.True, "a buffer of exactly the 12 fixed bytes");
        Assert.That(empty.Packet.Length, Is.EqualTo(12));
        Assert.That(AhPacket.TryCreate(ah, true, out _), Is.False);
        ah[1] = 5; // 28 bytes: longer than the buffer
        Assert.That(AhPacket.TryCreate(ah, false, out _), Is.False);
        Assert.That(AhPacket.TryCreate(new byte[28] { 0, 5, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, true, out _), Is.False, "28 is not a multiple of 8");
    }

    [TestCase(12, false, 24)]
    [TestCase(12, true, 24)]
    [TestCase(16, false, 28)]
    [TestCase(16, true, 32)]
    [TestCase(24, false, 36)]
    [TestCase(24, true, 40)]
    [TestCase(32, true, 48)]
    [TestCase(0, true, 16)]
    public void HeaderLengthForIcvSize(int icvSize, bool isIPv6, int expected)
    {
        Assert.That(AhHeader.GetHeaderLength(icvSize, isIPv6), Is.EqualTo(expected));
        Assert.That(AhHeader.GetPayloadLength(expected), Is.EqualTo((byte)((expected / 4) - 2)));
    }

    [Test]
    public void FieldLimits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AhHeader.GetHeaderLength(-1, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => AhHeader.GetHeaderLength(1017, false));
        Assert.That(AhHeader.GetHeaderLength(1016, false), Is.EqualTo(AhHeader.MaxHeaderLength));
        Assert.Throws<ArgumentOutOfRangeException>(() => AhHeader.GetPayloadLength(8));
        Assert.Throws<ArgumentOutOfRangeException>(() => AhHeader.GetPayloadLength(26));
        Assert.Throws<ArgumentOutOfRangeException>(() => AhHeader.GetPayloadLength(1032));
        Assert.That(new AhHeader(IPProtocol.Tcp, 255, 1, 2).HeaderLength, Is.EqualTo(1028));
        Assert.That(new AhHeader(IPProtocol.Tcp, 4, 1, 2).TryWrite(new byte[11]), Is.False);
    }

    [Test]
    public void NeverThrowsOnTruncatedOrBitFlippedInput()
    {
        byte[][] bases =
        {
            WirePackets.Bytes(WirePackets.IPv4OptionsAh).AsSpan(36).ToArray(), WirePackets.Bytes(WirePackets.IPv6ExtAh).AsSpan(72).ToArray(),
        };
        var random = new Random(4302);
        byte[] buffer = new byte[256];
        int accepted = 0;
        for (int i = 0; i < 100_000; i++)
        {
            int length = Fuzz.Mutate(random, bases[i % bases.Length], buffer);
            ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
            AhHeader.TryRead(input, out _);
            bool isIPv6 = (i & 2) != 0;
            if (AhPacket.TryCreate(input, isIPv6, out AhPacket ah))
            {
                accepted++;
                Assert.That(ah.HeaderLength, Is.GreaterThanOrEqualTo(12).And.LessThanOrEqualTo(length));
                Assert.That(ah.HeaderLength % (isIPv6 ? 8 : 4), Is.Zero);
                Assert.That(12 + ah.Icv.Length + ah.Payload.Length, Is.EqualTo(length));
            }
        }

        Assert.That(accepted, Is.InRange(1000, 99_000));
    }

    [Test]
    public void ViewReadAndWriteDoNotAllocate()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtAh);
        byte[] output = new byte[12];
        long allocated = Allocations.Measure(() =>
        {
            AhPacket.TryCreate(bytes.AsSpan(72), true, out AhPacket ah);
            _ = ah.Icv;
            _ = ah.Spi;
            AhHeader.TryRead(bytes.AsSpan(72), out AhHeader header);
            header.TryWrite(output);
        });
        Assert.That(allocated, Is.Zero);
    }
}
