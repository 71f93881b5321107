using System;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>The AES-XCBC-MAC key derivation (RFC 3566 §4, step 1).</summary>
internal static class XcbcKeys
{
    /// <summary>
    /// Derives K1 = AES-K(0x01 x 16), K2 = AES-K(0x02 x 16) and K3 = AES-K(0x03 x 16) from the 16-octet key K.
    /// K1 keys the CBC chain; K2 whitens a whole last block, K3 a padded one. The temporary AES schedule is zeroed
    /// before returning.
    /// </summary>
    public static void Derive(ReadOnlySpan<byte> key, Span<byte> k1, Span<byte> k2, Span<byte> k3)
    {
        if (key.Length != IntegrityCbcMacContext.BlockSize)
        {
            ThrowHelper.ThrowArgument($"AES-XCBC-MAC requires a 16-byte key; got {key.Length} bytes.", nameof(key));
        }

        using AesBlockCipher aes = AesBlockCipher.Create(key);
        aes.EncryptBlock(Vector128.Create((byte)0x01)).CopyTo(k1);
        aes.EncryptBlock(Vector128.Create((byte)0x02)).CopyTo(k2);
        aes.EncryptBlock(Vector128.Create((byte)0x03)).CopyTo(k3);
    }
}
