using System;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="CipherTransform"/> for a non-AEAD <see cref="EncryptionAlgorithm"/>.</summary>
internal static class CipherFactory
{
    /// <summary>Creates the transform from IKEv2 KEYMAT (the key, followed by the 4-octet nonce for AES-CTR).</summary>
    /// <param name="algorithm">A non-AEAD encryption algorithm.</param>
    /// <param name="keyMaterial">The KEYMAT.</param>
    /// <param name="forceSoftware">Use the portable AES code even where AES-NI exists (tests).</param>
    public static CipherTransform Create(EncryptionAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial, bool forceSoftware = false)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        switch (algorithm.TransformId)
        {
            case EncryptionTransformId.AesCbc:
                return new AesCbcTransform(keyMaterial, forceSoftware);
            case EncryptionTransformId.AesCtr:
                return new AesCtrTransform(keyMaterial, forceSoftware);
            case EncryptionTransformId.TripleDes:
                return new TripleDesCbcTransform(keyMaterial);
            case EncryptionTransformId.Null:
                if (!keyMaterial.IsEmpty)
                {
                    ThrowHelper.ThrowArgument("ENCR_NULL takes no key.", nameof(keyMaterial));
                }

                return new NullCipherTransform();
            default:
                ThrowHelper.ThrowArgument($"{algorithm.Name} is a combined-mode algorithm; use AeadFactory.", nameof(algorithm));
                return null;
        }
    }
}
