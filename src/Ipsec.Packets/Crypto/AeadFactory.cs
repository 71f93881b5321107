using System;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="AeadTransform"/> for an AEAD <see cref="EncryptionAlgorithm"/>.</summary>
internal static class AeadFactory
{
    /// <summary>Creates the transform from IKEv2 KEYMAT (key followed by the salt).</summary>
    /// <param name="algorithm">An AEAD algorithm.</param>
    /// <param name="keyMaterial">The key followed by the salt.</param>
    /// <param name="forceSoftware">Use the portable code paths even where AES-NI and PCLMULQDQ exist (tests).</param>
    public static AeadTransform Create(EncryptionAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial, bool forceSoftware = false)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        switch (algorithm.TransformId)
        {
            case EncryptionTransformId.AesGcm8:
            case EncryptionTransformId.AesGcm12:
            case EncryptionTransformId.AesGcm16:
            case EncryptionTransformId.NullAuthAesGmac:
                return new AesGcmTransform(keyMaterial, algorithm.IcvSize, forceSoftware);
            case EncryptionTransformId.AesCcm8:
            case EncryptionTransformId.AesCcm12:
            case EncryptionTransformId.AesCcm16:
                return new AesCcmTransform(keyMaterial, algorithm.IcvSize, forceSoftware);
            case EncryptionTransformId.ChaCha20Poly1305:
                return new ChaCha20Poly1305Transform(keyMaterial);
            default:
                ThrowHelper.ThrowArgument($"{algorithm.Name} is not a combined-mode algorithm.", nameof(algorithm));
                return null;
        }
    }
}
