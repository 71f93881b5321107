using System;
using System.Collections.Generic;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>Every ESP vector of Vectors/Data (the repository's vector copy), at the ESP layer, in both directions.</summary>
public class EspVectorTests
{
    public static IEnumerable<TestCaseData> RfcVectors() => VectorFile.Cases("esp-rfc.json");

    public static IEnumerable<TestCaseData> ScapyVectors() => VectorFile.Cases("esp-scapy.json");

    internal static EspSecurityAssociation CreateSa(Vector v, bool forSending)
    {
        string encr = v.Str("encr");
        int keyBits = v.Int("encr_key_bits");
        EncryptionAlgorithm encryption = encr switch
        {
            "ENCR_AES_GCM_16" => EncryptionAlgorithm.AesGcm16,
            "ENCR_AES_GCM_12" => EncryptionAlgorithm.AesGcm12,
            "ENCR_AES_GCM_8" => EncryptionAlgorithm.AesGcm8,
            "ENCR_AES_CCM_16" => EncryptionAlgorithm.AesCcm16,
            "ENCR_AES_CCM_12" => EncryptionAlgorithm.AesCcm12,
            "ENCR_AES_CCM_8" => EncryptionAlgorithm.AesCcm8,
            "ENCR_CHACHA20_POLY1305" => EncryptionAlgorithm.ChaCha20Poly1305,
            "ENCR_NULL_AUTH_AES_GMAC" => EncryptionAlgorithm.NullAuthAesGmac,
            "ENCR_AES_CBC" => EncryptionAlgorithm.AesCbc,
            "ENCR_AES_CTR" => EncryptionAlgorithm.AesCtr,
            "ENCR_3DES" => EncryptionAlgorithm.TripleDesCbc,
            "ENCR_NULL" => EncryptionAlgorithm.Null,
            _ => throw new NotSupportedException(encr),
        };
        IntegrityAlgorithm? integrity = v.Str("integ") switch
        {
            "AUTH_NONE" or "" => null,
            "AUTH_HMAC_SHA1_96" => IntegrityAlgorithm.HmacSha1_96,
            "AUTH_HMAC_SHA2_256_128" => IntegrityAlgorithm.HmacSha2_256_128,
            "AUTH_HMAC_SHA2_384_192" => IntegrityAlgorithm.HmacSha2_384_192,
            "AUTH_HMAC_SHA2_512_256" => IntegrityAlgorithm.HmacSha2_512_256,
            "AUTH_AES_XCBC_96" => IntegrityAlgorithm.AesXcbc96,
            "AUTH_AES_CMAC_96" => IntegrityAlgorithm.AesCmac96,
            "AUTH_HMAC_MD5_96" => IntegrityAlgorithm.HmacMd5_96,
            string other => throw new NotSupportedException(other),
        };
        Assert.That(v.Hex("key_hex"), Has.Length.EqualTo(keyBits / 8 + encryption.SaltSize), "KEYMAT length");
        ulong seq = v.ULong("seq");
        return new EspSecurityAssociation(new EspSecurityAssociationOptions
        {
            Spi = Convert.ToUInt32(v.Str("spi"), 16),
            Encryption = encryption,
            EncryptionKey = v.Hex("key_hex"),
            Integrity = integrity,
            IntegrityKey = integrity is null ? default : v.Hex("auth_key_hex"),
            ExtendedSequenceNumbers = v.Bool("esn"),
            InitialOutboundSequenceNumber = forSending ? seq - 1 : 0,
            InitialInboundSequenceNumber = forSending ? 0 : seq - 1,
        });
    }

    [TestCaseSource(nameof(RfcVectors))]
    [TestCaseSource(nameof(ScapyVectors))]
    public void UnprotectGivesThePublishedPlaintext(Vector v)
    {
        EspVectorLayout layout = EspVectorLayout.From(v);
        using EspSecurityAssociation sa = CreateSa(v, forSending: false);
        byte[] destination = new byte[layout.Esp.Length];
        IpsecStatus status = sa.Unprotect(layout.Esp, destination, out EspUnprotectResult result);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.NextHeader, Is.EqualTo(layout.NextHeader));
        Assert.That(result.SequenceNumber, Is.EqualTo(v.ULong("seq")));
        Assert.That(destination[..result.PayloadLength], Is.EqualTo(layout.Payload));
        Assert.That(sa.Unprotect(layout.Esp, destination, out _), Is.EqualTo(IpsecStatus.Replayed));
    }

    [TestCaseSource(nameof(RfcVectors))]
    [TestCaseSource(nameof(ScapyVectors))]
    public void ProtectReproducesThePublishedPacket(Vector v)
    {
        EspVectorLayout layout = EspVectorLayout.From(v);
        using EspSecurityAssociation sa = CreateSa(v, forSending: true);
        byte[] destination = new byte[sa.GetProtectedLength(layout.Payload.Length, layout.NextHeader)];
        IpsecStatus status = sa.ProtectWithIv(layout.Payload, layout.NextHeader, destination, v.Hex("iv_hex"), out int written);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(destination[..written], Is.EqualTo(layout.Esp));
        Assert.That(sa.OutboundSequenceNumber, Is.EqualTo(v.ULong("seq")));
    }

    [TestCaseSource(nameof(RfcVectors))]
    [TestCaseSource(nameof(ScapyVectors))]
    public void UnprotectInPlaceGivesThePublishedPlaintext(Vector v)
    {
        EspVectorLayout layout = EspVectorLayout.From(v);
        using EspSecurityAssociation sa = CreateSa(v, forSending: false);
        byte[] buffer = (byte[])layout.Esp.Clone();
        IpsecStatus status = sa.Unprotect(buffer, buffer.AsSpan(sa.HeaderLength), out EspUnprotectResult result);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(sa.HeaderLength, result.PayloadLength).ToArray(), Is.EqualTo(layout.Payload));
    }
}
