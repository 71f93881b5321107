using System;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="IntegrityTransform"/> for an <see cref="IntegrityAlgorithm"/>.</summary>
internal static class IntegrityFactory
{
    /// <summary>Creates the transform from the integrity key.</summary>
    /// <param name="algorithm">The integrity algorithm (not GMAC: AH-GMAC uses the GCM transform).</param>
    /// <param name="key">The key. HMAC accepts any non-empty length here; the SA configuration enforces the RFC length.</param>
    /// <param name="forceSoftware">Use the portable AES code for XCBC and CMAC even where AES-NI exists (tests).</param>
    public static IntegrityTransform Create(IntegrityAlgorithm algorithm, ReadOnlySpan<byte> key, bool forceSoftware = false)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        switch (algorithm.TransformId)
        {
            case IntegrityTransformId.HmacMd5_96:
                return new HmacTransform(HashAlgorithmName.MD5, 16, algorithm.IcvSize, key);
            case IntegrityTransformId.HmacSha1_96:
                return new HmacTransform(HashAlgorithmName.SHA1, 20, algorithm.IcvSize, key);
            case IntegrityTransformId.HmacSha2_256_128:
                return new HmacTransform(HashAlgorithmName.SHA256, 32, algorithm.IcvSize, key);
            case IntegrityTransformId.HmacSha2_384_192:
                return new HmacTransform(HashAlgorithmName.SHA384, 48, algorithm.IcvSize, key);
            case IntegrityTransformId.HmacSha2_512_256:
                return new HmacTransform(HashAlgorithmName.SHA512, 64, algorithm.IcvSize, key);
            case IntegrityTransformId.AesXcbc96:
                return AesMacTransform.CreateXcbc(key, algorithm.IcvSize, forceSoftware);
            case IntegrityTransformId.AesCmac96:
                if (key.Length != 16)
                {
                    ThrowHelper.ThrowArgument($"AUTH_AES_CMAC_96 takes a 16-byte key; got {key.Length} bytes.", nameof(key));
                }

                return AesMacTransform.CreateCmac(key, algorithm.IcvSize, forceSoftware);
            default:
                throw new NotSupportedException($"{algorithm.Name} is built on the AES-GCM transform (AH-GMAC), not an integrity transform.");
        }
    }
}
