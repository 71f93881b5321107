using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ipsec.Packets.Crypto;

/// <summary>The ChaCha20 block function and stream cipher of RFC 8439 §2.3–2.4 (32-bit counter, 96-bit nonce).</summary>
[SkipLocalsInit]
internal static class ChaCha20
{
    /// <summary>The 16-word input state: constants, key, counter, nonce.</summary>
    [InlineArray(16)]
    internal struct State
    {
        private uint _element;
    }

    public static void Initialize(ref State state, ReadOnlySpan<uint> key, uint counter, uint nonce0, uint nonce1, uint nonce2)
    {
        state[0] = 0x61707865;
        state[1] = 0x3320646e;
        state[2] = 0x79622d32;
        state[3] = 0x6b206574;
        for (int i = 0; i < 8; i++)
        {
            state[4 + i] = key[i];
        }

        state[12] = counter;
        state[13] = nonce0;
        state[14] = nonce1;
        state[15] = nonce2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d = BitOperations.RotateLeft(d ^ a, 16);
        c += d; b = BitOperations.RotateLeft(b ^ c, 12);
        a += b; d = BitOperations.RotateLeft(d ^ a, 8);
        c += d; b = BitOperations.RotateLeft(b ^ c, 7);
    }

    /// <summary>Writes the 64-byte key-stream block for <paramref name="state"/> (its counter word included).</summary>
    public static void Block(ref State state, Span<byte> output)
    {
        uint x0 = state[0], x1 = state[1], x2 = state[2], x3 = state[3];
        uint x4 = state[4], x5 = state[5], x6 = state[6], x7 = state[7];
        uint x8 = state[8], x9 = state[9], x10 = state[10], x11 = state[11];
        uint x12 = state[12], x13 = state[13], x14 = state[14], x15 = state[15];
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        Span<uint> words = MemoryMarshal.Cast<byte, uint>(output);
        words[0] = x0 + state[0]; words[1] = x1 + state[1]; words[2] = x2 + state[2]; words[3] = x3 + state[3];
        words[4] = x4 + state[4]; words[5] = x5 + state[5]; words[6] = x6 + state[6]; words[7] = x7 + state[7];
        words[8] = x8 + state[8]; words[9] = x9 + state[9]; words[10] = x10 + state[10]; words[11] = x11 + state[11];
        words[12] = x12 + state[12]; words[13] = x13 + state[13]; words[14] = x14 + state[14]; words[15] = x15 + state[15];
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotate(Vector128<uint> v, int n) => Vector128.ShiftLeft(v, n) | Vector128.ShiftRightLogical(v, 32 - n);

    // Rotations by 16 and 8 bits move whole bytes: one PSHUFB instead of two shifts and an OR.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotate16(Vector128<uint> v) => Ssse3.IsSupported
        ? Ssse3.Shuffle(v.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32()
        : Rotate(v, 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotate8(Vector128<uint> v) => Ssse3.IsSupported
        ? Ssse3.Shuffle(v.AsByte(), Vector128.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32()
        : Rotate(v, 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate16(Vector256<uint> v) => Avx2.IsSupported
        ? Avx2.Shuffle(v.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32()
        : Rotate(v, 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate8(Vector256<uint> v) => Avx2.IsSupported
        ? Avx2.Shuffle(v.AsByte(), Vector256.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32()
        : Rotate(v, 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        a += b; d = Rotate16(d ^ a);
        c += d; b = Rotate(b ^ c, 12);
        a += b; d = Rotate8(d ^ a);
        c += d; b = Rotate(b ^ c, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate(Vector256<uint> v, int n) => Vector256.ShiftLeft(v, n) | Vector256.ShiftRightLogical(v, 32 - n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        a += b; d = Rotate16(d ^ a);
        c += d; b = Rotate(b ^ c, 12);
        a += b; d = Rotate8(d ^ a);
        c += d; b = Rotate(b ^ c, 7);
    }

    /// <summary>
    /// Four blocks at once, one per vector lane (counters c..c+3): XORs 256 bytes of <paramref name="source"/> into
    /// <paramref name="destination"/> and advances the counter by four.
    /// </summary>
    private static void Xor4(ref State state, ReadOnlySpan<byte> source, Span<byte> destination, Span<uint> words)
    {
        uint counter = state[12];
        Vector128<uint> c12 = Vector128.Create(counter, counter + 1, counter + 2, counter + 3);
        Vector128<uint> x0 = Vector128.Create(state[0]), x1 = Vector128.Create(state[1]), x2 = Vector128.Create(state[2]), x3 = Vector128.Create(state[3]);
        Vector128<uint> x4 = Vector128.Create(state[4]), x5 = Vector128.Create(state[5]), x6 = Vector128.Create(state[6]), x7 = Vector128.Create(state[7]);
        Vector128<uint> x8 = Vector128.Create(state[8]), x9 = Vector128.Create(state[9]), x10 = Vector128.Create(state[10]), x11 = Vector128.Create(state[11]);
        Vector128<uint> x12 = c12, x13 = Vector128.Create(state[13]), x14 = Vector128.Create(state[14]), x15 = Vector128.Create(state[15]);
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        // Word i of block j is lane j of x_i (plus the input word); lay the vectors out and gather per block.
        ref uint w = ref MemoryMarshal.GetReference(words);
        (x0 + Vector128.Create(state[0])).StoreUnsafe(ref w, 0);
        (x1 + Vector128.Create(state[1])).StoreUnsafe(ref w, 4);
        (x2 + Vector128.Create(state[2])).StoreUnsafe(ref w, 8);
        (x3 + Vector128.Create(state[3])).StoreUnsafe(ref w, 12);
        (x4 + Vector128.Create(state[4])).StoreUnsafe(ref w, 16);
        (x5 + Vector128.Create(state[5])).StoreUnsafe(ref w, 20);
        (x6 + Vector128.Create(state[6])).StoreUnsafe(ref w, 24);
        (x7 + Vector128.Create(state[7])).StoreUnsafe(ref w, 28);
        (x8 + Vector128.Create(state[8])).StoreUnsafe(ref w, 32);
        (x9 + Vector128.Create(state[9])).StoreUnsafe(ref w, 36);
        (x10 + Vector128.Create(state[10])).StoreUnsafe(ref w, 40);
        (x11 + Vector128.Create(state[11])).StoreUnsafe(ref w, 44);
        (x12 + c12).StoreUnsafe(ref w, 48);
        (x13 + Vector128.Create(state[13])).StoreUnsafe(ref w, 52);
        (x14 + Vector128.Create(state[14])).StoreUnsafe(ref w, 56);
        (x15 + Vector128.Create(state[15])).StoreUnsafe(ref w, 60);

        ReadOnlySpan<uint> input = MemoryMarshal.Cast<byte, uint>(source.Slice(0, 256));
        Span<uint> output = MemoryMarshal.Cast<byte, uint>(destination.Slice(0, 256));
        for (int block = 0; block < 4; block++)
        {
            for (int i = 0; i < 16; i++)
            {
                output[16 * block + i] = input[16 * block + i] ^ Unsafe.Add(ref w, 4 * i + block);
            }
        }

        state[12] = counter + 4;
    }

    /// <summary>
    /// Eight blocks at once, one per vector lane (counters c..c+7): XORs 512 bytes of <paramref name="source"/> into
    /// <paramref name="destination"/> and advances the counter by eight.
    /// </summary>
    private static void Xor8(ref State state, ReadOnlySpan<byte> source, Span<byte> destination, Span<uint> words)
    {
        uint counter = state[12];
        Vector256<uint> c12 = Vector256.Create(counter, counter + 1, counter + 2, counter + 3, counter + 4, counter + 5, counter + 6, counter + 7);
        Vector256<uint> x0 = Vector256.Create(state[0]), x1 = Vector256.Create(state[1]), x2 = Vector256.Create(state[2]), x3 = Vector256.Create(state[3]);
        Vector256<uint> x4 = Vector256.Create(state[4]), x5 = Vector256.Create(state[5]), x6 = Vector256.Create(state[6]), x7 = Vector256.Create(state[7]);
        Vector256<uint> x8 = Vector256.Create(state[8]), x9 = Vector256.Create(state[9]), x10 = Vector256.Create(state[10]), x11 = Vector256.Create(state[11]);
        Vector256<uint> x12 = c12, x13 = Vector256.Create(state[13]), x14 = Vector256.Create(state[14]), x15 = Vector256.Create(state[15]);
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        // Word i of block j is lane j of x_i (plus the input word); lay the vectors out and gather per block.
        ref uint w = ref MemoryMarshal.GetReference(words);
        (x0 + Vector256.Create(state[0])).StoreUnsafe(ref w, 0);
        (x1 + Vector256.Create(state[1])).StoreUnsafe(ref w, 8);
        (x2 + Vector256.Create(state[2])).StoreUnsafe(ref w, 16);
        (x3 + Vector256.Create(state[3])).StoreUnsafe(ref w, 24);
        (x4 + Vector256.Create(state[4])).StoreUnsafe(ref w, 32);
        (x5 + Vector256.Create(state[5])).StoreUnsafe(ref w, 40);
        (x6 + Vector256.Create(state[6])).StoreUnsafe(ref w, 48);
        (x7 + Vector256.Create(state[7])).StoreUnsafe(ref w, 56);
        (x8 + Vector256.Create(state[8])).StoreUnsafe(ref w, 64);
        (x9 + Vector256.Create(state[9])).StoreUnsafe(ref w, 72);
        (x10 + Vector256.Create(state[10])).StoreUnsafe(ref w, 80);
        (x11 + Vector256.Create(state[11])).StoreUnsafe(ref w, 88);
        (x12 + c12).StoreUnsafe(ref w, 96);
        (x13 + Vector256.Create(state[13])).StoreUnsafe(ref w, 104);
        (x14 + Vector256.Create(state[14])).StoreUnsafe(ref w, 112);
        (x15 + Vector256.Create(state[15])).StoreUnsafe(ref w, 120);

        ReadOnlySpan<uint> input = MemoryMarshal.Cast<byte, uint>(source.Slice(0, 512));
        Span<uint> output = MemoryMarshal.Cast<byte, uint>(destination.Slice(0, 512));
        for (int block = 0; block < 8; block++)
        {
            for (int i = 0; i < 16; i++)
            {
                output[16 * block + i] = input[16 * block + i] ^ Unsafe.Add(ref w, 8 * i + block);
            }
        }

        state[12] = counter + 8;
    }

    /// <summary>XORs <paramref name="source"/> with the key stream from the state's counter on (may be in place).</summary>
    public static void Xor(ref State state, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int offset = 0;
        if (source.Length > 64 && BitConverter.IsLittleEndian && Vector128.IsHardwareAccelerated)
        {
            Span<uint> words = stackalloc uint[128];
            if (Vector256.IsHardwareAccelerated)
            {
                for (; source.Length - offset >= 512; offset += 512)
                {
                    Xor8(ref state, source.Slice(offset), destination.Slice(offset), words);
                }
            }

            for (; source.Length - offset >= 256; offset += 256)
            {
                Xor4(ref state, source.Slice(offset), destination.Slice(offset), words);
            }

            int rest = source.Length - offset;
            if (rest > 64)
            {
                // Two to four blocks left: run the four-block path on a padded stack copy.
                Span<byte> tail = MemoryMarshal.AsBytes(words.Slice(64));
                source.Slice(offset).CopyTo(tail);
                Xor4(ref state, tail, tail, words);
                tail.Slice(0, rest).CopyTo(destination.Slice(offset));
                offset = source.Length;
            }

            words.Clear();
        }

        Span<byte> stream = stackalloc byte[64];
        while (offset < source.Length)
        {
            Block(ref state, stream);
            state[12]++;
            int n = Math.Min(64, source.Length - offset);
            if (n == 64)
            {
                ReadOnlySpan<ulong> s = MemoryMarshal.Cast<byte, ulong>(source.Slice(offset, 64));
                ReadOnlySpan<ulong> k = MemoryMarshal.Cast<byte, ulong>(stream);
                Span<ulong> d = MemoryMarshal.Cast<byte, ulong>(destination.Slice(offset, 64));
                for (int i = 0; i < 8; i++)
                {
                    d[i] = s[i] ^ k[i];
                }
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    destination[offset + i] = (byte)(source[offset + i] ^ stream[i]);
                }
            }

            offset += n;
        }

        stream.Clear();
    }
}
