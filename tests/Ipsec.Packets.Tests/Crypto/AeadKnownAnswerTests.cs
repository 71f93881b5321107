using System;
using System.Collections.Generic;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Every AEAD vector of cipher-kat.json and esp-rfc.json, both directions, through both engine paths.</summary>
public class AeadKnownAnswerTests
{
    private static IEnumerable<TestCaseData> Cases(string file, Func<Vector, bool> filter)
    {
        foreach (TestCaseData data in VectorFile.Cases(file, filter))
        {
            var v = (Vector)data.Arguments[0]!;
            yield return new TestCaseData(v, Engine.Hardware).SetName(v.Id + "-hw");
            yield return new TestCaseData(v, Engine.Software).SetName(v.Id + "-sw");
        }
    }

    public static IEnumerable<TestCaseData> EspLayoutVectors() => Cases("cipher-kat.json", v =>
        v.Str("primitive") is "AES-GCM" or "CHACHA20-POLY1305" || (v.Str("primitive") == "AES-CCM" && v.Has("keymat_hex")));

    public static IEnumerable<TestCaseData> GenericCcmVectors() => Cases("cipher-kat.json", v =>
        v.Str("primitive") == "AES-CCM" && !v.Has("keymat_hex"));

    public static IEnumerable<TestCaseData> EspRfcAeadVectors() => Cases("esp-rfc.json", v => v.Has("aead_nonce_hex"));

    internal static EncryptionAlgorithm AlgorithmFor(string primitive, int tagLength) => (primitive, tagLength) switch
    {
        ("AES-GCM", 8) => EncryptionAlgorithm.AesGcm8,
        ("AES-GCM", 12) => EncryptionAlgorithm.AesGcm12,
        ("AES-GCM", 16) => EncryptionAlgorithm.AesGcm16,
        ("AES-CCM", 8) => EncryptionAlgorithm.AesCcm8,
        ("AES-CCM", 12) => EncryptionAlgorithm.AesCcm12,
        ("AES-CCM", 16) => EncryptionAlgorithm.AesCcm16,
        ("CHACHA20-POLY1305", 16) => EncryptionAlgorithm.ChaCha20Poly1305,
        _ => throw new ArgumentException(primitive + "/" + tagLength),
    };

    [TestCaseSource(nameof(EspLayoutVectors))]
    public void SealsAndOpensTheKatVector(Vector v, Engine engine)
    {
        int tagLength = v.Int("tag_length");
        EncryptionAlgorithm algorithm = AlgorithmFor(v.Str("primitive"), tagLength);
        byte[] keymat = v.Hex("keymat_hex");
        Assert.That(keymat.AsSpan(keymat.Length - algorithm.SaltSize).ToArray(), Is.EqualTo(v.Hex("salt_hex")));
        byte[] iv = v.Hex("iv_hex");
        byte[] aad = v.Hex("aad_hex");
        byte[] plaintext = v.Hex("plaintext_hex");
        byte[] expected = v.Hex("ciphertext_hex");

        using AeadTransform aead = EngineScope.Create(engine, () => AeadFactory.Create(algorithm, keymat));
        Assert.That(aead.IcvSize, Is.EqualTo(tagLength));
        AssertHardwareChoice(aead, engine);

        // Every split of the AAD between head and tail must give the same result.
        for (int split = 0; split <= aad.Length; split++)
        {
            byte[] output = new byte[plaintext.Length + tagLength];
            aead.Seal(iv, aad.AsSpan(0, split), aad.AsSpan(split), plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
            Assert.That(output, Is.EqualTo(expected), $"seal, AAD split at {split}");

            byte[] opened = new byte[plaintext.Length];
            bool ok = aead.TryOpen(iv, aad.AsSpan(0, split), aad.AsSpan(split), expected.AsSpan(0, plaintext.Length), expected.AsSpan(plaintext.Length), opened);
            Assert.That(ok, Is.True, $"open, AAD split at {split}");
            Assert.That(opened, Is.EqualTo(plaintext));
            byte[] verifiedFirst = new byte[plaintext.Length];
            ok = aead.TryOpenVerifyingFirst(iv, aad.AsSpan(0, split), aad.AsSpan(split), expected.AsSpan(0, plaintext.Length), expected.AsSpan(plaintext.Length), verifiedFirst);
            Assert.That(ok, Is.True, $"open verifying first, AAD split at {split}");
            Assert.That(verifiedFirst, Is.EqualTo(plaintext));
        }
    }

    [TestCaseSource(nameof(GenericCcmVectors))]
    public void GenericCcmCoreMatchesRfc3610(Vector v, Engine engine)
    {
        byte[] key = v.Hex("key_hex");
        byte[] nonce = v.Hex("nonce_hex");
        byte[] aad = v.Hex("aad_hex");
        byte[] plaintext = v.Hex("plaintext_hex");
        byte[] expected = v.Hex("ciphertext_hex");
        int tagLength = v.Int("tag_length");
        using AesBlockCipher aes = EngineScope.Create(engine, () => AesBlockCipher.Create(key));
        Assert.That(aes.IsHardware, Is.EqualTo(engine == Engine.Hardware && CryptoEngine.IsHardwareSupported));

        for (int split = 0; split <= aad.Length; split++)
        {
            byte[] output = new byte[plaintext.Length + tagLength];
            CcmMode.Seal(aes, nonce, aad.AsSpan(0, split), aad.AsSpan(split), plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
            Assert.That(output, Is.EqualTo(expected), $"seal, AAD split at {split}");

            byte[] opened = new byte[plaintext.Length];
            Assert.That(CcmMode.TryOpen(aes, nonce, aad.AsSpan(0, split), aad.AsSpan(split), expected.AsSpan(0, plaintext.Length), expected.AsSpan(plaintext.Length), opened), Is.True);
            Assert.That(opened, Is.EqualTo(plaintext));
        }

        byte[] forged = (byte[])expected.Clone();
        forged[^1] ^= 1;
        byte[] untouched = new byte[plaintext.Length];
        Assert.That(CcmMode.TryOpen(aes, nonce, aad, default, forged.AsSpan(0, plaintext.Length), forged.AsSpan(plaintext.Length), untouched), Is.False);
        Assert.That(untouched, Is.All.EqualTo(0));
    }

    /// <summary>
    /// The draft-mcgrew-gcm-test-01 and RFC 7634 packets: open the ESP ciphertext with the published nonce and AAD
    /// (from the SA's KEYMAT and the packet's IV), check the payload, and re-seal to the same bytes.
    /// </summary>
    [TestCaseSource(nameof(EspRfcAeadVectors))]
    public void OpensAndResealsThePublishedEspPacket(Vector v, Engine engine)
    {
        EncryptionAlgorithm algorithm = v.Str("encr") switch
        {
            "ENCR_AES_GCM_16" => EncryptionAlgorithm.AesGcm16,
            "ENCR_NULL_AUTH_AES_GMAC" => EncryptionAlgorithm.NullAuthAesGmac,
            "ENCR_CHACHA20_POLY1305" => EncryptionAlgorithm.ChaCha20Poly1305,
            string other => throw new AssertionException("unexpected " + other),
        };
        byte[] keymat = v.Hex("key_hex");
        byte[] iv = v.Hex("iv_hex");
        byte[] nonce = v.Hex("aead_nonce_hex");
        byte[] aad = v.Hex("aead_aad_hex");
        Assert.That(nonce, Is.EqualTo([.. keymat.AsSpan(keymat.Length - algorithm.SaltSize).ToArray(), .. iv]), "nonce = salt || IV");

        byte[] packet = v.Hex("protected_packet_hex");
        ReadOnlySpan<byte> esp = packet;
        if (v.Str("protected_layer") == "ip")
        {
            esp = esp.Slice((packet[0] & 0xF) * 4);
        }

        Assert.That(esp.Slice(8, 8).ToArray(), Is.EqualTo(iv));
        ReadOnlySpan<byte> tag = esp.Slice(esp.Length - 16);
        using AeadTransform aead = EngineScope.Create(engine, () => AeadFactory.Create(algorithm, keymat));
        AssertHardwareChoice(aead, engine);

        if (algorithm.IsAuthenticationOnly)
        {
            // GMAC: AAD = SPI || seq || IV || payload, nothing encrypted.
            Assert.That(aad, Is.EqualTo(esp.Slice(0, esp.Length - 16).ToArray()));
            Assert.That(aead.TryOpen(iv, aad.AsSpan(0, 8), aad.AsSpan(8), default, tag, default), Is.True);
            byte[] sealedTag = new byte[16];
            aead.Seal(iv, aad.AsSpan(0, 8), aad.AsSpan(8), default, default, sealedTag);
            Assert.That(sealedTag, Is.EqualTo(tag.ToArray()));
            return;
        }

        ReadOnlySpan<byte> ciphertext = esp.Slice(16, esp.Length - 32);
        byte[] plaintext = new byte[ciphertext.Length];
        Assert.That(aead.TryOpen(iv, aad, default, ciphertext, tag, plaintext), Is.True);
        byte[] payload = v.Hex("plaintext_packet_hex");
        Assert.That(plaintext.AsSpan(0, payload.Length).ToArray(), Is.EqualTo(payload));
        Assert.That(plaintext[^1], Is.EqualTo((byte)v.Int("esp_next_header")));
        byte[] verifiedFirst = new byte[ciphertext.Length];
        Assert.That(aead.TryOpenVerifyingFirst(iv, aad, default, ciphertext, tag, verifiedFirst), Is.True, "open verifying first");
        Assert.That(verifiedFirst, Is.EqualTo(plaintext));

        byte[] resealed = new byte[ciphertext.Length + 16];
        aead.Seal(iv, aad, default, plaintext, resealed.AsSpan(0, ciphertext.Length), resealed.AsSpan(ciphertext.Length));
        Assert.That(resealed, Is.EqualTo(esp.Slice(16).ToArray()));
    }

    private static void AssertHardwareChoice(AeadTransform aead, Engine engine)
    {
        bool expectHardware = engine == Engine.Hardware && CryptoEngine.IsHardwareSupported;
        switch (aead)
        {
            case AesGcmTransform gcm:
                Assert.That(gcm.IsHardware, Is.EqualTo(expectHardware));
                break;
            case AesCcmTransform ccm:
                Assert.That(ccm.IsHardware, Is.EqualTo(expectHardware));
                break;
        }
    }
}
