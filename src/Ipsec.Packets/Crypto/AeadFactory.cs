using System;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="AeadTransform"/> for an AEAD <see cref="EncryptionAlgorithm"/>.</summary>
internal static class AeadFactory
{
    /// <summary>Creates the transform from IKEv2 KEYMAT (the key followed by the salt).</summary>
    /// <exception cref="ArgumentException">The algorithm is not an AEAD, or the KEYMAT length fits none of its key sizes.</exception>
    public static AeadTransform Create(EncryptionAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        if (!algorithm.IsAead)
        {
            throw new ArgumentException($"{algorithm.Name} is not a combined-mode algorithm; use CipherFactory.", nameof(algorithm));
        }

        int keyLength = KeyMaterial.KeyLength(algorithm, keyMaterial);
        ReadOnlySpan<byte> key = keyMaterial.Slice(0, keyLength);
        ReadOnlySpan<byte> salt = keyMaterial.Slice(keyLength);
        return algorithm.TransformId switch
        {
            EncryptionTransformId.AesGcm8 or EncryptionTransformId.AesGcm12 or EncryptionTransformId.AesGcm16 =>
                new AesGcmTransform(key, salt, algorithm.IcvSize, isGmac: false),
            EncryptionTransformId.NullAuthAesGmac => new AesGcmTransform(key, salt, algorithm.IcvSize, isGmac: true),
            EncryptionTransformId.AesCcm8 or EncryptionTransformId.AesCcm12 or EncryptionTransformId.AesCcm16 =>
                new AesCcmTransform(key, salt, algorithm.IcvSize),
            EncryptionTransformId.ChaCha20Poly1305 => new ChaCha20Poly1305Transform(key, salt),
            _ => throw new ArgumentException($"{algorithm.Name} has no AEAD implementation.", nameof(algorithm)),
        };
    }
}
