using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-GCM on AES-NI and PCLMULQDQ for texts beyond the short path, in one pass over the data: each step encrypts a
/// group of eight counter blocks and, in the same loop body, multiplies eight earlier ciphertext blocks by H^8..H^1
/// (512-bit VPCLMULQDQ where present) with one reduction, so the AES and carry-less multiply units work side by side.
/// The last partial group (0 to 127 bytes) goes through one more eight-lane AES pass together with E(J0), and its blocks
/// and the lengths block through one reduction.
/// </summary>
/// <remarks>
/// Sealing hashes the group written two steps before, not the one just written: reloading sixteen-byte stores as one
/// 64-byte load before they have left the store buffer defeats store-to-load forwarding and stalls every step.
/// Opening into separate memory decrypts in the same pass and clears what it wrote when the tag does not verify; opening
/// in place hashes first and decrypts only a verified text, so a refused packet is left as it came (the ESP layer checks
/// a late ESN packet's ICV a second time on the same bytes).
/// </remarks>
[SkipLocalsInit]
internal static class AesGcmPipelined
{
    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (may be the same memory) under the
    /// pre-counter block <paramref name="j0"/> and returns the full 16-byte tag.
    /// </summary>
    public static Vector128<byte> Seal(
        AesNiBlockCipher aes, GhashClmul ghash, Vector128<byte> j0,
        ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Vector128<ulong> y = ghash.AbsorbAad(aadHead, aadTail);
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(aes.EncryptionKeys);
        int rounds = aes.Rounds;
        Vector128<uint> prefix = j0.AsUInt32();
        uint counter = BinaryPrimitives.ReverseEndianness(prefix.GetElement(3)) + 1;
        ref byte src = ref MemoryMarshal.GetReference(plaintext);
        ref byte dst = ref MemoryMarshal.GetReference(ciphertext);
        int groups = plaintext.Length >> 7;
        for (int g = 0; g < groups; g++)
        {
            int offset = g << 7;

            // Group g - 2's ciphertext is independent of this group's AES rounds: the two streams overlap in the
            // out-of-order core (the helpers are inlined into this loop body).
            if (g >= 2)
            {
                y = ghash.Absorb8(y, ref Unsafe.Add(ref dst, offset - 256));
            }

            AesNiBlockCipher.XorEightCounterBlocks(ref k, rounds, prefix, counter, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset));
            counter += 8;
        }

        // The last one or two groups are hashed with the tail and the lengths, under one reduction.
        int done = groups << 7;
        int pendingBlocks = Math.Min(groups, 2) << 3;
        Unsafe.SkipInit(out StackBlock256 scratchStorage);
        Span<byte> scratch = scratchStorage[..ScratchLength];
        Vector128<byte> tag = FinishTail(
            ref k, rounds, ghash, j0, prefix, counter, y, ref Unsafe.Add(ref dst, done - 16 * pendingBlocks), pendingBlocks,
            plaintext.Slice(done), ciphertext.Slice(done), scratch, encrypting: true, (long)aadHead.Length + aadTail.Length, plaintext.Length);
        CryptographicOperations.ZeroMemory(scratch);
        return tag;
    }

    /// <summary>
    /// Verifies <paramref name="tag"/> over the AAD and <paramref name="ciphertext"/> under <paramref name="j0"/> and, when
    /// it matches, decrypts into <paramref name="plaintext"/> (the same memory or separate). Into separate memory it
    /// decrypts while it hashes (one pass) unless <paramref name="verifyFirst"/>; in place, or with
    /// <paramref name="verifyFirst"/>, it hashes first and decrypts only a packet that verified. On a mismatch the
    /// plaintext is as it was (in place, or verified first) or cleared (one pass), and false is returned.
    /// </summary>
    public static bool TryOpen(
        AesNiBlockCipher aes, GhashClmul ghash, Vector128<byte> j0,
        ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext,
        bool verifyFirst)
    {
        Vector128<ulong> y = ghash.AbsorbAad(aadHead, aadTail);
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(aes.EncryptionKeys);
        int rounds = aes.Rounds;
        Vector128<uint> prefix = j0.AsUInt32();
        uint first = BinaryPrimitives.ReverseEndianness(prefix.GetElement(3)) + 1;
        uint counter = first;
        ref byte src = ref MemoryMarshal.GetReference(ciphertext);
        ref byte dst = ref MemoryMarshal.GetReference(plaintext);
        int groups = ciphertext.Length >> 7;
        int done = groups << 7;
        bool onePass = !verifyFirst && !ciphertext.Overlaps(plaintext);
        int pendingBlocks = Math.Min(groups, 2) << 3;
        if (onePass)
        {
            // As in Seal, two groups behind: the last two are hashed with the tail under one reduction.
            for (int g = 0; g < groups; g++)
            {
                int offset = g << 7;
                if (g >= 2)
                {
                    y = ghash.Absorb8(y, ref Unsafe.Add(ref src, offset - 256));
                }

                AesNiBlockCipher.XorEightCounterBlocks(ref k, rounds, prefix, counter, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset));
                counter += 8;
            }
        }
        else
        {
            y = ghash.AbsorbPadded(y, ciphertext.Slice(0, done - 16 * pendingBlocks));
            counter += (uint)(groups << 3);
        }

        Unsafe.SkipInit(out StackBlock256 scratchStorage);
        Span<byte> scratch = scratchStorage[..ScratchLength];
        int tailLength = ciphertext.Length - done;
        Vector128<byte> full = FinishTail(
            ref k, rounds, ghash, j0, prefix, counter, y, ref Unsafe.Add(ref src, done - 16 * pendingBlocks), pendingBlocks, ciphertext.Slice(done), default, scratch,
            encrypting: false, (long)aadHead.Length + aadTail.Length, ciphertext.Length);
        bool verified = TagComparison.Matches(full, tag);
        if (verified)
        {
            if (!onePass && groups > 0)
            {
                AesNiBlockCipher.Ctr(aes.EncryptionKeys, rounds, prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(first)).AsByte(),
                    ciphertext.Slice(0, done), plaintext.Slice(0, done));
            }

            scratch.Slice(TextOffset, tailLength).CopyTo(plaintext.Slice(done));
        }
        else if (onePass)
        {
            plaintext.Clear();
        }

        CryptographicOperations.ZeroMemory(scratch);
        return verified;
    }

    // Scratch: E(J0) in block 0, then the tail text (up to eight blocks).
    private const int TextOffset = 16;
    private const int ScratchLength = TextOffset + 128;

    /// <summary>
    /// The tail (0..127 bytes) after the whole groups, with E(J0): one eight-lane AES pass over E(J0) and the tail's first
    /// seven counter blocks (an eighth block, for tails over 112 bytes, separately), GHASH of the <paramref name="groupBlocks"/>
    /// still unhashed whole blocks at <paramref name="groups"/>, the tail's ciphertext and the lengths with one reduction. Encrypting writes the tail's ciphertext to <paramref name="destination"/>; decrypting
    /// leaves the tail's plaintext in <paramref name="scratch"/> at <see cref="TextOffset"/> for the caller to release.
    /// Returns the full tag.
    /// </summary>
    private static Vector128<byte> FinishTail(
        ref Vector128<byte> k, int rounds, GhashClmul ghash, Vector128<byte> j0, Vector128<uint> prefix, uint counter,
        Vector128<ulong> y, ref byte groups, int groupBlocks, ReadOnlySpan<byte> source, Span<byte> destination, Span<byte> scratch, bool encrypting,
        long aadLength, long textLength)
    {
        int blocks = (source.Length + 15) >> 4;
        scratch.Slice(0, TextOffset + 16 * blocks).Clear();
        source.CopyTo(scratch.Slice(TextOffset));
        ref byte s = ref MemoryMarshal.GetReference(scratch);
        ref byte text = ref Unsafe.Add(ref s, TextOffset);
        Vector128<byte> hash = default;
        if (!encrypting)
        {
            hash = ghash.FinishBlocks(y, ref groups, groupBlocks, ref text, blocks, aadLength, textLength);
        }

        AesNiBlockCipher.XorEightBlocks(ref k, rounds, j0, prefix, counter, ref s, ref s);
        if (blocks == 8)
        {
            ref byte last = ref Unsafe.Add(ref text, 112);
            Vector128<byte> block = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 7)).AsByte();
            Vector128<byte> keyStream = AesNiBlockCipher.Encrypt(ref k, rounds, block);
            (keyStream ^ Vector128.LoadUnsafe(ref last)).StoreUnsafe(ref last);
        }

        if (encrypting)
        {
            Span<byte> tail = scratch.Slice(TextOffset, 16 * blocks);
            tail.Slice(0, source.Length).CopyTo(destination);
            tail.Slice(source.Length).Clear();
            hash = ghash.FinishBlocks(y, ref groups, groupBlocks, ref text, blocks, aadLength, textLength);
        }

        return hash ^ Vector128.LoadUnsafe(ref s);
    }
}
