using System;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Partial blocks in registers: the byte masks and the zero-padded loads at every length, at the end of a buffer.</summary>
public class VectorMasksTests
{
    [Test]
    public void FirstBytesMasksExactlyTheCount()
    {
        for (int count = 0; count <= 16; count++)
        {
            byte[] mask = new byte[16];
            VectorMasks.FirstBytes(count).CopyTo(mask);
            for (int i = 0; i < 16; i++)
            {
                Assert.That(mask[i], Is.EqualTo(i < count ? 0xFF : 0), $"count {count}, byte {i}");
            }
        }
    }

    [Test]
    public void LoadPartialBlockZeroPadsEveryLengthWithoutReadingPastTheSpan()
    {
        var random = new Random(16);
        for (int length = 0; length < 16; length++)
        {
            // The bytes sit at the very end of the array, so a read past the span would read past the array.
            byte[] buffer = new byte[length];
            random.NextBytes(buffer);
            byte[] expected = new byte[16];
            buffer.CopyTo(expected, 0);
            Assert.That(VectorMasks.LoadPartialBlock(buffer), Is.EqualTo(Vector128.Create(expected)), $"length {length}");

            byte[] framed = new byte[length + 32];
            random.NextBytes(framed);
            Assert.That(
                VectorMasks.LoadPartialBlock(framed.AsSpan(16, length)),
                Is.EqualTo(Vector128.Create(Pad(framed.AsSpan(16, length)))),
                $"length {length} between other bytes");
        }
    }

    private static byte[] Pad(ReadOnlySpan<byte> bytes)
    {
        byte[] block = new byte[16];
        bytes.CopyTo(block);
        return block;
    }
}
