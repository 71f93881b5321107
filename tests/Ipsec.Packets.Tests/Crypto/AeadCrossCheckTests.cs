using System;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Our AEAD and cipher transforms against the BCL's (OpenSSL-backed) primitives on random inputs, fixed seeds.</summary>
[Parallelizable(ParallelScope.All)]
public class AeadCrossCheckTests
{
    private static readonly int[] Lengths = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256, 511, 1400, 1500, 4097, 9000];

    [TestCase(16, 16, false)]
    [TestCase(24, 12, false)]
    [TestCase(32, 8, false)]
    [TestCase(16, 16, true)]
    [TestCase(32, 12, true)]
    public void AesGcmMatchesTheBcl(int keySize, int tagSize, bool portable)
    {
        var random = new Random(keySize * 100 + tagSize);
        foreach (int length in Lengths)
        {
            byte[] keymat = Bytes(random, keySize + 4), iv = Bytes(random, 8), aad = Bytes(random, random.Next(0, 40)), plaintext = Bytes(random, length);
            using var ours = new AesGcmTransform(keymat, tagSize, portable);
            var ciphertext = new byte[length];
            var tag = new byte[tagSize];
            int split = random.Next(0, aad.Length + 1);
            ours.Seal(iv, aad.AsSpan(0, split), aad.AsSpan(split), plaintext, ciphertext, tag);

            // The BCL's smallest GCM tag is 12 bytes: a short ICV is the full tag truncated (RFC 4106 §6).
            using var bcl = new AesGcm(keymat.AsSpan(0, keySize), 16);
            var expected = new byte[length];
            var expectedTag = new byte[16];
            bcl.Encrypt(Concat(keymat.AsSpan(keySize).ToArray(), iv), plaintext, expected, expectedTag, aad);
            Assert.That(ciphertext, Is.EqualTo(expected), $"length {length}");
            Assert.That(tag, Is.EqualTo(expectedTag[..tagSize]), $"length {length}");
        }
    }

    [TestCase(16, 16)]
    [TestCase(24, 8)]
    [TestCase(32, 12)]
    public void AesCcmMatchesTheBcl(int keySize, int tagSize)
    {
        var random = new Random(keySize * 10 + tagSize);
        foreach (int length in Lengths)
        {
            byte[] keymat = Bytes(random, keySize + 3), iv = Bytes(random, 8), aad = Bytes(random, random.Next(0, 40)), plaintext = Bytes(random, length);
            using var ours = new AesCcmTransform(keymat, tagSize);
            var ciphertext = new byte[length];
            var tag = new byte[tagSize];
            int split = random.Next(0, aad.Length + 1);
            ours.Seal(iv, aad.AsSpan(0, split), aad.AsSpan(split), plaintext, ciphertext, tag);

            using var bcl = new AesCcm(keymat.AsSpan(0, keySize));
            var expected = new byte[length];
            var expectedTag = new byte[tagSize];
            bcl.Encrypt(Concat(keymat.AsSpan(keySize).ToArray(), iv), plaintext, expected, expectedTag, aad);
            Assert.That(ciphertext, Is.EqualTo(expected), $"length {length}");
            Assert.That(tag, Is.EqualTo(expectedTag), $"length {length}");
        }
    }

    [Test]
    public void ChaCha20Poly1305MatchesTheBcl()
    {
        var random = new Random(7634);
        foreach (int length in Lengths)
        {
            byte[] keymat = Bytes(random, 36), iv = Bytes(random, 8), aad = Bytes(random, random.Next(0, 40)), plaintext = Bytes(random, length);
            using var ours = new ChaCha20Poly1305Transform(keymat);
            var ciphertext = new byte[length];
            var tag = new byte[16];
            ours.Seal(iv, aad, default, plaintext, ciphertext, tag);

            using var bcl = new ChaCha20Poly1305(keymat.AsSpan(0, 32));
            var expected = new byte[length];
            var expectedTag = new byte[16];
            bcl.Encrypt(Concat(keymat.AsSpan(32).ToArray(), iv), plaintext, expected, expectedTag, aad);
            Assert.That(ciphertext, Is.EqualTo(expected), $"length {length}");
            Assert.That(tag, Is.EqualTo(expectedTag), $"length {length}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AesCbcMatchesTheBcl(bool portable)
    {
        var random = new Random(3602);
        foreach (int blocks in new[] { 1, 2, 3, 4, 5, 8, 9, 90 })
        {
            byte[] key = Bytes(random, 16 + 8 * random.Next(0, 3)), iv = Bytes(random, 16), plaintext = Bytes(random, blocks * 16);
            using var ours = new AesCbcTransform(key, portable);
            var ciphertext = new byte[plaintext.Length];
            ours.Encrypt(iv, plaintext, ciphertext);
            using Aes bcl = Aes.Create();
            bcl.Key = key;
            Assert.That(ciphertext, Is.EqualTo(bcl.EncryptCbc(plaintext, iv, PaddingMode.None)), $"{blocks} blocks");
            ours.Decrypt(iv, ciphertext, ciphertext);
            Assert.That(ciphertext, Is.EqualTo(plaintext));
        }
    }

    [Test]
    public void TripleDesMatchesTheBcl()
    {
        var random = new Random(2451);
        byte[] key = Bytes(random, 24), iv = Bytes(random, 8), plaintext = Bytes(random, 64);
        using var ours = new TripleDesCbcTransform(key);
        var ciphertext = new byte[64];
        ours.Encrypt(iv, plaintext, ciphertext);
        using TripleDES bcl = TripleDES.Create();
        bcl.Key = key;
        Assert.That(ciphertext, Is.EqualTo(bcl.EncryptCbc(plaintext, iv, PaddingMode.None)));
        ours.Decrypt(iv, ciphertext, ciphertext);
        Assert.That(ciphertext, Is.EqualTo(plaintext));
    }

    [Test]
    public void CbcIvsAreUnpredictableAndNeverRepeat()
    {
        byte[] key = new byte[16];
        using var a = new AesCbcTransform(key);
        using var b = new AesCbcTransform(key);
        var seen = new System.Collections.Generic.HashSet<string>();
        var iv = new byte[16];
        for (ulong seq = 1; seq <= 1000; seq++)
        {
            a.CreateIv(seq, iv);
            Assert.That(seen.Add(Convert.ToHexString(iv)), Is.True);
            b.CreateIv(seq, iv);
            Assert.That(seen.Add(Convert.ToHexString(iv)), Is.True, "another SA with the same key gets other IVs");
        }
    }

    [Test]
    public void TransformsDoNotAllocateAndRejectForgeriesWithoutWriting()
    {
        var transforms = new AeadTransform[]
        {
            new AesGcmTransform(new byte[20], 16), new AesGcmTransform(new byte[36], 8, forceSoftware: true),
            new AesCcmTransform(new byte[19], 16), new AesCcmTransform(new byte[35], 8, forceSoftware: true),
            new ChaCha20Poly1305Transform(new byte[36]),
        };
        byte[] data = new byte[1400], output = new byte[1400], tag = new byte[16], iv = new byte[8], aad = new byte[12];
        foreach (AeadTransform t in transforms)
        {
            using (t)
            {
                Assert.That(Allocations.Measure(() => t.Seal(iv, aad, default, data, output, tag.AsSpan(0, t.IcvSize))), Is.Zero, t.GetType().Name);
                Assert.That(Allocations.Measure(() => t.TryOpen(iv, aad, default, output, tag.AsSpan(0, t.IcvSize), data)), Is.Zero);
                output[5] ^= 1;
                Array.Fill(data, (byte)0x5A);
                Assert.That(Allocations.Measure(() => t.TryOpen(iv, aad, default, output, tag.AsSpan(0, t.IcvSize), data)), Is.Zero);
                Assert.That(t.TryOpen(iv, aad, default, output, tag.AsSpan(0, t.IcvSize), data), Is.False);
                Assert.That(data, Is.All.EqualTo(0x5A));
                output[5] ^= 1;

                // In place.
                t.Seal(iv, aad, default, data, data, tag.AsSpan(0, t.IcvSize));
                Assert.That(t.TryOpen(iv, aad, default, data, tag.AsSpan(0, t.IcvSize), data), Is.True);
                Assert.That(data, Is.All.EqualTo(0x5A));
            }
        }
    }

    [Test]
    public void DisposeZeroesTheKey()
    {
        byte[] key = new byte[16];
        new Random(1).NextBytes(key);
        var cbc = new AesCbcTransform(key);
        Ipsec.Packets.Crypto.Primitives.AesBlockCipher aes = cbc.Cipher;
        Assert.That(aes.Key.ToArray(), Is.EqualTo(key));
        cbc.Dispose();
        Assert.That(aes.Key.ToArray(), Is.All.Zero);
        byte[] chachaKey = new byte[36];
        Array.Fill(chachaKey, (byte)9);
        var chacha = new ChaCha20Poly1305Transform(chachaKey);
        chacha.Dispose();
        Assert.That(chacha.Key.ToArray(), Is.All.Zero);
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Concat(byte[] a, byte[] b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result, 0);
        b.CopyTo(result, a.Length);
        return result;
    }
}
