using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>The AES-CBC and AES-CTR vectors of cipher-kat.json and esp-rfc.json, both directions, both engine paths.</summary>
public class CipherKnownAnswerTests
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

    public static IEnumerable<TestCaseData> CbcVectors() => Cases("cipher-kat.json", v => v.Str("primitive") == "AES-CBC");

    public static IEnumerable<TestCaseData> CtrVectors() => Cases("cipher-kat.json", v => v.Str("primitive") == "AES-CTR");

    public static IEnumerable<TestCaseData> EspCbcVectors() => Cases("esp-rfc.json", v => v.Str("encr") == "ENCR_AES_CBC");

    [TestCaseSource(nameof(CbcVectors))]
    public void AesCbcMatchesRfc3602(Vector v, Engine engine)
    {
        using CipherTransform cbc = EngineScope.Create(engine, () => CipherFactory.Create(EncryptionAlgorithm.AesCbc, v.Hex("key_hex")));
        Assert.That(((AesCbcTransform)cbc).IsHardware, Is.EqualTo(engine == Engine.Hardware && CryptoEngine.IsHardwareSupported));
        AssertBothDirections(cbc, v.Hex("iv_hex"), v.Hex("plaintext_hex"), v.Hex("ciphertext_hex"));
    }

    [TestCaseSource(nameof(CtrVectors))]
    public void AesCtrMatchesRfc3686(Vector v, Engine engine)
    {
        byte[] keymat = v.Hex("keymat_hex");
        Assert.That(keymat, Is.EqualTo([.. v.Hex("key_hex"), .. v.Hex("nonce_hex")]));
        using CipherTransform ctr = EngineScope.Create(engine, () => CipherFactory.Create(EncryptionAlgorithm.AesCtr, keymat));
        Assert.That(((AesCtrTransform)ctr).IsHardware, Is.EqualTo(engine == Engine.Hardware && CryptoEngine.IsHardwareSupported));
        AssertBothDirections(ctr, v.Hex("iv_hex"), v.Hex("plaintext_hex"), v.Hex("ciphertext_hex"));

        // The published counter blocks and key stream: the first counter block is nonce || IV || 00000001, and
        // encrypting zeros yields the key stream.
        byte[] counterBlocks = v.Hex("counter_block_hex");
        Assert.That(counterBlocks.AsSpan(0, 16).ToArray(), Is.EqualTo([.. v.Hex("nonce_hex"), .. v.Hex("iv_hex"), 0, 0, 0, 1]));
        byte[] keystream = v.Hex("keystream_hex");
        byte[] produced = new byte[keystream.Length];
        ctr.Encrypt(v.Hex("iv_hex"), new byte[keystream.Length], produced);
        Assert.That(produced, Is.EqualTo(keystream));
    }

    [TestCaseSource(nameof(EspCbcVectors))]
    public void AesCbcDecryptsTheRfc3602EspPackets(Vector v, Engine engine)
    {
        byte[] packet = v.Hex("protected_packet_hex");
        ReadOnlySpan<byte> esp = packet;
        if (v.Str("protected_layer") == "ip")
        {
            esp = esp.Slice((packet[0] & 0xF) * 4);
        }

        byte[] iv = v.Hex("iv_hex");
        Assert.That(esp.Slice(8, 16).ToArray(), Is.EqualTo(iv));
        byte[] ciphertext = esp.Slice(24).ToArray();
        using CipherTransform cbc = EngineScope.Create(engine, () => CipherFactory.Create(EncryptionAlgorithm.AesCbc, v.Hex("key_hex")));
        byte[] plaintext = new byte[ciphertext.Length];
        cbc.Decrypt(iv, ciphertext, plaintext);
        byte[] payload = v.Hex("plaintext_packet_hex");
        Assert.That(plaintext[^1], Is.EqualTo((byte)v.Int("esp_next_header")));
        Assert.That(plaintext[^2], Is.EqualTo((byte)v.Int("esp_pad_length")));
        if (v.Str("protected_layer") == "esp" || v.Str("mode") == "tunnel")
        {
            Assert.That(plaintext.AsSpan(0, payload.Length).ToArray(), Is.EqualTo(payload));
        }

        byte[] again = new byte[ciphertext.Length];
        cbc.Encrypt(iv, plaintext, again);
        Assert.That(again, Is.EqualTo(ciphertext));
    }

    internal static void AssertBothDirections(CipherTransform cipher, byte[] iv, byte[] plaintext, byte[] ciphertext)
    {
        byte[] output = new byte[plaintext.Length];
        cipher.Encrypt(iv, plaintext, output);
        Assert.That(output, Is.EqualTo(ciphertext), "encrypt");
        cipher.Decrypt(iv, ciphertext, output);
        Assert.That(output, Is.EqualTo(plaintext), "decrypt");

        byte[] inPlace = (byte[])plaintext.Clone();
        cipher.Encrypt(iv, inPlace, inPlace);
        Assert.That(inPlace, Is.EqualTo(ciphertext), "encrypt in place");
        cipher.Decrypt(iv, inPlace, inPlace);
        Assert.That(inPlace, Is.EqualTo(plaintext), "decrypt in place");
    }
}
