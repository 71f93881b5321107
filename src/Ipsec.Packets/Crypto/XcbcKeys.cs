using System;
using Ipsec.Packets.Internal;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Crypto;

/// <summary>The AES-XCBC-MAC key derivation (RFC 3566 §4, step 1).</summary>
internal static class XcbcKeys
{
    /// <summary>
    /// Derives K1 = AES-K(0x01 x 16), K2 = AES-K(0x02 x 16) and K3 = AES-K(0x03 x 16) from the 16-octet key K.
    /// K1 keys the CBC chain; K2 whitens a whole last block, K3 a padded one.
    /// </summary>
    public static void Derive(ReadOnlySpan<byte> key, Span<byte> k1, Span<byte> k2, Span<byte> k3)
    {
        if (key.Length != IntegrityCbcMacContext.BlockSize)
        {
            ThrowHelper.ThrowArgument($"AES-XCBC-MAC requires a 16-byte key; got {key.Length} bytes.", nameof(key));
        }

        IBlockCipher engine = AesUtilities.CreateEngine();
        engine.Init(true, new KeyParameter(key));
        Encrypt(engine, 0x01, k1);
        Encrypt(engine, 0x02, k2);
        Encrypt(engine, 0x03, k3);
    }

    private static void Encrypt(IBlockCipher engine, byte constant, Span<byte> destination)
    {
        Span<byte> block = stackalloc byte[IntegrityCbcMacContext.BlockSize];
        block.Fill(constant);
        engine.ProcessBlock(block, destination);
    }
}
