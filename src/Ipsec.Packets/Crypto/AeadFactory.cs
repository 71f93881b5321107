using System;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="AeadTransform"/> for an AEAD <see cref="EncryptionAlgorithm"/>.</summary>
internal static class AeadFactory
{
    /// <summary>Creates the transform from IKEv2 KEYMAT (key followed by the salt).</summary>
    public static AeadTransform Create(EncryptionAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial) =>
        throw new NotSupportedException($"{algorithm.Name} is not implemented yet ({keyMaterial.Length} bytes of KEYMAT).");
}
