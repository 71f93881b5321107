using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-GCM for short packets (at most 16 bytes of AAD and <see cref="GhashClmul.ShortCiphertextLimit"/> bytes of text) on
/// AES-NI and PCLMULQDQ: E(J0) and the text's seven counter blocks in one eight-lane AES pass, GHASH of AAD, text and
/// lengths under one reduction. Whole blocks are loaded and stored sixteen bytes at a time; a partial last block is
/// zero-padded once and kept in a register for GHASH, so no wide load reads back bytes just written narrower (which
/// would wait for the store buffer instead of being forwarded from it).
/// </summary>
[SkipLocalsInit]
internal static class AesGcmShort
{
    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (may be the same memory) and returns the full tag.</summary>
    public static Vector128<byte> Seal(
        AesNiBlockCipher aes, GhashClmul ghash, Vector128<byte> j0,
        ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Unsafe.SkipInit(out StackBlock128 keyStreamBlocks);
        Span<byte> keyStream = keyStreamBlocks;
        aes.KeyStream8(j0, keyStream);
        ref byte ks = ref MemoryMarshal.GetReference(keyStream);
        ref byte src = ref MemoryMarshal.GetReference(plaintext);
        ref byte dst = ref MemoryMarshal.GetReference(ciphertext);
        int whole = plaintext.Length >> 4;
        int partial = plaintext.Length & 15;
        for (int i = 0; i < whole; i++)
        {
            nuint offset = (nuint)(16 * i);
            (Vector128.LoadUnsafe(ref src, offset) ^ Vector128.LoadUnsafe(ref ks, offset + 16)).StoreUnsafe(ref dst, offset);
        }

        Vector128<byte> last = default;
        if (partial != 0)
        {
            Unsafe.SkipInit(out StackBlock16 blockBytes);
            Span<byte> block = blockBytes;
            last = (VectorMasks.LoadPartialBlock(plaintext.Slice(16 * whole)) ^ Vector128.LoadUnsafe(ref ks, (nuint)(16 * whole + 16))) & VectorMasks.FirstBytes(partial);
            last.CopyTo(block);
            block.Slice(0, partial).CopyTo(ciphertext.Slice(16 * whole));
        }

        Vector128<byte> tag = ghash.ComputeShort(aadHead, aadTail, ciphertext, last) ^ Vector128.LoadUnsafe(ref ks);
        CryptographicOperations.ZeroMemory(keyStream);
        return tag;
    }

    /// <summary>
    /// Verifies <paramref name="tag"/> and only then decrypts <paramref name="ciphertext"/> into <paramref name="plaintext"/>
    /// (the same memory or separate); on a mismatch nothing is written and false is returned.
    /// </summary>
    public static bool TryOpen(
        AesNiBlockCipher aes, GhashClmul ghash, Vector128<byte> j0,
        ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Unsafe.SkipInit(out StackBlock128 keyStreamBlocks);
        Span<byte> keyStream = keyStreamBlocks;
        aes.KeyStream8(j0, keyStream);
        ref byte ks = ref MemoryMarshal.GetReference(keyStream);
        int whole = ciphertext.Length >> 4;
        int partial = ciphertext.Length & 15;
        Unsafe.SkipInit(out StackBlock16 blockBytes);
        Span<byte> block = blockBytes;
        Vector128<byte> last = default;
        if (partial != 0)
        {
            last = VectorMasks.LoadPartialBlock(ciphertext.Slice(16 * whole));
        }

        bool verified = TagComparison.Matches(ghash.ComputeShort(aadHead, aadTail, ciphertext, last) ^ Vector128.LoadUnsafe(ref ks), tag);
        if (verified)
        {
            ref byte src = ref MemoryMarshal.GetReference(ciphertext);
            ref byte dst = ref MemoryMarshal.GetReference(plaintext);
            for (int i = 0; i < whole; i++)
            {
                nuint offset = (nuint)(16 * i);
                (Vector128.LoadUnsafe(ref src, offset) ^ Vector128.LoadUnsafe(ref ks, offset + 16)).StoreUnsafe(ref dst, offset);
            }

            if (partial != 0)
            {
                (last ^ Vector128.LoadUnsafe(ref ks, (nuint)(16 * whole + 16))).CopyTo(block);
                block.Slice(0, partial).CopyTo(plaintext.Slice(16 * whole));
                CryptographicOperations.ZeroMemory(block);
            }
        }

        CryptographicOperations.ZeroMemory(keyStream);
        return verified;
    }
}
