using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

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
            Vector128<byte> k0 = k;
            Vector128<byte> b0 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte() ^ k0;
            Vector128<byte> b1 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 1)).AsByte() ^ k0;
            Vector128<byte> b2 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 2)).AsByte() ^ k0;
            Vector128<byte> b3 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 3)).AsByte() ^ k0;
            Vector128<byte> b4 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 4)).AsByte() ^ k0;
            Vector128<byte> b5 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 5)).AsByte() ^ k0;
            Vector128<byte> b6 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 6)).AsByte() ^ k0;
            Vector128<byte> b7 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 7)).AsByte() ^ k0;
            counter += 8;
            for (int i = 1; i < rounds; i++)
            {
                Vector128<byte> ki = Unsafe.Add(ref k, i);
                b0 = X86Aes.Encrypt(b0, ki);
                b1 = X86Aes.Encrypt(b1, ki);
                b2 = X86Aes.Encrypt(b2, ki);
                b3 = X86Aes.Encrypt(b3, ki);
                b4 = X86Aes.Encrypt(b4, ki);
                b5 = X86Aes.Encrypt(b5, ki);
                b6 = X86Aes.Encrypt(b6, ki);
                b7 = X86Aes.Encrypt(b7, ki);
            }

            // The previous group's ciphertext, independent of the rounds above: the two streams overlap.
            if (g > 0)
            {
                y = ghash.Absorb8(y, ref Unsafe.Add(ref dst, offset - 128));
            }

            Vector128<byte> kl = Unsafe.Add(ref k, rounds);
            ref byte s = ref Unsafe.Add(ref src, offset);
            ref byte d = ref Unsafe.Add(ref dst, offset);
            Vector128<byte> x0 = X86Aes.EncryptLast(b0, kl) ^ Vector128.LoadUnsafe(ref s);
            Vector128<byte> x1 = X86Aes.EncryptLast(b1, kl) ^ Vector128.LoadUnsafe(ref s, 16);
            Vector128<byte> x2 = X86Aes.EncryptLast(b2, kl) ^ Vector128.LoadUnsafe(ref s, 32);
            Vector128<byte> x3 = X86Aes.EncryptLast(b3, kl) ^ Vector128.LoadUnsafe(ref s, 48);
            Vector128<byte> x4 = X86Aes.EncryptLast(b4, kl) ^ Vector128.LoadUnsafe(ref s, 64);
            Vector128<byte> x5 = X86Aes.EncryptLast(b5, kl) ^ Vector128.LoadUnsafe(ref s, 80);
            Vector128<byte> x6 = X86Aes.EncryptLast(b6, kl) ^ Vector128.LoadUnsafe(ref s, 96);
            Vector128<byte> x7 = X86Aes.EncryptLast(b7, kl) ^ Vector128.LoadUnsafe(ref s, 112);
            x0.StoreUnsafe(ref d);
            x1.StoreUnsafe(ref d, 16);
            x2.StoreUnsafe(ref d, 32);
            x3.StoreUnsafe(ref d, 48);
            x4.StoreUnsafe(ref d, 64);
            x5.StoreUnsafe(ref d, 80);
            x6.StoreUnsafe(ref d, 96);
            x7.StoreUnsafe(ref d, 112);
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
