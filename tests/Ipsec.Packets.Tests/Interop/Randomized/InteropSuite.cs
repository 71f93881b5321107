using System.Collections.Generic;

namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>
/// An algorithm suite both we and a peer implement, with the peer's names for it: every AEAD, or a cipher with an
/// integrity algorithm (or AES-CBC alone, RFC 4303 confidentiality only).
/// </summary>
public sealed record InteropSuite(EncryptionAlgorithm Encryption, IntegrityAlgorithm? Integrity)
{
    private static readonly IntegrityAlgorithm[] s_hmacs =
    [
        IntegrityAlgorithm.HmacSha1_96, IntegrityAlgorithm.HmacSha2_256_128, IntegrityAlgorithm.HmacSha2_384_192,
        IntegrityAlgorithm.HmacSha2_512_256, IntegrityAlgorithm.HmacMd5_96,
    ];

    private static readonly EncryptionAlgorithm[] s_ciphers =
        [EncryptionAlgorithm.AesCbc, EncryptionAlgorithm.AesCtr, EncryptionAlgorithm.TripleDesCbc, EncryptionAlgorithm.Null];

    /// <summary>
    /// What Scapy 2.5 implements (scapy/layers/ipsec.py): AES-GCM, AES-CCM (8/12/16-byte ICVs), ChaCha20-Poly1305, AES-CBC,
    /// AES-CTR, 3DES and NULL; HMAC-SHA1-96, HMAC-SHA2-256/384/512, HMAC-MD5-96 and AES-CMAC-96. It lacks AES-XCBC-96 and
    /// AES-GMAC (ENCR_NULL_AUTH_AES_GMAC).
    /// </summary>
    public static IReadOnlyList<InteropSuite> Scapy { get; } = Build(
        [
            EncryptionAlgorithm.AesGcm16, EncryptionAlgorithm.AesGcm12, EncryptionAlgorithm.AesGcm8,
            EncryptionAlgorithm.AesCcm16, EncryptionAlgorithm.AesCcm12, EncryptionAlgorithm.AesCcm8,
            EncryptionAlgorithm.ChaCha20Poly1305,
        ],
        [.. s_hmacs, IntegrityAlgorithm.AesCmac96],
        confidentialityOnly: true);

    /// <summary>
    /// What tshark 4.0's ESP dissector decrypts: AES-GCM (8/12/16-byte ICVs), AES-CBC, AES-CTR, 3DES and NULL; it checks
    /// HMAC-SHA1-96, HMAC-SHA2-256/384/512 and HMAC-MD5-96 ICVs and skips AES-XCBC-96 and AES-CMAC-96 ones unchecked
    /// ("ANY 96 bit authentication"). It lacks AES-CCM, ChaCha20-Poly1305 (Wireshark 4.2 and later) and AES-GMAC.
    /// AES-CBC without integrity is left out because --export-wireshark leaves such SAs out.
    /// </summary>
    public static IReadOnlyList<InteropSuite> Tshark { get; } = Build(
        [EncryptionAlgorithm.AesGcm16, EncryptionAlgorithm.AesGcm12, EncryptionAlgorithm.AesGcm8],
        [.. s_hmacs, IntegrityAlgorithm.AesXcbc96, IntegrityAlgorithm.AesCmac96],
        confidentialityOnly: false);

    /// <summary>Scapy's name for the encryption algorithm.</summary>
    public string ScapyCrypt
    {
        get
        {
            if (Encryption == EncryptionAlgorithm.AesGcm16 || Encryption == EncryptionAlgorithm.AesGcm12 || Encryption == EncryptionAlgorithm.AesGcm8)
            {
                return "AES-GCM";
            }

            if (Encryption == EncryptionAlgorithm.AesCcm16 || Encryption == EncryptionAlgorithm.AesCcm12 || Encryption == EncryptionAlgorithm.AesCcm8)
            {
                return "AES-CCM";
            }

            if (Encryption == EncryptionAlgorithm.ChaCha20Poly1305)
            {
                return "CHACHA20-POLY1305";
            }

            if (Encryption == EncryptionAlgorithm.AesCbc)
            {
                return "AES-CBC";
            }

            if (Encryption == EncryptionAlgorithm.AesCtr)
            {
                return "AES-CTR";
            }

            return Encryption == EncryptionAlgorithm.TripleDesCbc ? "3DES" : "NULL";
        }
    }

    /// <summary>Scapy's name for the integrity algorithm; null without one.</summary>
    public string? ScapyAuth
    {
        get
        {
            if (Integrity is null)
            {
                return null;
            }

            if (Integrity == IntegrityAlgorithm.HmacSha1_96)
            {
                return "HMAC-SHA1-96";
            }

            if (Integrity == IntegrityAlgorithm.HmacSha2_256_128)
            {
                return "SHA2-256-128";
            }

            if (Integrity == IntegrityAlgorithm.HmacSha2_384_192)
            {
                return "SHA2-384-192";
            }

            if (Integrity == IntegrityAlgorithm.HmacSha2_512_256)
            {
                return "SHA2-512-256";
            }

            return Integrity == IntegrityAlgorithm.HmacMd5_96 ? "HMAC-MD5-96" : "AES-CMAC-96";
        }
    }

    public override string ToString() => Encryption.Name + (Integrity is null ? string.Empty : "+" + Integrity.Name);

    private static List<InteropSuite> Build(EncryptionAlgorithm[] aeads, IntegrityAlgorithm[] integrity, bool confidentialityOnly)
    {
        var suites = new List<InteropSuite>();
        foreach (EncryptionAlgorithm aead in aeads)
        {
            suites.Add(new InteropSuite(aead, null));
        }

        foreach (EncryptionAlgorithm cipher in s_ciphers)
        {
            foreach (IntegrityAlgorithm mac in integrity)
            {
                suites.Add(new InteropSuite(cipher, mac));
            }
        }

        if (confidentialityOnly)
        {
            suites.Add(new InteropSuite(EncryptionAlgorithm.AesCbc, null));
        }

        return suites;
    }
}
