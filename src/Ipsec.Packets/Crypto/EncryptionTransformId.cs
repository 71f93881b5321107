namespace Ipsec.Packets;

/// <summary>
/// IKEv2 Transform Type 1 (Encryption Algorithm) identifiers from the IANA "IKEv2 Parameters" registry,
/// the stable names VPN products already negotiate.
/// </summary>
public enum EncryptionTransformId : ushort
{
    /// <summary>ENCR_3DES (3): triple DES in CBC mode, kept for legacy interoperability.</summary>
    TripleDes = 3,

    /// <summary>ENCR_NULL (11, RFC 2410): no confidentiality; needs an integrity algorithm.</summary>
    Null = 11,

    /// <summary>ENCR_AES_CBC (12, RFC 3602).</summary>
    AesCbc = 12,

    /// <summary>ENCR_AES_CTR (13, RFC 3686), with a 4-octet nonce after the key.</summary>
    AesCtr = 13,

    /// <summary>ENCR_AES_CCM_8 (14, RFC 4309): AES-CCM with an 8-octet ICV.</summary>
    AesCcm8 = 14,

    /// <summary>ENCR_AES_CCM_12 (15, RFC 4309): AES-CCM with a 12-octet ICV.</summary>
    AesCcm12 = 15,

    /// <summary>ENCR_AES_CCM_16 (16, RFC 4309): AES-CCM with a 16-octet ICV.</summary>
    AesCcm16 = 16,

    /// <summary>ENCR_AES_GCM_8 (18, RFC 4106): AES-GCM with an 8-octet ICV.</summary>
    AesGcm8 = 18,

    /// <summary>ENCR_AES_GCM_12 (19, RFC 4106): AES-GCM with a 12-octet ICV.</summary>
    AesGcm12 = 19,

    /// <summary>ENCR_AES_GCM_16 (20, RFC 4106): AES-GCM with a 16-octet ICV.</summary>
    AesGcm16 = 20,

    /// <summary>ENCR_NULL_AUTH_AES_GMAC (21, RFC 4543): authentication only, AES-GMAC with a 16-octet ICV.</summary>
    NullAuthAesGmac = 21,

    /// <summary>ENCR_CHACHA20_POLY1305 (28, RFC 7634).</summary>
    ChaCha20Poly1305 = 28,
}
