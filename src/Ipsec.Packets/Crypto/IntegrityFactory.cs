using System;

namespace Ipsec.Packets.Crypto;

/// <summary>Builds the keyed <see cref="IntegrityTransform"/> for an <see cref="IntegrityAlgorithm"/>.</summary>
internal static class IntegrityFactory
{
    /// <summary>Creates the transform from the integrity key.</summary>
    public static IntegrityTransform Create(IntegrityAlgorithm algorithm, ReadOnlySpan<byte> key) =>
        throw new NotSupportedException($"{algorithm.Name} is not implemented yet ({key.Length}-byte key).");
}
