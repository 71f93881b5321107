using System;
using System.Linq;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class EspCodecTests
{
    [TestCase("0000432100000001", 0x4321u, 1u)]
    [TestCase("ffffffff80000000", 0xFFFFFFFFu, 0x80000000u)]
    public void HeaderParsesTheTwoFields(string hex, uint spi, uint seq)
    {
        Assert.That(EspHeader.TryRead(Convert.FromHexString(hex), out EspHeader header), Is.True);
        Assert.That(header.Spi, Is.EqualTo(spi));
        Assert.That(header.SequenceNumber, Is.EqualTo(seq));
        Assert.That(EspHeader.TryReadSpi(Convert.FromHexString(hex), out uint onlySpi), Is.True);
        Assert.That(onlySpi, Is.EqualTo(spi));
    }

    [Test]
    public void HeaderWritesIntoAPoisonedBufferAndRoundTrips()
    {
        var buffer = Enumerable.Repeat((byte)0xA5, 12).ToArray();
        var header = new EspHeader(0x01020304, 0x0A0B0C0D);
        Assert.That(header.TryWrite(buffer), Is.True);
        Assert.That(Convert.ToHexString(buffer), Is.EqualTo("010203040A0B0C0DA5A5A5A5"));
        Assert.That(EspHeader.TryRead(buffer, out EspHeader back), Is.True);
        Assert.That(back, Is.EqualTo(header));
        Assert.That(header.TryWrite(new byte[7]), Is.False);
    }

    [Test]
    public void HeaderRefusesEveryTruncation()
    {
        byte[] bytes = Convert.FromHexString("0000432100000001");
        for (int length = 0; length < EspHeader.Length; length++)
        {
            Assert.That(EspHeader.TryRead(bytes.AsSpan(0, length), out EspHeader header), Is.False);
            Assert.That(header, Is.EqualTo(default(EspHeader)));
        }

        Assert.That(EspHeader.TryReadSpi(bytes.AsSpan(0, 3), out _), Is.False);
    }

    [Test]
    public void PacketViewSplitsHeaderIvDataAndIcv()
    {
        // SPI, seq, 8-byte IV, 16 bytes of data, 12-byte ICV.
        byte[] packet = Enumerable.Range(0, 8 + 8 + 16 + 12).Select(i => (byte)i).ToArray();
        Assert.That(EspPacket.TryCreate(packet, ivSize: 8, icvSize: 12, blockSize: 16, out EspPacket view), Is.True);
        Assert.That(view.Spi, Is.EqualTo(0x00010203u));
        Assert.That(view.SequenceNumber, Is.EqualTo(0x04050607u));
        Assert.That(view.Iv.ToArray(), Is.EqualTo(packet[8..16]));
        Assert.That(view.EncryptedData.ToArray(), Is.EqualTo(packet[16..32]));
        Assert.That(view.Icv.ToArray(), Is.EqualTo(packet[32..]));
        Assert.That(view.AuthenticatedData.ToArray(), Is.EqualTo(packet[..32]));
        Assert.That(view.EncryptedDataOffset, Is.EqualTo(16));
    }

    [Test]
    public void PacketViewRefusesTruncationAndMisalignment()
    {
        var packet = new byte[8 + 16 + 32 + 16];
        for (int length = 0; length < 8 + 16 + 2 + 16; length++)
        {
            Assert.That(EspPacket.TryCreate(packet.AsSpan(0, length), 16, 16, 1, out _), Is.False, $"length {length}");
        }

        Assert.That(EspPacket.TryCreate(packet, 16, 16, 16, out _), Is.True);
        Assert.That(EspPacket.TryCreate(packet.AsSpan(0, packet.Length - 1), 16, 16, 16, out _), Is.False, "not a whole number of blocks");
        Assert.Throws<ArgumentOutOfRangeException>(() => EspPacket.TryCreate(packet, -1, 16, 16, out _));
    }

    [TestCase(4)]
    [TestCase(8)]
    [TestCase(16)]
    [TestCase(3)]
    [TestCase(12)]
    public void PacketViewAcceptsExactlyTheWholeNumbersOfBlocks(int blockSize)
    {
        // Powers of two are checked with a mask, other sizes (a caller's own cipher) with a division: the same answers.
        var packet = new byte[8 + 8 + 100 + 12];
        for (int encrypted = 2; encrypted <= 100; encrypted++)
        {
            bool whole = encrypted % blockSize == 0;
            Assert.That(EspPacket.TryCreate(packet.AsSpan(0, 8 + 8 + encrypted + 12), 8, 12, blockSize, out EspPacket view), Is.EqualTo(whole), $"{encrypted} bytes");
            if (whole)
            {
                Assert.That(view.EncryptedData.Length, Is.EqualTo(encrypted));
            }
        }
    }

    [TestCase(0, 4, 2)]
    [TestCase(2, 4, 0)]
    [TestCase(13, 16, 1)]
    [TestCase(14, 16, 0)]
    [TestCase(15, 16, 15)]
    [TestCase(1, 8, 5)]
    [TestCase(0, 12, 10)]
    [TestCase(10, 12, 0)]
    [TestCase(11, 12, 11)]
    [TestCase(4, 6, 0)]
    public void PadLengthFillsWholeBlocks(int length, int alignment, int expected)
    {
        Assert.That(EspTrailer.GetPadLength(length, alignment), Is.EqualTo(expected));
        Assert.That((length + expected + 2) % alignment, Is.Zero);
    }

    [Test]
    public void TrailerWritesOneTwoThreePaddingAndReadsItBack()
    {
        var buffer = Enumerable.Repeat((byte)0xA5, 10 + 7).ToArray();
        Assert.That(new EspTrailer(5, 41).TryWrite(buffer.AsSpan(10)), Is.True);
        Assert.That(Convert.ToHexString(buffer, 10, 7), Is.EqualTo("01020304050529"));
        Assert.That(EspTrailer.TryRead(buffer, out EspTrailer trailer, out int payloadLength), Is.True);
        Assert.That(trailer.PadLength, Is.EqualTo(5));
        Assert.That(trailer.NextHeader, Is.EqualTo(41));
        Assert.That(payloadLength, Is.EqualTo(10));
        Assert.That(new EspTrailer(5, 41).TryWrite(new byte[6]), Is.False);
    }

    [Test]
    public void TrailerRejectsWrongPaddingAndImpossibleLengths()
    {
        byte[] good = Convert.FromHexString("AABB01020304050529");
        for (int i = 2; i < 7; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[i] ^= 0x10;
            Assert.That(EspTrailer.TryRead(bad, out _, out _), Is.False, $"padding byte {i - 2}");
        }

        Assert.That(EspTrailer.TryRead(Convert.FromHexString("0929"), out _, out _), Is.False, "pad length beyond the data");
        Assert.That(EspTrailer.TryRead(Convert.FromHexString("29"), out _, out _), Is.False);
        Assert.That(EspTrailer.TryRead(Convert.FromHexString("0006"), out EspTrailer t, out int len), Is.True);
        Assert.That((t.PadLength, t.NextHeader, len), Is.EqualTo(((byte)0, (byte)6, 0)));
    }

    [Test]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(4303);
        var buffer = new byte[96];
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(buffer.Length + 1);
            random.NextBytes(buffer);
            ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
            EspHeader.TryRead(input, out _);
            if (EspPacket.TryCreate(input, random.Next(0, 17), random.Next(0, 33), random.Next(1, 17), out EspPacket view))
            {
                Assert.That(view.Iv.Length + view.EncryptedData.Length + view.Icv.Length + 8, Is.EqualTo(length));
            }

            if (EspTrailer.TryRead(input, out EspTrailer trailer, out int payload))
            {
                Assert.That(payload + trailer.Length, Is.EqualTo(length));
            }
        }
    }

    [Test]
    public void CodecsDoNotAllocate()
    {
        byte[] packet = new byte[64];
        packet[^2] = 0;
        Assert.That(Allocations.Measure(() =>
        {
            EspHeader.TryRead(packet, out EspHeader h);
            h.TryWrite(packet);
            EspPacket.TryCreate(packet, 8, 16, 4, out EspPacket view);
            _ = view.EncryptedData;
            EspTrailer.TryRead(packet, out _, out _);
            new EspTrailer(3, 4).TryWrite(packet.AsSpan(10));
        }), Is.Zero);
    }
}
