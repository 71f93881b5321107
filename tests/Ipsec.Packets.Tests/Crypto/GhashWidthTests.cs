using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// The carry-less GHASH at each width it can take: sixteen blocks per step (512-bit VPCLMULQDQ), eight (256-bit) and four
/// (128-bit PCLMULQDQ, the path for CPUs without VPCLMULQDQ), each against the BCL's AES-GCM at every length 0..2200 and
/// against the portable GHASH; the open in one pass, in place and verifying first.
/// </summary>
[NonParallelizable]
public class GhashWidthTests
{
    private static readonly object s_gate = new();

    private static int ExpectedWidth(int limit)
    {
        int cpu = Pclmulqdq.V512.IsSupported && Avx512BW.IsSupported ? 16 : Pclmulqdq.V256.IsSupported && Avx2.IsSupported ? 8 : 4;
        return Math.Min(cpu, limit);
    }

    private static T WithLimit<T>(int limit, Func<T> create)
    {
        lock (s_gate)
        {
            int previous = GhashClmul.WideBlocksLimit;
            GhashClmul.WideBlocksLimit = limit;
            try
            {
                return create();
            }
            finally
            {
                GhashClmul.WideBlocksLimit = previous;
            }
        }
    }

    private static void RequireClmul()
    {
        if (CryptoEngine.SupportedCarrylessMultiply != CarrylessMultiply.Pclmulqdq)
        {
            Assert.Ignore("This CPU has no PCLMULQDQ: the x86 carry-less GHASH does not run here (GhashCrossCheckTests covers PMULL).");
        }
    }

    [TestCase(16)]
    [TestCase(8)]
    [TestCase(4)]
    public void TakesTheWidestPathTheCpuAndTheLimitAllow(int limit)
    {
        RequireClmul();
        using var ghash = WithLimit(limit, () => new GhashClmul(Vector128.Create((byte)1)));
        Assert.That(ghash.WideBlocks, Is.EqualTo(ExpectedWidth(limit)));
    }

    [TestCase(16, 128)]
    [TestCase(8, 128)]
    [TestCase(4, 128)]
    [TestCase(16, 256)]
    [TestCase(8, 256)]
    [TestCase(4, 256)]
    public void AesGcmMatchesTheBclAtEveryLength(int limit, int keyBits)
    {
        RequireClmul();
        var random = new Random(limit * 1000 + keyBits);
        byte[] keymat = new byte[keyBits / 8 + 4];
        random.NextBytes(keymat);
        using AeadTransform aead = WithLimit(limit, () => AeadFactory.Create(EncryptionAlgorithm.AesGcm16, keymat));
        using var bcl = new AesGcm(keymat.AsSpan(0, keyBits / 8), 16);
        byte[] iv = new byte[8];
        byte[] nonce = new byte[12];
        keymat.AsSpan(keyBits / 8).CopyTo(nonce);
        for (int length = 0; length <= 2200; length++)
        {
            random.NextBytes(iv);
            iv.CopyTo(nonce, 4);
            byte[] aad = new byte[length % 3 == 0 ? 8 : length % 3 == 1 ? 12 : 300];
            random.NextBytes(aad);
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);
            byte[] expected = new byte[length];
            byte[] expectedTag = new byte[16];
            bcl.Encrypt(nonce, plaintext, expected, expectedTag, aad);

            byte[] ciphertext = new byte[length];
            byte[] tag = new byte[16];
            aead.Seal(iv, aad.AsSpan(0, 4), aad.AsSpan(4), plaintext, ciphertext, tag);
            if (!ciphertext.AsSpan().SequenceEqual(expected) || !tag.AsSpan().SequenceEqual(expectedTag))
            {
                Assert.Fail($"AES-GCM-{keyBits} differs from the BCL at length {length} (AAD {aad.Length}) with {ExpectedWidth(limit)} blocks per GHASH step");
            }

            byte[] opened = new byte[length];
            Assert.That(aead.TryOpen(iv, aad.AsSpan(0, 4), aad.AsSpan(4), ciphertext, tag, opened), Is.True, $"open at length {length}");
            Assert.That(opened, Is.EqualTo(plaintext), $"plaintext at length {length}");
            byte[] inPlace = (byte[])ciphertext.Clone();
            Assert.That(aead.TryOpen(iv, aad.AsSpan(0, 4), aad.AsSpan(4), inPlace, tag, inPlace), Is.True, $"open in place at length {length}");
            Assert.That(inPlace, Is.EqualTo(plaintext), $"plaintext in place at length {length}");
            byte[] verifiedFirst = new byte[length];
            Assert.That(aead.TryOpenVerifyingFirst(iv, aad.AsSpan(0, 4), aad.AsSpan(4), ciphertext, tag, verifiedFirst), Is.True, $"open verifying first at length {length}");
            Assert.That(verifiedFirst, Is.EqualTo(plaintext), $"plaintext verified first at length {length}");

            // A forged tag: a separate destination holds no plaintext (the short path leaves it untouched, one pass clears
            // what it decrypted while hashing); an in-place ciphertext is left exactly as it came (hashed, not decrypted).
            tag[length % 16] ^= 0x40;
            opened.AsSpan().Fill(0xA5);
            Assert.That(aead.TryOpen(iv, aad.AsSpan(0, 4), aad.AsSpan(4), ciphertext, tag, opened), Is.False, $"forged tag at length {length}");
            Assert.That(
                opened.AsSpan().IndexOfAnyExcept((byte)0) == -1 || opened.AsSpan().IndexOfAnyExcept((byte)0xA5) == -1, Is.True,
                $"destination untouched or cleared after a forged tag at length {length}");
            verifiedFirst.AsSpan().Fill(0xA5);
            Assert.That(aead.TryOpenVerifyingFirst(iv, aad.AsSpan(0, 4), aad.AsSpan(4), ciphertext, tag, verifiedFirst), Is.False, $"forged tag verifying first at length {length}");
            Assert.That(verifiedFirst.AsSpan().IndexOfAnyExcept((byte)0xA5), Is.EqualTo(-1), $"nothing written before the forged tag was found at length {length}");
            inPlace = (byte[])ciphertext.Clone();
            Assert.That(aead.TryOpen(iv, aad.AsSpan(0, 4), aad.AsSpan(4), inPlace, tag, inPlace), Is.False, $"forged tag in place at length {length}");
            Assert.That(inPlace, Is.EqualTo(ciphertext), $"ciphertext untouched after a forged tag in place at length {length}");
        }
    }

    [TestCase(16)]
    [TestCase(8)]
    public void WideGhashMatchesThePortableGhashOnLongInputs(int limit)
    {
        RequireClmul();
        var random = new Random(limit);
        byte[] h = new byte[16];
        random.NextBytes(h);
        Vector128<byte> subkey = Vector128.Create(h);
        using var wide = WithLimit(limit, () => new GhashClmul(subkey));
        using GhashKey portable = EngineScope.Create(Engine.Software, () => GhashKey.Create(subkey));
        foreach (int length in new[] { 127, 128, 129, 255, 256, 257, 511, 512, 1024, 4096, 9000, 65536 })
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            byte[] aad = new byte[random.Next(0, 600)];
            random.NextBytes(aad);
            Assert.That(wide.Compute(aad, default, data), Is.EqualTo(portable.Compute(aad, default, data)), $"ciphertext of {length} bytes");
            Assert.That(wide.ComputeAadOnly(data, aad, default, default), Is.EqualTo(portable.ComputeAadOnly(data, aad, default, default)), $"AAD of {length} bytes");
        }
    }
}
