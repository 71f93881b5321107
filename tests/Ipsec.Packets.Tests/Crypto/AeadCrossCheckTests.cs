using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Random keys, lengths 0..2000 and AAD splits, checked against the BCL's AesGcm, AesCcm and ChaCha20Poly1305.</summary>
public class AeadCrossCheckTests
{
    public static IEnumerable<TestCaseData> Algorithms()
    {
        foreach (EncryptionAlgorithm algorithm in EncryptionAlgorithm.All.ToArray())
        {
            if (!algorithm.IsAead)
            {
                continue;
            }

            foreach (int bits in algorithm.KeySizesInBits.ToArray())
            {
                foreach (Engine engine in new[] { Engine.Hardware, Engine.Software })
                {
                    yield return new TestCaseData(algorithm, bits, engine).SetName($"{algorithm.Name}-{bits}-{engine}");
                }
            }
        }
    }

    private static readonly int[] s_lengths = [0, 1, 3, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 79, 80, 111, 112, 127, 128, 129, 143, 144, 255, 256, 257, 1400, 1500, 2000];

    [TestCaseSource(nameof(Algorithms))]
    public void MatchesTheBcl(EncryptionAlgorithm algorithm, int keyBits, Engine engine)
    {
        if (algorithm == EncryptionAlgorithm.ChaCha20Poly1305 && !System.Security.Cryptography.ChaCha20Poly1305.IsSupported)
        {
            Assert.Ignore("The BCL has no ChaCha20-Poly1305 on this platform.");
        }

        var random = new Random(4106 + keyBits + (int)algorithm.TransformId);
        byte[] keymat = new byte[keyBits / 8 + algorithm.SaltSize];
        random.NextBytes(keymat);
        using AeadTransform aead = EngineScope.Create(engine, () => AeadFactory.Create(algorithm, keymat));
        byte[] key = keymat.AsSpan(0, keyBits / 8).ToArray();
        byte[] salt = keymat.AsSpan(keyBits / 8).ToArray();

        var lengths = new List<int>(s_lengths);
        for (int i = 0; i < 40; i++)
        {
            lengths.Add(random.Next(0, 2001));
        }

        foreach (int length in lengths)
        {
            int textLength = algorithm.IsAuthenticationOnly ? 0 : length;
            int aadLength = algorithm.IsAuthenticationOnly ? length + 8 : random.Next(0, 41);
            byte[] iv = new byte[8];
            byte[] aad = new byte[aadLength];
            byte[] plaintext = new byte[textLength];
            random.NextBytes(iv);
            random.NextBytes(aad);
            random.NextBytes(plaintext);
            int split = random.Next(0, aadLength + 1);

            byte[] expectedCiphertext = new byte[textLength];
            byte[] expectedTag = Reference(algorithm, key, [.. salt, .. iv], aad, plaintext, expectedCiphertext);

            byte[] ciphertext = new byte[textLength];
            byte[] tag = new byte[algorithm.IcvSize];
            aead.Seal(iv, aad.AsSpan(0, split), aad.AsSpan(split), plaintext, ciphertext, tag);
            Assert.That(ciphertext, Is.EqualTo(expectedCiphertext), $"ciphertext, length {length}, AAD {aadLength} split {split}");
            Assert.That(tag, Is.EqualTo(expectedTag), $"tag, length {length}, AAD {aadLength} split {split}");

            byte[] opened = new byte[textLength];
            Assert.That(aead.TryOpen(iv, aad.AsSpan(0, split), aad.AsSpan(split), ciphertext, tag, opened), Is.True);
            Assert.That(opened, Is.EqualTo(plaintext));
        }
    }

    [TestCase(0xFEFF, Engine.Hardware)]
    [TestCase(0xFF00, Engine.Hardware)]
    [TestCase(70000, Engine.Hardware)]
    [TestCase(0xFF00, Engine.Software)]
    public void CcmLongAadUsesTheSixByteLengthPrefix(int aadLength, Engine engine)
    {
        var random = new Random(aadLength);
        byte[] keymat = new byte[19];
        byte[] iv = new byte[8];
        byte[] aad = new byte[aadLength];
        byte[] plaintext = new byte[100];
        random.NextBytes(keymat);
        random.NextBytes(iv);
        random.NextBytes(aad);
        random.NextBytes(plaintext);
        using AeadTransform aead = EngineScope.Create(engine, () => AeadFactory.Create(EncryptionAlgorithm.AesCcm16, keymat));
        byte[] ciphertext = new byte[plaintext.Length];
        byte[] tag = new byte[16];
        aead.Seal(iv, aad.AsSpan(0, 13), aad.AsSpan(13), plaintext, ciphertext, tag);
        byte[] expectedCiphertext = new byte[plaintext.Length];
        byte[] expectedTag = Reference(EncryptionAlgorithm.AesCcm16, keymat.AsSpan(0, 16).ToArray(), [.. keymat.AsSpan(16), .. iv], aad, plaintext, expectedCiphertext);
        Assert.That(ciphertext, Is.EqualTo(expectedCiphertext));
        Assert.That(tag, Is.EqualTo(expectedTag));
    }

    /// <summary>The BCL's result for the same inputs, its tag truncated to the ICV size.</summary>
    private static byte[] Reference(EncryptionAlgorithm algorithm, byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, byte[] ciphertext)
    {
        byte[] fullTag = new byte[16];
        switch (algorithm.TransformId)
        {
            case EncryptionTransformId.AesGcm8 or EncryptionTransformId.AesGcm12 or EncryptionTransformId.AesGcm16 or EncryptionTransformId.NullAuthAesGmac:
                using (var gcm = new AesGcm(key, 16))
                {
                    gcm.Encrypt(nonce, plaintext, ciphertext, fullTag, aad);
                }

                break;
            case EncryptionTransformId.AesCcm8 or EncryptionTransformId.AesCcm12 or EncryptionTransformId.AesCcm16:
                using (var ccm = new AesCcm(key))
                {
                    byte[] tag = new byte[algorithm.IcvSize];
                    ccm.Encrypt(nonce, plaintext, ciphertext, tag, aad);
                    return tag;
                }

            case EncryptionTransformId.ChaCha20Poly1305:
                using (var chacha = new System.Security.Cryptography.ChaCha20Poly1305(key))
                {
                    chacha.Encrypt(nonce, plaintext, ciphertext, fullTag, aad);
                }

                break;
            default:
                throw new AssertionException("not an AEAD");
        }

        return fullTag.AsSpan(0, algorithm.IcvSize).ToArray();
    }
}
