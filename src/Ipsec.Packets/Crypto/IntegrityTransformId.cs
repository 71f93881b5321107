namespace Ipsec.Packets;

/// <summary>
/// IKEv2 Transform Type 3 (Integrity Algorithm) identifiers from the IANA "IKEv2 Parameters" registry.
/// </summary>
public enum IntegrityTransformId : ushort
{
    /// <summary>NONE (0): no separate integrity algorithm, as with AEAD encryption.</summary>
    None = 0,

    /// <summary>AUTH_HMAC_MD5_96 (1, RFC 2403), legacy.</summary>
    HmacMd5_96 = 1,

    /// <summary>AUTH_HMAC_SHA1_96 (2, RFC 2404).</summary>
    HmacSha1_96 = 2,

    /// <summary>AUTH_AES_XCBC_96 (5, RFC 3566).</summary>
    AesXcbc96 = 5,

    /// <summary>AUTH_AES_CMAC_96 (8, RFC 4494).</summary>
    AesCmac96 = 8,

    /// <summary>AUTH_AES_128_GMAC (9, RFC 4543), for AH.</summary>
    AesGmac128 = 9,

    /// <summary>AUTH_AES_192_GMAC (10, RFC 4543), for AH.</summary>
    AesGmac192 = 10,

    /// <summary>AUTH_AES_256_GMAC (11, RFC 4543), for AH.</summary>
    AesGmac256 = 11,

    /// <summary>AUTH_HMAC_SHA2_256_128 (12, RFC 4868).</summary>
    HmacSha2_256_128 = 12,

    /// <summary>AUTH_HMAC_SHA2_384_192 (13, RFC 4868).</summary>
    HmacSha2_384_192 = 13,

    /// <summary>AUTH_HMAC_SHA2_512_256 (14, RFC 4868).</summary>
    HmacSha2_512_256 = 14,
}
