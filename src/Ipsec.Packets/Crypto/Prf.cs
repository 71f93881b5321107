using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// The IKEv2 pseudo-random functions with full-length output, for key derivation and known-answer tests.
/// Off the data path: these build their keyed state per call and may allocate.
/// </summary>
internal static class Prf
{
    /// <summary>The output size of the AES-based PRFs, in bytes.</summary>
    public const int AesOutputSize = 16;

    /// <summary>PRF_HMAC_SHA1 (RFC 2104 with SHA-1): writes 20 bytes.</summary>
    public static void HmacSha1(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) =>
        HMACSHA1.HashData(key, data, destination);

    /// <summary>PRF_HMAC_SHA2_256 (RFC 4868 §2.1): writes 32 bytes.</summary>
    public static void HmacSha2_256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) =>
        HMACSHA256.HashData(key, data, destination);

    /// <summary>PRF_HMAC_SHA2_384 (RFC 4868 §2.1): writes 48 bytes.</summary>
    public static void HmacSha2_384(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) =>
        HMACSHA384.HashData(key, data, destination);

    /// <summary>PRF_HMAC_SHA2_512 (RFC 4868 §2.1): writes 64 bytes.</summary>
    public static void HmacSha2_512(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) =>
        HMACSHA512.HashData(key, data, destination);

    /// <summary>
    /// HMAC-SHA-224 (RFC 4231), which has no IKEv2 transform and no BCL implementation: writes 28 bytes.
    /// Kept for the RFC 4231 known-answer vectors.
    /// </summary>
    public static void HmacSha224(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var hmac = new HMac(new Sha224Digest());
        hmac.Init(new KeyParameter(key));
        hmac.BlockUpdate(data);
        hmac.DoFinal(destination);
    }

    /// <summary>
    /// PRF_AES128_XCBC, AES-XCBC-PRF-128 (RFC 4434 §2): AES-XCBC-MAC (RFC 3566) without truncation, accepting any key
    /// length. A 16-octet key is used as is; a shorter one is padded on the right with zero octets; a longer one is
    /// first reduced to AES-XCBC-PRF-128 of itself under the all-zero 16-octet key. Writes 16 bytes.
    /// </summary>
    public static void AesXcbc128(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<byte> effectiveKey = stackalloc byte[AesOutputSize];
        effectiveKey.Clear();
        if (key.Length <= AesOutputSize)
        {
            key.CopyTo(effectiveKey);
        }
        else
        {
            Span<byte> zeroKey = stackalloc byte[AesOutputSize];
            zeroKey.Clear();
            AesXcbcMac(zeroKey, key, effectiveKey);
        }

        AesXcbcMac(effectiveKey, data, destination);
        CryptographicOperations.ZeroMemory(effectiveKey);
    }

    /// <summary>
    /// PRF_AES128_CMAC, AES-CMAC-PRF-128 (RFC 4615 §3): AES-CMAC (RFC 4493) without truncation, accepting any key
    /// length. A 16-octet key is used as is; a key of any other length (shorter ones too) is first replaced by
    /// AES-CMAC of itself under the all-zero 16-octet key. Writes 16 bytes.
    /// </summary>
    public static void AesCmac128(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<byte> effectiveKey = stackalloc byte[AesOutputSize];
        if (key.Length == AesOutputSize)
        {
            key.CopyTo(effectiveKey);
        }
        else
        {
            Span<byte> zeroKey = stackalloc byte[AesOutputSize];
            zeroKey.Clear();
            AesCmac(zeroKey, key, effectiveKey);
        }

        AesCmac(effectiveKey, data, destination);
        CryptographicOperations.ZeroMemory(effectiveKey);
    }

    /// <summary>Full 128-bit AES-XCBC-MAC (RFC 3566 §4) under a 16-octet key.</summary>
    public static void AesXcbcMac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<byte> k1 = stackalloc byte[AesOutputSize];
        byte[] subkeys = new byte[2 * AesOutputSize];
        XcbcKeys.Derive(key, k1, subkeys.AsSpan(0, 16), subkeys.AsSpan(16, 16));
        Mac(k1, subkeys, data, destination);
        CryptographicOperations.ZeroMemory(k1);
    }

    /// <summary>Full 128-bit AES-CMAC (RFC 4493 §2.4) under a 16-octet key.</summary>
    public static void AesCmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        byte[] subkeys = new byte[2 * AesOutputSize];
        CmacSubkeys.Derive(key, subkeys.AsSpan(0, 16), subkeys.AsSpan(16, 16));
        Mac(key, subkeys, data, destination);
    }

    /// <summary>Runs the whitened CBC-MAC once, then zeroes <paramref name="subkeys"/> and the context.</summary>
    private static void Mac(ReadOnlySpan<byte> cipherKey, byte[] subkeys, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        AesBlockCipher aes = AesBlockCipher.Create(cipherKey);
        var context = new IntegrityCbcMacContext(null, aes, subkeys, AesOutputSize);
        try
        {
            context.Append(data);
            context.Finish(destination[..AesOutputSize]);
        }
        finally
        {
            context.Release();
            aes.Dispose();
            CryptographicOperations.ZeroMemory(subkeys);
        }
    }
}
