using System.Collections.Generic;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// One ESP proposal as swanctl spells it, with the library's algorithms and the Linux names the tool's SA file takes.
/// </summary>
/// <param name="Keyword">The swanctl <c>esp_proposals</c> keyword.</param>
/// <param name="Encryption">The library's encryption algorithm.</param>
/// <param name="KeySizeBits">The cipher key size without salt (0 for NULL, 192 for 3DES).</param>
/// <param name="Integrity">The integrity algorithm, null for an AEAD.</param>
public sealed record StrongSwanProposal(string Keyword, EncryptionAlgorithm Encryption, int KeySizeBits, IntegrityAlgorithm? Integrity)
{
    /// <summary>Every ESP proposal Debian 12's strongSwan 5.9.8 kernel-libipsec accepts that the issue asks for.</summary>
    public static IReadOnlyList<StrongSwanProposal> All { get; } = Build();

    /// <summary>The key material IKEv2 derives for the cipher: key plus salt or nonce.</summary>
    public int KeyMaterialLength => KeySizeBits / 8 + SaltLength;

    private int SaltLength =>
        Encryption == EncryptionAlgorithm.AesCcm8 || Encryption == EncryptionAlgorithm.AesCcm12 || Encryption == EncryptionAlgorithm.AesCcm16 ? 3
        : Encryption.IsAead || Encryption == EncryptionAlgorithm.AesCtr ? 4
        : 0;

    /// <summary>The SA-file line for the cipher (<c>aead</c> or <c>enc</c>), as <c>ip xfrm state</c> prints it.</summary>
    public string XfrmCipherLine(string keyHex) => Encryption switch
    {
        _ when Encryption == EncryptionAlgorithm.AesGcm8 => $"aead rfc4106(gcm(aes)) 0x{keyHex} 64",
        _ when Encryption == EncryptionAlgorithm.AesGcm12 => $"aead rfc4106(gcm(aes)) 0x{keyHex} 96",
        _ when Encryption == EncryptionAlgorithm.AesGcm16 => $"aead rfc4106(gcm(aes)) 0x{keyHex} 128",
        _ when Encryption == EncryptionAlgorithm.AesCcm8 => $"aead rfc4309(ccm(aes)) 0x{keyHex} 64",
        _ when Encryption == EncryptionAlgorithm.AesCcm12 => $"aead rfc4309(ccm(aes)) 0x{keyHex} 96",
        _ when Encryption == EncryptionAlgorithm.AesCcm16 => $"aead rfc4309(ccm(aes)) 0x{keyHex} 128",
        _ when Encryption == EncryptionAlgorithm.ChaCha20Poly1305 => $"aead rfc7539esp(chacha20,poly1305) 0x{keyHex} 128",
        _ when Encryption == EncryptionAlgorithm.AesCbc => $"enc cbc(aes) 0x{keyHex}",
        _ when Encryption == EncryptionAlgorithm.AesCtr => $"enc rfc3686(ctr(aes)) 0x{keyHex}",
        _ when Encryption == EncryptionAlgorithm.TripleDesCbc => $"enc cbc(des3_ede) 0x{keyHex}",
        _ => "enc ecb(cipher_null)",
    };

    /// <summary>The SA-file <c>auth-trunc</c> line, or null for an AEAD.</summary>
    public string? XfrmAuthLine(string keyHex) => Integrity switch
    {
        null => null,
        _ when Integrity == IntegrityAlgorithm.HmacSha1_96 => $"auth-trunc hmac(sha1) 0x{keyHex} 96",
        _ when Integrity == IntegrityAlgorithm.HmacSha2_256_128 => $"auth-trunc hmac(sha256) 0x{keyHex} 128",
        _ when Integrity == IntegrityAlgorithm.HmacSha2_384_192 => $"auth-trunc hmac(sha384) 0x{keyHex} 192",
        _ when Integrity == IntegrityAlgorithm.HmacSha2_512_256 => $"auth-trunc hmac(sha512) 0x{keyHex} 256",
        _ => $"auth-trunc hmac(md5) 0x{keyHex} 96",
    };

    /// <summary>Library options for one direction of the negotiated CHILD_SA.</summary>
    public EspSecurityAssociationOptions Options(NegotiatedEspSa sa, ulong lastOutbound = 0) => new()
    {
        Spi = sa.Spi,
        Encryption = Encryption,
        EncryptionKey = sa.EncryptionKey,
        Integrity = Integrity,
        IntegrityKey = sa.IntegrityKey,
        ReplayWindowSize = 64,
        InitialOutboundSequenceNumber = lastOutbound,
    };

    public override string ToString() => Keyword;

    private static List<StrongSwanProposal> Build()
    {
        var all = new List<StrongSwanProposal>();
        foreach (int bits in new[] { 128, 192, 256 })
        {
            all.Add(new($"aes{bits}gcm8", EncryptionAlgorithm.AesGcm8, bits, null));
            all.Add(new($"aes{bits}gcm12", EncryptionAlgorithm.AesGcm12, bits, null));
            all.Add(new($"aes{bits}gcm16", EncryptionAlgorithm.AesGcm16, bits, null));
        }

        all.Add(new("chacha20poly1305", EncryptionAlgorithm.ChaCha20Poly1305, 256, null));
        foreach (int bits in new[] { 128, 192, 256 })
        {
            all.Add(new($"aes{bits}ccm8", EncryptionAlgorithm.AesCcm8, bits, null));
            all.Add(new($"aes{bits}ccm12", EncryptionAlgorithm.AesCcm12, bits, null));
            all.Add(new($"aes{bits}ccm16", EncryptionAlgorithm.AesCcm16, bits, null));
        }

        (string Name, IntegrityAlgorithm Algorithm)[] macs =
        [
            ("sha1", IntegrityAlgorithm.HmacSha1_96), ("sha256", IntegrityAlgorithm.HmacSha2_256_128),
            ("sha384", IntegrityAlgorithm.HmacSha2_384_192), ("sha512", IntegrityAlgorithm.HmacSha2_512_256),
        ];
        foreach ((string mac, IntegrityAlgorithm integrity) in macs)
        {
            foreach (int bits in new[] { 128, 192, 256 })
            {
                all.Add(new($"aes{bits}-{mac}", EncryptionAlgorithm.AesCbc, bits, integrity));
                all.Add(new($"aes{bits}ctr-{mac}", EncryptionAlgorithm.AesCtr, bits, integrity));
            }

            all.Add(new($"3des-{mac}", EncryptionAlgorithm.TripleDesCbc, 192, integrity));
            all.Add(new($"null-{mac}", EncryptionAlgorithm.Null, 0, integrity));
        }

        // Beyond the list: libipsec also takes HMAC-MD5-96.
        all.Add(new("aes128-md5", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacMd5_96));
        return all;
    }
}
