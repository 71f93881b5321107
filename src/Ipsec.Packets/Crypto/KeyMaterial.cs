using System;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>Validates IKEv2 KEYMAT lengths and the per-call buffer contracts shared by the transforms.</summary>
internal static class KeyMaterial
{
    /// <summary>Returns the key length in bytes (KEYMAT minus the salt) or throws naming the accepted sizes.</summary>
    public static int KeyLength(EncryptionAlgorithm algorithm, ReadOnlySpan<byte> keyMaterial)
    {
        int keyLength = keyMaterial.Length - algorithm.SaltSize;
        if (keyLength < 0 || !algorithm.IsValidKeySize(keyLength * 8))
        {
            ThrowBadKeyMaterial(algorithm, keyMaterial.Length);
        }

        return keyLength;
    }

    private static void ThrowBadKeyMaterial(EncryptionAlgorithm algorithm, int length)
    {
        ReadOnlySpan<int> sizes = algorithm.KeySizesInBits;
        string accepted = "";
        for (int i = 0; i < sizes.Length; i++)
        {
            accepted += (i == 0 ? "" : ", ") + ((sizes[i] / 8) + algorithm.SaltSize).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        string salt = algorithm.SaltSize == 0 ? "" : $" (key followed by a {algorithm.SaltSize}-byte salt)";
        ThrowHelper.ThrowArgument(
            $"{algorithm.Name} KEYMAT must be {accepted} bytes long{salt}; got {length} bytes.", "keyMaterial");
    }

    /// <summary>Throws when <paramref name="destination"/> has another length than <paramref name="source"/> or overlaps it partially.</summary>
    public static void CheckInOut(ReadOnlySpan<byte> source, Span<byte> destination, string destinationName)
    {
        if (source.Length != destination.Length)
        {
            ThrowHelper.ThrowArgument($"The output must be exactly as long as the input ({source.Length} bytes); got {destination.Length} bytes.", destinationName);
        }

        if (source.Overlaps(destination, out int offset) && offset != 0)
        {
            ThrowHelper.ThrowOverlap(destinationName);
        }
    }

    /// <summary>Throws when <paramref name="buffer"/> is not exactly <paramref name="length"/> bytes.</summary>
    public static void CheckLength(ReadOnlySpan<byte> buffer, int length, string name)
    {
        if (buffer.Length != length)
        {
            ThrowHelper.ThrowArgument($"Expected exactly {length} bytes; got {buffer.Length} bytes.", name);
        }
    }
}
