using System;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="CipherTransform"/> for a non-AEAD <see cref="EncryptionAlgorithm"/>.</summary>
internal static class CipherFactory
{
    /// <summary>Creates the transform from IKEv2 KEYMAT (the key, followed by the 4-octet nonce for AES-CTR).</summary>
    /// <exception cref="ArgumentException">The algorithm is an AEAD, or the KEYMAT length fits none of its key sizes.</exception>
    public static CipherTransform Create(EncryptionAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        if (algorithm.IsAead)
        {
            throw new ArgumentException($"{algorithm.Name} is a combined-mode algorithm; use AeadFactory.", nameof(algorithm));
        }

        int keyLength = KeyMaterial.KeyLength(algorithm, keyMaterial);
        ReadOnlySpan<byte> key = keyMaterial.Slice(0, keyLength);
        return algorithm.TransformId switch
        {
            EncryptionTransformId.AesCbc => new AesCbcTransform(key),
            EncryptionTransformId.AesCtr => new AesCtrTransform(key, keyMaterial.Slice(keyLength)),
            EncryptionTransformId.TripleDes => new TripleDesCbcTransform(key),
            EncryptionTransformId.Null => new NullCipherTransform(),
            _ => throw new ArgumentException($"{algorithm.Name} has no cipher implementation.", nameof(algorithm)),
        };
    }
}
