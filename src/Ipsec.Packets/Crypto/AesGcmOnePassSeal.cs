using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-GCM encryption in one pass over the data (AES-NI and PCLMULQDQ): each step encrypts a group of eight counter
/// blocks and, in the same loop body, multiplies the previous group's eight ciphertext blocks by H^8..H^1 (512-bit
/// VPCLMULQDQ where present) with one reduction, so the AES and carry-less multiply units work side by side and each
/// ciphertext block is read back while it is still in L1. Decryption cannot work this way: the tag is verified before
/// any plaintext is written, so it hashes first.
/// </summary>
[SkipLocalsInit]
internal static class AesGcmOnePassSeal
{
    /// <summary>The shortest text worth the one-pass loop: two groups of eight blocks.</summary>
    public const int MinimumLength = 256;

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (may be the same memory) with the key
    /// stream from <paramref name="counterBlock"/> (J0 + 1) on, and returns GHASH over the AAD, the ciphertext and the lengths.
    /// </summary>
    public static Vector128<byte> Seal(
        AesNiBlockCipher aes, GhashClmul ghash, Vector128<byte> counterBlock,
        ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Vector128<ulong> y = ghash.AbsorbAad(aadHead, aadTail);
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(aes.EncryptionKeys);
        int rounds = aes.Rounds;
        Vector128<uint> prefix = counterBlock.AsUInt32();
        uint counter = BinaryPrimitives.ReverseEndianness(prefix.GetElement(3));
        ref byte src = ref MemoryMarshal.GetReference(plaintext);
        ref byte dst = ref MemoryMarshal.GetReference(ciphertext);
        int groups = plaintext.Length >> 7;
        for (int g = 0; g < groups; g++)
        {
            int offset = g << 7;

            // The previous group's ciphertext is independent of this group's AES rounds: the two streams overlap in the
            // out-of-order core (the helper is inlined into this loop body).
            if (g > 0)
            {
                y = ghash.Absorb8(y, ref Unsafe.Add(ref dst, offset - 128));
            }

            AesNiBlockCipher.XorEightCounterBlocks(ref k, rounds, prefix, counter, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset));
            counter += 8;
        }

        int done = groups << 7;
        if (groups > 0)
        {
            y = ghash.Absorb8(y, ref Unsafe.Add(ref dst, done - 128));
        }

        if (done < plaintext.Length)
        {
            Vector128<byte> next = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte();
            aes.CtrXor(next, plaintext.Slice(done), ciphertext.Slice(done));
            y = ghash.AbsorbPadded(y, ciphertext.Slice(done, plaintext.Length - done));
        }

        return ghash.Finish(y, (long)aadHead.Length + aadTail.Length, plaintext.Length);
    }
}
