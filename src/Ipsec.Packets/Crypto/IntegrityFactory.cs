using System;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="IntegrityTransform"/> for an <see cref="IntegrityAlgorithm"/>.</summary>
internal static class IntegrityFactory
{
    /// <summary>Creates the transform from the integrity key.</summary>
    /// <param name="algorithm">The integrity algorithm of the SA.</param>
    /// <param name="key">
    /// The integrity key. HMAC transforms accept any non-empty length (the SA configuration enforces the RFC key size);
    /// AES-XCBC-MAC-96 and AES-CMAC-96 require exactly 16 bytes. The transform keeps no reference to this memory.
    /// </param>
    /// <exception cref="ArgumentException">The key length does not fit the algorithm.</exception>
    /// <exception cref="NotSupportedException">The algorithm is an AH-GMAC transform, which is built on the AEAD transform.</exception>
    public static IntegrityTransform Create(IntegrityAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return algorithm.TransformId switch
        {
            IntegrityTransformId.HmacMd5_96 => Hmac(algorithm, HashAlgorithmName.MD5, key),
            IntegrityTransformId.HmacSha1_96 => Hmac(algorithm, HashAlgorithmName.SHA1, key),
            IntegrityTransformId.HmacSha2_256_128 => Hmac(algorithm, HashAlgorithmName.SHA256, key),
            IntegrityTransformId.HmacSha2_384_192 => Hmac(algorithm, HashAlgorithmName.SHA384, key),
            IntegrityTransformId.HmacSha2_512_256 => Hmac(algorithm, HashAlgorithmName.SHA512, key),
            IntegrityTransformId.AesXcbc96 => IntegrityCbcMacTransform.CreateXcbc(algorithm.Name, CheckAesKey(algorithm, key), algorithm.IcvSize),
            IntegrityTransformId.AesCmac96 => IntegrityCbcMacTransform.CreateCmac(algorithm.Name, CheckAesKey(algorithm, key), algorithm.IcvSize),
            IntegrityTransformId.AesGmac128 or IntegrityTransformId.AesGmac192 or IntegrityTransformId.AesGmac256 =>
                throw new NotSupportedException(
                    $"{algorithm.Name} is not an IntegrityTransform: AH-GMAC (RFC 4543) is built on the AES-GCM AEAD transform with an empty plaintext."),
            _ => throw new NotSupportedException($"{algorithm.Name} has no integrity transform."),
        };
    }

    private static HmacIntegrityTransform Hmac(IntegrityAlgorithm algorithm, HashAlgorithmName hashAlgorithm, ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException($"{algorithm.Name} requires a non-empty key.", nameof(key));
        }

        return new HmacIntegrityTransform(algorithm.Name, hashAlgorithm, key, algorithm.IcvSize);
    }

    private static ReadOnlySpan<byte> CheckAesKey(IntegrityAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        if (key.Length != algorithm.KeySize)
        {
            throw new ArgumentException($"{algorithm.Name} requires a {algorithm.KeySize}-byte key; got {key.Length} bytes.", nameof(key));
        }

        return key;
    }
}
