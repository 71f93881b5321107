using System;
using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>The AES-CMAC subkey generation (RFC 4493 §2.3).</summary>
internal static class CmacSubkeys
{
    /// <summary>
    /// Derives L = AES-K(0^128), K1 = L doubled and K2 = K1 doubled in GF(2^128) (x^128 + x^7 + x^2 + x + 1).
    /// K1 whitens a whole last block, K2 a padded one. The temporary AES schedule is zeroed before returning.
    /// </summary>
    public static void Derive(ReadOnlySpan<byte> key, Span<byte> k1, Span<byte> k2)
    {
        if (key.Length != IntegrityCbcMacContext.BlockSize)
        {
            ThrowHelper.ThrowArgument($"AES-CMAC requires a 16-byte key; got {key.Length} bytes.", nameof(key));
        }

        using AesBlockCipher aes = AesBlockCipher.Create(key);
        Derive(aes, k1, k2);
    }

    /// <summary>Derives K1 and K2 with an AES already keyed with K.</summary>
    public static void Derive(AesBlockCipher aes, Span<byte> k1, Span<byte> k2)
    {
        aes.EncryptBlock(Vector128<byte>.Zero).CopyTo(k1);
        Double(k1, k1);
        Double(k1, k2);
    }

    /// <summary>
    /// Multiplies a 128-bit big-endian block by x in GF(2^128): a left shift by one bit, then XOR of
    /// R_128 = 0x87 into the last octet when the shifted-out bit was 1 (without a data-dependent branch).
    /// </summary>
    internal static void Double(ReadOnlySpan<byte> block, Span<byte> destination)
    {
        ulong high = BinaryPrimitives.ReadUInt64BigEndian(block);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(block[8..]);
        ulong carry = 0UL - (high >> 63);
        BinaryPrimitives.WriteUInt64BigEndian(destination, (high << 1) | (low >> 63));
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], (low << 1) ^ (carry & 0x87));
    }
}
