using System;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="CipherTransform"/> for a non-AEAD <see cref="EncryptionAlgorithm"/>.</summary>
internal static class CipherFactory
{
    /// <summary>Creates the transform from IKEv2 KEYMAT (the key, followed by the 4-octet nonce for AES-CTR).</summary>
    public static CipherTransform Create(EncryptionAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial) =>
        throw new NotSupportedException($"{algorithm.Name} is not implemented yet ({keyMaterial.Length} bytes of KEYMAT).");
}
