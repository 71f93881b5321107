using System;
using System.Diagnostics.CodeAnalysis;

namespace Ipsec.Packets;

/// <summary>
/// An ESP encryption (or combined-mode) algorithm and the sizes it fixes on the wire.
/// One immutable instance exists per IKEv2 transform; compare by reference or by <see cref="TransformId"/>.
/// </summary>
public sealed class EncryptionAlgorithm
{
    private readonly int[] _keySizesInBits;

    private EncryptionAlgorithm(
        EncryptionTransformId transformId, string name, string linuxName, bool isAead, bool isAuthenticationOnly,
        int blockSize, int ivSize, int saltSize, int icvSize, int[] keySizesInBits)
    {
        TransformId = transformId;
        Name = name;
        LinuxName = linuxName;
        IsAead = isAead;
        IsAuthenticationOnly = isAuthenticationOnly;
        BlockSize = blockSize;
        IvSize = ivSize;
        SaltSize = saltSize;
        IcvSize = icvSize;
        _keySizesInBits = keySizesInBits;
    }

    /// <summary>ENCR_AES_GCM_16 (RFC 4106): AES-GCM, 16-octet ICV, 128/192/256-bit keys, 4-octet salt.</summary>
    public static EncryptionAlgorithm AesGcm16 { get; } = Aead(EncryptionTransformId.AesGcm16, "ENCR_AES_GCM_16", "rfc4106(gcm(aes))", 4, 16);

    /// <summary>ENCR_AES_GCM_12 (RFC 4106): AES-GCM, 12-octet ICV.</summary>
    public static EncryptionAlgorithm AesGcm12 { get; } = Aead(EncryptionTransformId.AesGcm12, "ENCR_AES_GCM_12", "rfc4106(gcm(aes))", 4, 12);

    /// <summary>ENCR_AES_GCM_8 (RFC 4106): AES-GCM, 8-octet ICV.</summary>
    public static EncryptionAlgorithm AesGcm8 { get; } = Aead(EncryptionTransformId.AesGcm8, "ENCR_AES_GCM_8", "rfc4106(gcm(aes))", 4, 8);

    /// <summary>ENCR_AES_CCM_16 (RFC 4309): AES-CCM, 16-octet ICV, 3-octet salt.</summary>
    public static EncryptionAlgorithm AesCcm16 { get; } = Aead(EncryptionTransformId.AesCcm16, "ENCR_AES_CCM_16", "rfc4309(ccm(aes))", 3, 16);

    /// <summary>ENCR_AES_CCM_12 (RFC 4309): AES-CCM, 12-octet ICV.</summary>
    public static EncryptionAlgorithm AesCcm12 { get; } = Aead(EncryptionTransformId.AesCcm12, "ENCR_AES_CCM_12", "rfc4309(ccm(aes))", 3, 12);

    /// <summary>ENCR_AES_CCM_8 (RFC 4309): AES-CCM, 8-octet ICV.</summary>
    public static EncryptionAlgorithm AesCcm8 { get; } = Aead(EncryptionTransformId.AesCcm8, "ENCR_AES_CCM_8", "rfc4309(ccm(aes))", 3, 8);

    /// <summary>ENCR_CHACHA20_POLY1305 (RFC 7634): 256-bit key, 4-octet salt, 16-octet ICV.</summary>
    public static EncryptionAlgorithm ChaCha20Poly1305 { get; } = new(
        EncryptionTransformId.ChaCha20Poly1305, "ENCR_CHACHA20_POLY1305", "rfc7539esp(chacha20,poly1305)",
        isAead: true, isAuthenticationOnly: false, blockSize: 1, ivSize: 8, saltSize: 4, icvSize: 16, keySizesInBits: [256]);

    /// <summary>ENCR_NULL_AUTH_AES_GMAC (RFC 4543): AES-GMAC authentication only, no confidentiality, 16-octet ICV.</summary>
    public static EncryptionAlgorithm NullAuthAesGmac { get; } = new(
        EncryptionTransformId.NullAuthAesGmac, "ENCR_NULL_AUTH_AES_GMAC", "rfc4543(gcm(aes))",
        isAead: true, isAuthenticationOnly: true, blockSize: 1, ivSize: 8, saltSize: 4, icvSize: 16, keySizesInBits: [128, 192, 256]);

    /// <summary>ENCR_AES_CBC (RFC 3602): 16-octet block and IV, 128/192/256-bit keys; needs an integrity algorithm.</summary>
    public static EncryptionAlgorithm AesCbc { get; } = new(
        EncryptionTransformId.AesCbc, "ENCR_AES_CBC", "cbc(aes)",
        isAead: false, isAuthenticationOnly: false, blockSize: 16, ivSize: 16, saltSize: 0, icvSize: 0, keySizesInBits: [128, 192, 256]);

    /// <summary>ENCR_AES_CTR (RFC 3686): 8-octet IV, 4-octet nonce after the key.</summary>
    public static EncryptionAlgorithm AesCtr { get; } = new(
        EncryptionTransformId.AesCtr, "ENCR_AES_CTR", "rfc3686(ctr(aes))",
        isAead: false, isAuthenticationOnly: false, blockSize: 1, ivSize: 8, saltSize: 4, icvSize: 0, keySizesInBits: [128, 192, 256]);

    /// <summary>ENCR_3DES: triple DES in CBC mode with a 192-bit key (legacy interoperability only).</summary>
    public static EncryptionAlgorithm TripleDesCbc { get; } = new(
        EncryptionTransformId.TripleDes, "ENCR_3DES", "cbc(des3_ede)",
        isAead: false, isAuthenticationOnly: false, blockSize: 8, ivSize: 8, saltSize: 0, icvSize: 0, keySizesInBits: [192]);

    /// <summary>ENCR_NULL (RFC 2410): no encryption; ESP then needs an integrity algorithm.</summary>
    public static EncryptionAlgorithm Null { get; } = new(
        EncryptionTransformId.Null, "ENCR_NULL", "ecb(cipher_null)",
        isAead: false, isAuthenticationOnly: true, blockSize: 1, ivSize: 0, saltSize: 0, icvSize: 0, keySizesInBits: [0]);

    /// <summary>The IKEv2 transform identifier.</summary>
    public EncryptionTransformId TransformId { get; }

    /// <summary>The IKEv2 transform name, for example <c>ENCR_AES_GCM_16</c>.</summary>
    public string Name { get; }

    /// <summary>The Linux XFRM name (<c>ip xfrm state</c>), for example <c>rfc4106(gcm(aes))</c>.</summary>
    public string LinuxName { get; }

    /// <summary>True for combined-mode algorithms that produce their own ICV (GCM, CCM, ChaCha20-Poly1305, GMAC).</summary>
    public bool IsAead { get; }

    /// <summary>True when the algorithm gives no confidentiality (ENCR_NULL, ENCR_NULL_AUTH_AES_GMAC).</summary>
    public bool IsAuthenticationOnly { get; }

    /// <summary>The cipher block size in bytes that the encrypted part must be a multiple of (1 for stream-like modes).</summary>
    public int BlockSize { get; }

    /// <summary>The padding alignment in bytes: the larger of <see cref="BlockSize"/> and the 4-octet ESP alignment.</summary>
    public int PaddingAlignment => Math.Max(BlockSize, 4);

    /// <summary>The explicit IV carried in each ESP packet, in bytes.</summary>
    public int IvSize { get; }

    /// <summary>The salt or nonce that follows the key in the IKEv2 KEYMAT, in bytes.</summary>
    public int SaltSize { get; }

    /// <summary>The ICV an AEAD algorithm appends, in bytes; 0 for algorithms that need an integrity algorithm.</summary>
    public int IcvSize { get; }

    /// <summary>The accepted key sizes in bits, without the salt.</summary>
    public ReadOnlySpan<int> KeySizesInBits => _keySizesInBits;

    /// <summary>Returns true when <paramref name="keySizeInBits"/> (without the salt) is accepted.</summary>
    /// <param name="keySizeInBits">A key size in bits.</param>
    /// <returns>Whether the algorithm accepts that key size.</returns>
    public bool IsValidKeySize(int keySizeInBits) => Array.IndexOf(_keySizesInBits, keySizeInBits) >= 0;

    /// <summary>Looks up an algorithm by its IKEv2 transform identifier.</summary>
    /// <param name="transformId">The IKEv2 transform identifier.</param>
    /// <param name="algorithm">The algorithm, or null when the identifier is not supported.</param>
    /// <returns>False when the identifier is not one this library implements.</returns>
    public static bool TryFromTransformId(EncryptionTransformId transformId, [NotNullWhen(true)] out EncryptionAlgorithm? algorithm)
    {
        algorithm = transformId switch
        {
            EncryptionTransformId.AesGcm16 => AesGcm16,
            EncryptionTransformId.AesGcm12 => AesGcm12,
            EncryptionTransformId.AesGcm8 => AesGcm8,
            EncryptionTransformId.AesCcm16 => AesCcm16,
            EncryptionTransformId.AesCcm12 => AesCcm12,
            EncryptionTransformId.AesCcm8 => AesCcm8,
            EncryptionTransformId.ChaCha20Poly1305 => ChaCha20Poly1305,
            EncryptionTransformId.NullAuthAesGmac => NullAuthAesGmac,
            EncryptionTransformId.AesCbc => AesCbc,
            EncryptionTransformId.AesCtr => AesCtr,
            EncryptionTransformId.TripleDes => TripleDesCbc,
            EncryptionTransformId.Null => Null,
            _ => null,
        };
        return algorithm is not null;
    }

    /// <summary>Every supported encryption algorithm.</summary>
    public static ReadOnlySpan<EncryptionAlgorithm> All => s_all;

    private static readonly EncryptionAlgorithm[] s_all =
    [
        AesGcm16, AesGcm12, AesGcm8, AesCcm16, AesCcm12, AesCcm8, ChaCha20Poly1305, NullAuthAesGmac,
        AesCbc, AesCtr, TripleDesCbc, Null,
    ];

    /// <inheritdoc />
    public override string ToString() => Name;

    private static EncryptionAlgorithm Aead(EncryptionTransformId id, string name, string linuxName, int saltSize, int icvSize) =>
        new(id, name, linuxName, isAead: true, isAuthenticationOnly: false, blockSize: 1, ivSize: 8, saltSize: saltSize, icvSize: icvSize,
            keySizesInBits: [128, 192, 256]);
}
