using System;
using System.Buffers.Binary;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class InternetChecksumTests
{
    [Test]
    public void MatchesReferenceOnRandomInputsOfEveryLengthAndAlignment()
    {
        var random = new Random(1071);
        byte[] buffer = new byte[2100];
        for (int i = 0; i < 6_000; i++)
        {
            int length = i < 300 ? i : random.Next(0, 2048);
            int offset = random.Next(0, 8);
            random.NextBytes(buffer);
            if (i % 7 == 0)
            {
                buffer.AsSpan().Fill(0xFF); // carries everywhere
            }

            ReadOnlySpan<byte> data = buffer.AsSpan(offset, length);
            Assert.That(InternetChecksum.Compute(data), Is.EqualTo(WirePackets.ReferenceChecksum(data)), $"length {length} offset {offset}");
        }
    }

    [Test]
    public void ChainedEvenPiecesEqualWholeSum()
    {
        var random = new Random(7);
        byte[] data = new byte[999];
        random.NextBytes(data);
        for (int split = 0; split < data.Length; split += 2)
        {
            uint partial = InternetChecksum.Accumulate(data.AsSpan(0, split));
            ushort chained = InternetChecksum.Finish(InternetChecksum.Accumulate(data.AsSpan(split), partial));
            Assert.That(chained, Is.EqualTo(WirePackets.ReferenceChecksum(data)));
        }
    }

    [TestCase(0u, 0xFFFF)]
    [TestCase(0xFFFFu, 0x0000)]
    [TestCase(0x1FFFEu, 0x0000)]
    [TestCase(0x10000u, 0xFFFE)]
    [TestCase(0x2FFFDu, 0x0000)]
    [TestCase(0x12345u, 0xDCB9)]
    [TestCase(0xFFFEFFFFu, 0x0001)]
    [TestCase(0xFFFFFFFFu, 0x0000)]
    [TestCase(0x80000000u, 0x7FFF)]
    [TestCase(0x1FFFFu, 0xFFFE)]
    public void FinishFoldsAnyThirtyTwoBitSum(uint sum, int expected)
    {
        // Header writers pass sums of several fields, unfolded: the two 16-bit folds must take any uint to 16 bits with
        // every carry added back (0x1FFFE folds to 0xFFFF, whose complement is 0).
        Assert.That(InternetChecksum.Finish(sum), Is.EqualTo((ushort)expected));
        Assert.That(InternetChecksum.Finish(sum), Is.EqualTo(ReferenceFinish(sum)), "against a loop that folds until 16 bits");
    }

    [Test]
    public void FinishMatchesAFoldLoopOnRandomSums()
    {
        var random = new Random(1141);
        for (int i = 0; i < 100_000; i++)
        {
            uint sum = (uint)random.NextInt64(0, 1L << 32);
            Assert.That(InternetChecksum.Finish(sum), Is.EqualTo(ReferenceFinish(sum)), $"sum {sum:X8}");
        }
    }

    private static ushort ReferenceFinish(uint sum)
    {
        ulong folded = sum;
        while (folded > 0xFFFF)
        {
            folded = (folded & 0xFFFF) + (folded >> 16);
        }

        return (ushort)~folded;
    }

    [TestCase("450000461c4640004006321ac000020ac6336414", 0x321a)]
    [TestCase("4928004c200140004006855fc000020ac633641494040000070b08c00002010000000000", 0x855f)]
    [TestCase("45000084077700004011faedcb007101cb007102", 0xfaed)]
    public void RealIPv4HeadersVerifyAndRecompute(string hex, int expected)
    {
        byte[] header = WirePackets.Bytes(hex);
        Assert.That(InternetChecksum.IsValid(header), Is.True);
        header[10] = 0;
        header[11] = 0;
        Assert.That(InternetChecksum.Compute(header), Is.EqualTo((ushort)expected));
    }

    [Test]
    public void IncrementalUpdateMatchesRecomputeForWordAndDoubleWordChanges()
    {
        var random = new Random(1624);
        byte[] header = new byte[20];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(header);
            header[10] = 0;
            header[11] = 0;
            ushort checksum = WirePackets.ReferenceChecksum(header);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), checksum);

            if (i % 2 == 0)
            {
                int offset = random.Next(0, 5) * 2; // a word before the checksum
                ushort old = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(offset));
                ushort value = (ushort)random.Next(0, 0x10000);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(offset), value);
                checksum = InternetChecksum.Update(checksum, old, value);
            }
            else
            {
                int offset = random.Next(0, 2) == 0 ? 12 : 16;
                uint old = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(offset));
                uint value = (uint)random.NextInt64(0, 1L << 32);
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(offset), value);
                checksum = InternetChecksum.Update(checksum, old, value);
            }

            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), checksum);
            Assert.That(InternetChecksum.IsValid(header), Is.True, $"iteration {i}");
        }
    }

    [Test]
    public void Rfc1071WorkedExample()
    {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (before the complement).
        byte[] data = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
        Assert.That(InternetChecksum.Accumulate(data), Is.EqualTo(0xddf2u));
        Assert.That(InternetChecksum.Compute(data), Is.EqualTo((ushort)0x220d));
    }

    [Test]
    public void DoesNotAllocate()
    {
        byte[] data = new byte[1500];
        new Random(3).NextBytes(data);
        long bytes = Allocations.Measure(() =>
        {
            InternetChecksum.Compute(data);
            InternetChecksum.Update(0x1234, (ushort)1, (ushort)2);
            InternetChecksum.Update(0x1234, 1u, 2u);
        });
        Assert.That(bytes, Is.Zero);
    }
}
