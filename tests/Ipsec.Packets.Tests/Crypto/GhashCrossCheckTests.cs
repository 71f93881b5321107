using System;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// The GHASH this CPU chooses (PCLMULQDQ on x86/x64, PMULL on ARM64) against the portable GHASH: every ciphertext length
/// 0..600 (each tail of the four-block aggregation and of the padding), long inputs, AAD split at every point, and the
/// four-piece AAD-only entry of AH-GMAC.
/// </summary>
public class GhashCrossCheckTests
{
    private static (GhashKey Chosen, GhashKey Portable) Keys(Random random)
    {
        byte[] h = new byte[16];
        random.NextBytes(h);
        Vector128<byte> subkey = Vector128.Create(h);
        return (GhashKey.Create(subkey), EngineScope.Create(Engine.Software, () => GhashKey.Create(subkey)));
    }

    [Test]
    public void EveryLengthUpTo600MatchesThePortableGhash()
    {
        var random = new Random(38);
        (GhashKey chosen, GhashKey portable) = Keys(random);
        using (chosen)
        using (portable)
        {
            Assert.That(chosen.Core, Is.EqualTo(CryptoEngine.SupportedCarrylessMultiply));
            byte[] data = new byte[600];
            byte[] aad = new byte[40];
            random.NextBytes(data);
            random.NextBytes(aad);
            for (int length = 0; length <= data.Length; length++)
            {
                int aadLength = length % (aad.Length + 1);
                int split = length % (aadLength + 1);
                ReadOnlySpan<byte> head = aad.AsSpan(0, split), tail = aad.AsSpan(split, aadLength - split), text = data.AsSpan(0, length);
                Assert.That(chosen.Compute(head, tail, text), Is.EqualTo(portable.Compute(head, tail, text)), $"length {length}, AAD {aadLength} split at {split}");
            }
        }
    }

    [TestCase(1024)]
    [TestCase(9000)]
    [TestCase(65536)]
    public void LongInputsMatchThePortableGhash(int length)
    {
        var random = new Random(length);
        (GhashKey chosen, GhashKey portable) = Keys(random);
        using (chosen)
        using (portable)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.That(chosen.Compute(data.AsSpan(0, 13), data.AsSpan(13, 20), data.AsSpan(33)), Is.EqualTo(portable.Compute(data.AsSpan(0, 13), data.AsSpan(13, 20), data.AsSpan(33))));
        }
    }

    [Test]
    public void FourPieceAadMatchesThePortableGhash()
    {
        var random = new Random(4543);
        (GhashKey chosen, GhashKey portable) = Keys(random);
        using (chosen)
        using (portable)
        {
            byte[] data = new byte[300];
            random.NextBytes(data);
            for (int length = 0; length <= data.Length; length += 7)
            {
                int a = length / 4, b = length / 3;
                ReadOnlySpan<byte> all = data.AsSpan(0, length);
                ReadOnlySpan<byte> p0 = all[..a], p1 = all[a..b], p2 = all[b..^(length / 8)], p3 = all[^(length / 8)..];
                Assert.That(chosen.ComputeAadOnly(p0, p1, p2, p3), Is.EqualTo(portable.ComputeAadOnly(p0, p1, p2, p3)), $"length {length}");
            }
        }
    }
}
