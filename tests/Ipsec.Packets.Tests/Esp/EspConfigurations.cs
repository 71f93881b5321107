using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>An SA configuration for the contract tests: algorithms, key sizes and options, with keys from a fixed seed.</summary>
public sealed record EspConfiguration(
    EncryptionAlgorithm Encryption, int KeyBits, IntegrityAlgorithm? Integrity, bool Esn = false, bool ImplicitIv = false)
{
    public byte[] EncryptionKey(int seed = 1)
    {
        var key = new byte[KeyBits / 8 + Encryption.SaltSize];
        new Random(seed * 7919 + KeyBits).NextBytes(key);
        return key;
    }

    public byte[] IntegrityKey(int seed = 1)
    {
        var key = new byte[Integrity?.KeySize ?? 0];
        new Random(seed * 104729 + key.Length).NextBytes(key);
        return key;
    }

    public EspSecurityAssociation Create(
        uint spi = 0x1000_0001, int seed = 1, ulong lastSent = 0, ulong highestReceived = 0, int replayWindow = 64, int tfc = 0) =>
        new(new EspSecurityAssociationOptions
        {
            Spi = spi,
            Encryption = Encryption,
            EncryptionKey = EncryptionKey(seed),
            Integrity = Integrity,
            IntegrityKey = IntegrityKey(seed),
            ExtendedSequenceNumbers = Esn,
            ImplicitIv = ImplicitIv,
            InitialOutboundSequenceNumber = lastSent,
            InitialInboundSequenceNumber = highestReceived,
            ReplayWindowSize = replayWindow,
            TfcPaddingLength = tfc,
        });

    public override string ToString() =>
        $"{Encryption.Name}-{KeyBits}{(Integrity is null ? "" : "+" + Integrity.Name)}{(Esn ? "+ESN" : "")}{(ImplicitIv ? "+IIV" : "")}";
}

public static class EspConfigurations
{
    public static IEnumerable<EspConfiguration> All()
    {
        foreach (EncryptionAlgorithm aead in new[]
                 {
                     EncryptionAlgorithm.AesGcm16, EncryptionAlgorithm.AesGcm12, EncryptionAlgorithm.AesGcm8,
                     EncryptionAlgorithm.AesCcm16, EncryptionAlgorithm.AesCcm12, EncryptionAlgorithm.AesCcm8,
                     EncryptionAlgorithm.NullAuthAesGmac,
                 })
        {
            foreach (int bits in new[] { 128, 192, 256 })
            {
                yield return new EspConfiguration(aead, bits, null);
            }
        }

        yield return new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null);
        yield return new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null, Esn: true);
        yield return new EspConfiguration(EncryptionAlgorithm.AesGcm16, 256, null, ImplicitIv: true);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCcm8, 128, null, Esn: true, ImplicitIv: true);
        yield return new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null, Esn: true, ImplicitIv: true);
        yield return new EspConfiguration(EncryptionAlgorithm.NullAuthAesGmac, 128, null, Esn: true);

        foreach (IntegrityAlgorithm integrity in new[]
                 {
                     IntegrityAlgorithm.HmacSha1_96, IntegrityAlgorithm.HmacSha2_256_128, IntegrityAlgorithm.HmacSha2_384_192,
                     IntegrityAlgorithm.HmacSha2_512_256, IntegrityAlgorithm.AesXcbc96, IntegrityAlgorithm.AesCmac96,
                     IntegrityAlgorithm.HmacMd5_96,
                 })
        {
            yield return new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, integrity);
        }

        yield return new EspConfiguration(EncryptionAlgorithm.AesCbc, 192, IntegrityAlgorithm.HmacSha2_256_128);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha2_512_256, Esn: true);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCtr, 128, IntegrityAlgorithm.HmacSha1_96);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCtr, 192, IntegrityAlgorithm.AesXcbc96);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCtr, 256, IntegrityAlgorithm.HmacSha2_256_128, Esn: true);
        yield return new EspConfiguration(EncryptionAlgorithm.TripleDesCbc, 192, IntegrityAlgorithm.HmacSha1_96);
        yield return new EspConfiguration(EncryptionAlgorithm.TripleDesCbc, 192, IntegrityAlgorithm.HmacMd5_96, Esn: true);
        yield return new EspConfiguration(EncryptionAlgorithm.Null, 0, IntegrityAlgorithm.HmacSha2_256_128);
        yield return new EspConfiguration(EncryptionAlgorithm.Null, 0, IntegrityAlgorithm.AesCmac96, Esn: true);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, null);
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (EspConfiguration c in All())
        {
            yield return new TestCaseData(c).SetArgDisplayNames(c.ToString());
        }
    }

    /// <summary>Configurations with an ICV (every one but confidentiality-only CBC).</summary>
    public static IEnumerable<TestCaseData> AuthenticatedCases()
    {
        foreach (EspConfiguration c in All())
        {
            if (c.Encryption.IsAead || c.Integrity is not null)
            {
                yield return new TestCaseData(c).SetArgDisplayNames(c.ToString());
            }
        }
    }
}
