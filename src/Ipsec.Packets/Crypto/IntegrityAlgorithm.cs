using System;
using System.Diagnostics.CodeAnalysis;

namespace Ipsec.Packets;

/// <summary>
/// An integrity algorithm for ESP (with a non-AEAD cipher) or AH, and its key and ICV sizes.
/// One immutable instance exists per IKEv2 transform.
/// </summary>
public sealed class IntegrityAlgorithm
{
    private IntegrityAlgorithm(IntegrityTransformId transformId, string name, string linuxName, int keySize, int icvSize, int saltSize = 0)
    {
        TransformId = transformId;
        Name = name;
        LinuxName = linuxName;
        KeySize = keySize;
        IcvSize = icvSize;
        SaltSize = saltSize;
    }

    /// <summary>AUTH_HMAC_SHA1_96 (RFC 2404): 20-octet key, 12-octet ICV.</summary>
    public static IntegrityAlgorithm HmacSha1_96 { get; } = new(IntegrityTransformId.HmacSha1_96, "AUTH_HMAC_SHA1_96", "hmac(sha1)", 20, 12);

    /// <summary>AUTH_HMAC_SHA2_256_128 (RFC 4868): 32-octet key, 16-octet ICV.</summary>
    public static IntegrityAlgorithm HmacSha2_256_128 { get; } = new(IntegrityTransformId.HmacSha2_256_128, "AUTH_HMAC_SHA2_256_128", "hmac(sha256)", 32, 16);

    /// <summary>AUTH_HMAC_SHA2_384_192 (RFC 4868): 48-octet key, 24-octet ICV.</summary>
    public static IntegrityAlgorithm HmacSha2_384_192 { get; } = new(IntegrityTransformId.HmacSha2_384_192, "AUTH_HMAC_SHA2_384_192", "hmac(sha384)", 48, 24);

    /// <summary>AUTH_HMAC_SHA2_512_256 (RFC 4868): 64-octet key, 32-octet ICV.</summary>
    public static IntegrityAlgorithm HmacSha2_512_256 { get; } = new(IntegrityTransformId.HmacSha2_512_256, "AUTH_HMAC_SHA2_512_256", "hmac(sha512)", 64, 32);

    /// <summary>AUTH_AES_XCBC_96 (RFC 3566): 16-octet key, 12-octet ICV.</summary>
    public static IntegrityAlgorithm AesXcbc96 { get; } = new(IntegrityTransformId.AesXcbc96, "AUTH_AES_XCBC_96", "xcbc(aes)", 16, 12);

    /// <summary>AUTH_AES_CMAC_96 (RFC 4494): 16-octet key, 12-octet ICV.</summary>
    public static IntegrityAlgorithm AesCmac96 { get; } = new(IntegrityTransformId.AesCmac96, "AUTH_AES_CMAC_96", "cmac(aes)", 16, 12);

    /// <summary>AUTH_HMAC_MD5_96 (RFC 2403): 16-octet key, 12-octet ICV (legacy interoperability only).</summary>
    public static IntegrityAlgorithm HmacMd5_96 { get; } = new(IntegrityTransformId.HmacMd5_96, "AUTH_HMAC_MD5_96", "hmac(md5)", 16, 12);

    /// <summary>AUTH_AES_128_GMAC (RFC 4543) for AH: 16-octet key plus 4-octet salt, 8-octet IV in the AH header, 16-octet ICV.</summary>
    public static IntegrityAlgorithm AesGmac128 { get; } = new(IntegrityTransformId.AesGmac128, "AUTH_AES_128_GMAC", "rfc4543(gcm(aes))", 16, 16, saltSize: 4);

    /// <summary>AUTH_AES_192_GMAC (RFC 4543) for AH: 24-octet key plus 4-octet salt.</summary>
    public static IntegrityAlgorithm AesGmac192 { get; } = new(IntegrityTransformId.AesGmac192, "AUTH_AES_192_GMAC", "rfc4543(gcm(aes))", 24, 16, saltSize: 4);

    /// <summary>AUTH_AES_256_GMAC (RFC 4543) for AH: 32-octet key plus 4-octet salt.</summary>
    public static IntegrityAlgorithm AesGmac256 { get; } = new(IntegrityTransformId.AesGmac256, "AUTH_AES_256_GMAC", "rfc4543(gcm(aes))", 32, 16, saltSize: 4);

    /// <summary>The IKEv2 transform identifier.</summary>
    public IntegrityTransformId TransformId { get; }

    /// <summary>The IKEv2 transform name, for example <c>AUTH_HMAC_SHA2_256_128</c>.</summary>
    public string Name { get; }

    /// <summary>The Linux XFRM name (<c>ip xfrm state</c>), for example <c>hmac(sha256)</c>.</summary>
    public string LinuxName { get; }

    /// <summary>The key size in bytes (without any salt).</summary>
    public int KeySize { get; }

    /// <summary>The salt that follows the key in the IKEv2 KEYMAT, in bytes (GMAC only; 0 otherwise).</summary>
    public int SaltSize { get; }

    /// <summary>The truncated ICV carried in each packet, in bytes.</summary>
    public int IcvSize { get; }

    /// <summary>True for the GMAC transforms, which carry an 8-octet IV in the AH header.</summary>
    public bool IsGmac => SaltSize != 0;

    /// <summary>The IV carried in each AH packet before the ICV, in bytes (8 for GMAC, 0 otherwise).</summary>
    public int IvSize => IsGmac ? 8 : 0;

    /// <summary>Looks up an algorithm by its IKEv2 transform identifier.</summary>
    /// <param name="transformId">The IKEv2 transform identifier.</param>
    /// <param name="algorithm">The algorithm, or null when the identifier is not supported or is <see cref="IntegrityTransformId.None"/>.</param>
    /// <returns>False when the identifier names no integrity algorithm this library implements.</returns>
    public static bool TryFromTransformId(IntegrityTransformId transformId, [NotNullWhen(true)] out IntegrityAlgorithm? algorithm)
    {
        algorithm = transformId switch
        {
            IntegrityTransformId.HmacSha1_96 => HmacSha1_96,
            IntegrityTransformId.HmacSha2_256_128 => HmacSha2_256_128,
            IntegrityTransformId.HmacSha2_384_192 => HmacSha2_384_192,
            IntegrityTransformId.HmacSha2_512_256 => HmacSha2_512_256,
            IntegrityTransformId.AesXcbc96 => AesXcbc96,
            IntegrityTransformId.AesCmac96 => AesCmac96,
            IntegrityTransformId.HmacMd5_96 => HmacMd5_96,
            IntegrityTransformId.AesGmac128 => AesGmac128,
            IntegrityTransformId.AesGmac192 => AesGmac192,
            IntegrityTransformId.AesGmac256 => AesGmac256,
            _ => null,
        };
        return algorithm is not null;
    }

    /// <summary>Every supported integrity algorithm.</summary>
    public static ReadOnlySpan<IntegrityAlgorithm> All => s_all;

    private static readonly IntegrityAlgorithm[] s_all =
    [
        HmacSha1_96, HmacSha2_256_128, HmacSha2_384_192, HmacSha2_512_256, AesXcbc96, AesCmac96, HmacMd5_96,
        AesGmac128, AesGmac192, AesGmac256,
    ];

    /// <inheritdoc />
    public override string ToString() => Name;
}
