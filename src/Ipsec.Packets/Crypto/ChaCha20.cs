using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// The ChaCha20 block function and stream cipher of RFC 8439 §2.3–2.4 (32-bit counter, 96-bit nonce). The stream runs
/// 16, 8 or 4 blocks at once, one block per vector lane (AVX-512, AVX2, SSE2/AdvSimd), and transposes the lanes back
/// into blocks with unpack and lane shuffles; the last partial run works on a padded stack copy. The block functions are
/// compiled optimised from the first call (<see cref="MethodImplOptions.AggressiveOptimization"/>): unoptimised code keeps
/// every local on the stack, which would leave key-stream blocks (the Poly1305 key among them) in dead frames.
/// </summary>
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>The widest run of blocks this machine computes at once: 16 (AVX-512), 8 (AVX2), 4 (128-bit vectors) or 1.</summary>
    public static int MaximumParallelBlocks { get; } =
        !BitConverter.IsLittleEndian ? 1
        : Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? 16
        : Avx2.IsSupported ? 8
        : Vector128.IsHardwareAccelerated ? 4
        : 1;

    /// <summary>
    /// A cap on the run width (16, 8, 4 or 1; the machine's maximum by default) for the calls that do not name one. For
    /// tests, which run every path on one machine; not meant to be changed while other threads encrypt.
    /// </summary>
    internal static int ParallelBlocksLimit { get; set; } = 16;

    /// <summary>The run width calls without an explicit one use now: the machine's maximum under <see cref="ParallelBlocksLimit"/>.</summary>
    public static int ParallelBlocks => Math.Min(MaximumParallelBlocks, ParallelBlocksLimit);

    /// <summary>XORs <paramref name="source"/> with the key stream from the state's counter on (may be in place).</summary>
    public static void Xor(ref State state, ReadOnlySpan<byte> source, Span<byte> destination) =>
        Xor(ref state, source, destination, ParallelBlocks);

    /// <summary>
    /// As <see cref="Xor(ref State, ReadOnlySpan{byte}, Span{byte})"/>, running at most <paramref name="parallelBlocks"/>
    /// blocks at once (tests compare every width; a width the machine lacks falls back to the next narrower one). Whole
    /// runs of the widest width first; the rest, if longer than one block, in one run of the narrowest width that covers it
    /// on a padded stack copy (a run costs about the same at every width, so one run beats several narrower ones).
    /// </summary>
    public static void Xor(ref State state, ReadOnlySpan<byte> source, Span<byte> destination, int parallelBlocks)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }

        int width = Math.Min(parallelBlocks, MaximumParallelBlocks);
        int offset = 0;
        if (width >= 16)
        {
            for (; source.Length - offset >= 1024; offset += 1024)
            {
                Xor16(ref state, source.Slice(offset, 1024), destination.Slice(offset, 1024));
            }
        }
        else if (width >= 8)
        {
            for (; source.Length - offset >= 512; offset += 512)
            {
                Xor8(ref state, source.Slice(offset, 512), destination.Slice(offset, 512));
            }
        }
        else if (width >= 4)
        {
            for (; source.Length - offset >= 256; offset += 256)
            {
                Xor4(ref state, source.Slice(offset, 256), destination.Slice(offset, 256));
            }
        }

        int rest = source.Length - offset;
        if (rest == 0)
        {
            return;
        }

        if (width >= 4 && rest > 64)
        {
            // rest < 64 · width, so the run fits the width.
            int run = RunCovering(rest);
            Unsafe.SkipInit(out StackBlock1024 tailStorage);
            Span<byte> tail = tailStorage;
            Span<byte> padded = tail.Slice(0, 64 * run);
            source.Slice(offset).CopyTo(padded);
            uint next = state[12] + (uint)((rest + 63) / 64);
            XorRun(ref state, padded, run);
            state[12] = next;
            padded.Slice(0, rest).CopyTo(destination.Slice(offset));
            padded.Clear();
            return;
        }

        Unsafe.SkipInit(out StackBlock64 streamStorage);

        Span<byte> stream = streamStorage;
        while (offset < source.Length)
        {
            Block(ref state, stream);
            state[12]++;
            int n = Math.Min(64, source.Length - offset);
            KeyStream.Xor(source.Slice(offset, n), stream.Slice(0, n), destination.Slice(offset, n));
            offset += n;
        }

        stream.Clear();
    }

    /// <summary>The narrowest run (4, 8 or 16 blocks) that covers <paramref name="length"/> bytes (16 beyond 1,024).</summary>
    public static int RunCovering(int length) => length <= 256 ? 4 : length <= 512 ? 8 : 16;

    /// <summary>
    /// Writes <paramref name="blocks"/> key-stream blocks (4, 8 or 16, at most <see cref="MaximumParallelBlocks"/>) from the
    /// state's counter on into <paramref name="keyStream"/> (64 bytes a block) in one pass and advances the counter: for an
    /// AEAD packet, the Poly1305 key block and the first blocks of text without a scalar block first.
    /// </summary>
    public static void KeyStreamRun(ref State state, Span<byte> keyStream, int blocks)
    {
        Span<byte> run = keyStream.Slice(0, 64 * blocks);
        run.Clear();
        XorRun(ref state, run, blocks);
    }

    /// <summary>XORs <paramref name="buffer"/> (64 · <paramref name="blocks"/> bytes) in place with one run of that width.</summary>
    private static void XorRun(ref State state, Span<byte> buffer, int blocks)
    {
        if (blocks == 16)
        {
            Xor16(ref state, buffer, buffer);
        }
        else if (blocks == 8)
        {
            Xor8(ref state, buffer, buffer);
        }
        else
        {
            Xor4(ref state, buffer, buffer);
        }
    }

    // ---- 128-bit lanes: four blocks ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotate(Vector128<uint> v, [ConstantExpected] byte n) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateLeft(v, n)
        : Vector128.ShiftLeft(v, n) | Vector128.ShiftRightLogical(v, 32 - n);

    // Rotations by 16 and 8 bits move whole bytes: one PSHUFB where there is no VPROLD.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotate16(Vector128<uint> v) => !Avx512F.VL.IsSupported && Ssse3.IsSupported
        ? Ssse3.Shuffle(v.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32()
        : Rotate(v, 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotate8(Vector128<uint> v) => !Avx512F.VL.IsSupported && Ssse3.IsSupported
        ? Ssse3.Shuffle(v.AsByte(), Vector128.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32()
        : Rotate(v, 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        a += b; d = Rotate16(d ^ a);
        c += d; b = Rotate(b ^ c, 12);
        a += b; d = Rotate8(d ^ a);
        c += d; b = Rotate(b ^ c, 7);
    }

    /// <summary>Turns four vectors of one word per block into four vectors of four words of one block (a 4×4 transpose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        if (Sse2.IsSupported)
        {
            Vector128<ulong> t0 = Sse2.UnpackLow(a, b).AsUInt64(), t1 = Sse2.UnpackHigh(a, b).AsUInt64();
            Vector128<ulong> t2 = Sse2.UnpackLow(c, d).AsUInt64(), t3 = Sse2.UnpackHigh(c, d).AsUInt64();
            a = Sse2.UnpackLow(t0, t2).AsUInt32();
            b = Sse2.UnpackHigh(t0, t2).AsUInt32();
            c = Sse2.UnpackLow(t1, t3).AsUInt32();
            d = Sse2.UnpackHigh(t1, t3).AsUInt32();
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            Vector128<ulong> t0 = AdvSimd.Arm64.ZipLow(a, b).AsUInt64(), t1 = AdvSimd.Arm64.ZipHigh(a, b).AsUInt64();
            Vector128<ulong> t2 = AdvSimd.Arm64.ZipLow(c, d).AsUInt64(), t3 = AdvSimd.Arm64.ZipHigh(c, d).AsUInt64();
            a = AdvSimd.Arm64.ZipLow(t0, t2).AsUInt32();
            b = AdvSimd.Arm64.ZipHigh(t0, t2).AsUInt32();
            c = AdvSimd.Arm64.ZipLow(t1, t3).AsUInt32();
            d = AdvSimd.Arm64.ZipHigh(t1, t3).AsUInt32();
        }
        else
        {
            (a, b, c, d) = (
                Vector128.Create(a.GetElement(0), b.GetElement(0), c.GetElement(0), d.GetElement(0)),
                Vector128.Create(a.GetElement(1), b.GetElement(1), c.GetElement(1), d.GetElement(1)),
                Vector128.Create(a.GetElement(2), b.GetElement(2), c.GetElement(2), d.GetElement(2)),
                Vector128.Create(a.GetElement(3), b.GetElement(3), c.GetElement(3), d.GetElement(3)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStore(Vector128<uint> keyStream, ReadOnlySpan<byte> source, Span<byte> destination, int offset) =>
        (Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)offset) ^ keyStream.AsByte())
            .StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)offset);

    /// <summary>XORs 256 bytes with blocks c..c+3 and advances the counter by four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Xor4(ref State state, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        _ = source[255];
        _ = destination[255];
        uint counter = state[12];
        Vector128<uint> c12 = Vector128.Create(counter) + Vector128.Create(0u, 1, 2, 3);
        Vector128<uint> i0 = Vector128.Create(state[0]), i1 = Vector128.Create(state[1]), i2 = Vector128.Create(state[2]), i3 = Vector128.Create(state[3]);
        Vector128<uint> i4 = Vector128.Create(state[4]), i5 = Vector128.Create(state[5]), i6 = Vector128.Create(state[6]), i7 = Vector128.Create(state[7]);
        Vector128<uint> i8 = Vector128.Create(state[8]), i9 = Vector128.Create(state[9]), i10 = Vector128.Create(state[10]), i11 = Vector128.Create(state[11]);
        Vector128<uint> i13 = Vector128.Create(state[13]), i14 = Vector128.Create(state[14]), i15 = Vector128.Create(state[15]);
        Vector128<uint> x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
        Vector128<uint> x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = c12, x13 = i13, x14 = i14, x15 = i15;
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

        x0 += i0; x1 += i1; x2 += i2; x3 += i3; x4 += i4; x5 += i5; x6 += i6; x7 += i7;
        x8 += i8; x9 += i9; x10 += i10; x11 += i11; x12 += c12; x13 += i13; x14 += i14; x15 += i15;

        // After each transpose, vector k of a group holds four words of block k.
        Transpose(ref x0, ref x1, ref x2, ref x3);
        Transpose(ref x4, ref x5, ref x6, ref x7);
        Transpose(ref x8, ref x9, ref x10, ref x11);
        Transpose(ref x12, ref x13, ref x14, ref x15);
        XorStore(x0, source, destination, 0); XorStore(x4, source, destination, 16); XorStore(x8, source, destination, 32); XorStore(x12, source, destination, 48);
        XorStore(x1, source, destination, 64); XorStore(x5, source, destination, 80); XorStore(x9, source, destination, 96); XorStore(x13, source, destination, 112);
        XorStore(x2, source, destination, 128); XorStore(x6, source, destination, 144); XorStore(x10, source, destination, 160); XorStore(x14, source, destination, 176);
        XorStore(x3, source, destination, 192); XorStore(x7, source, destination, 208); XorStore(x11, source, destination, 224); XorStore(x15, source, destination, 240);
        state[12] = counter + 4;
    }

    // ---- 256-bit lanes: eight blocks ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate(Vector256<uint> v, [ConstantExpected] byte n) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateLeft(v, n)
        : Vector256.ShiftLeft(v, n) | Vector256.ShiftRightLogical(v, 32 - n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate16(Vector256<uint> v) => !Avx512F.VL.IsSupported
        ? Avx2.Shuffle(v.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32()
        : Rotate(v, 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate8(Vector256<uint> v) => !Avx512F.VL.IsSupported
        ? Avx2.Shuffle(v.AsByte(), Vector256.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32()
        : Rotate(v, 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        a += b; d = Rotate16(d ^ a);
        c += d; b = Rotate(b ^ c, 12);
        a += b; d = Rotate8(d ^ a);
        c += d; b = Rotate(b ^ c, 7);
    }

    /// <summary>A 4×4 transpose inside each 128-bit lane: vector k then holds four words of blocks k and k + 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        Vector256<ulong> t0 = Avx2.UnpackLow(a, b).AsUInt64(), t1 = Avx2.UnpackHigh(a, b).AsUInt64();
        Vector256<ulong> t2 = Avx2.UnpackLow(c, d).AsUInt64(), t3 = Avx2.UnpackHigh(c, d).AsUInt64();
        a = Avx2.UnpackLow(t0, t2).AsUInt32();
        b = Avx2.UnpackHigh(t0, t2).AsUInt32();
        c = Avx2.UnpackLow(t1, t3).AsUInt32();
        d = Avx2.UnpackHigh(t1, t3).AsUInt32();
    }

    /// <summary>Writes blocks k (low lanes) and k + 4 (high lanes) from the four transposed word groups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStoreBlocks(
        Vector256<uint> g0, Vector256<uint> g1, Vector256<uint> g2, Vector256<uint> g3, ReadOnlySpan<byte> source, Span<byte> destination, int k)
    {
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref byte d = ref MemoryMarshal.GetReference(destination);
        nuint low = (nuint)(64 * k), high = (nuint)(64 * (k + 4));
        (Vector256.LoadUnsafe(ref s, low) ^ Avx2.Permute2x128(g0, g1, 0x20).AsByte()).StoreUnsafe(ref d, low);
        (Vector256.LoadUnsafe(ref s, low + 32) ^ Avx2.Permute2x128(g2, g3, 0x20).AsByte()).StoreUnsafe(ref d, low + 32);
        (Vector256.LoadUnsafe(ref s, high) ^ Avx2.Permute2x128(g0, g1, 0x31).AsByte()).StoreUnsafe(ref d, high);
        (Vector256.LoadUnsafe(ref s, high + 32) ^ Avx2.Permute2x128(g2, g3, 0x31).AsByte()).StoreUnsafe(ref d, high + 32);
    }

    /// <summary>XORs 512 bytes with blocks c..c+7 and advances the counter by eight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Xor8(ref State state, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        _ = source[511];
        _ = destination[511];
        uint counter = state[12];
        Vector256<uint> c12 = Vector256.Create(counter) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Vector256<uint> i0 = Vector256.Create(state[0]), i1 = Vector256.Create(state[1]), i2 = Vector256.Create(state[2]), i3 = Vector256.Create(state[3]);
        Vector256<uint> i4 = Vector256.Create(state[4]), i5 = Vector256.Create(state[5]), i6 = Vector256.Create(state[6]), i7 = Vector256.Create(state[7]);
        Vector256<uint> i8 = Vector256.Create(state[8]), i9 = Vector256.Create(state[9]), i10 = Vector256.Create(state[10]), i11 = Vector256.Create(state[11]);
        Vector256<uint> i13 = Vector256.Create(state[13]), i14 = Vector256.Create(state[14]), i15 = Vector256.Create(state[15]);
        Vector256<uint> x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
        Vector256<uint> x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = c12, x13 = i13, x14 = i14, x15 = i15;
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

        x0 += i0; x1 += i1; x2 += i2; x3 += i3; x4 += i4; x5 += i5; x6 += i6; x7 += i7;
        x8 += i8; x9 += i9; x10 += i10; x11 += i11; x12 += c12; x13 += i13; x14 += i14; x15 += i15;
        Transpose(ref x0, ref x1, ref x2, ref x3);
        Transpose(ref x4, ref x5, ref x6, ref x7);
        Transpose(ref x8, ref x9, ref x10, ref x11);
        Transpose(ref x12, ref x13, ref x14, ref x15);
        XorStoreBlocks(x0, x4, x8, x12, source, destination, 0);
        XorStoreBlocks(x1, x5, x9, x13, source, destination, 1);
        XorStoreBlocks(x2, x6, x10, x14, source, destination, 2);
        XorStoreBlocks(x3, x7, x11, x15, source, destination, 3);
        state[12] = counter + 8;
    }

    // ---- 512-bit lanes: sixteen blocks ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector512<uint> a, ref Vector512<uint> b, ref Vector512<uint> c, ref Vector512<uint> d)
    {
        a += b; d = Avx512F.RotateLeft(d ^ a, 16);
        c += d; b = Avx512F.RotateLeft(b ^ c, 12);
        a += b; d = Avx512F.RotateLeft(d ^ a, 8);
        c += d; b = Avx512F.RotateLeft(b ^ c, 7);
    }

    /// <summary>A 4×4 transpose inside each 128-bit lane: vector k then holds four words of blocks k, k+4, k+8, k+12.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector512<uint> a, ref Vector512<uint> b, ref Vector512<uint> c, ref Vector512<uint> d)
    {
        Vector512<ulong> t0 = Avx512F.UnpackLow(a, b).AsUInt64(), t1 = Avx512F.UnpackHigh(a, b).AsUInt64();
        Vector512<ulong> t2 = Avx512F.UnpackLow(c, d).AsUInt64(), t3 = Avx512F.UnpackHigh(c, d).AsUInt64();
        a = Avx512F.UnpackLow(t0, t2).AsUInt32();
        b = Avx512F.UnpackHigh(t0, t2).AsUInt32();
        c = Avx512F.UnpackLow(t1, t3).AsUInt32();
        d = Avx512F.UnpackHigh(t1, t3).AsUInt32();
    }

    /// <summary>
    /// Writes blocks k, k+4, k+8 and k+12 from the four transposed word groups: lane L of group g holds words
    /// 4g..4g+3 of block 4L + k, so a 4×4 transpose of 128-bit lanes yields whole blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorStoreBlocks(
        Vector512<uint> g0, Vector512<uint> g1, Vector512<uint> g2, Vector512<uint> g3, ReadOnlySpan<byte> source, Span<byte> destination, int k)
    {
        Vector512<uint> u0 = Avx512F.Shuffle4x128(g0, g1, 0x44), u1 = Avx512F.Shuffle4x128(g0, g1, 0xEE);
        Vector512<uint> u2 = Avx512F.Shuffle4x128(g2, g3, 0x44), u3 = Avx512F.Shuffle4x128(g2, g3, 0xEE);
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref byte d = ref MemoryMarshal.GetReference(destination);
        nuint b0 = (nuint)(64 * k), b1 = b0 + 256, b2 = b0 + 512, b3 = b0 + 768;
        (Vector512.LoadUnsafe(ref s, b0) ^ Avx512F.Shuffle4x128(u0, u2, 0x88).AsByte()).StoreUnsafe(ref d, b0);
        (Vector512.LoadUnsafe(ref s, b1) ^ Avx512F.Shuffle4x128(u0, u2, 0xDD).AsByte()).StoreUnsafe(ref d, b1);
        (Vector512.LoadUnsafe(ref s, b2) ^ Avx512F.Shuffle4x128(u1, u3, 0x88).AsByte()).StoreUnsafe(ref d, b2);
        (Vector512.LoadUnsafe(ref s, b3) ^ Avx512F.Shuffle4x128(u1, u3, 0xDD).AsByte()).StoreUnsafe(ref d, b3);
    }

    /// <summary>XORs 1,024 bytes with blocks c..c+15 and advances the counter by sixteen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Xor16(ref State state, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        _ = source[1023];
        _ = destination[1023];
        uint counter = state[12];
        Vector512<uint> c12 = Vector512.Create(counter) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<uint> i0 = Vector512.Create(state[0]), i1 = Vector512.Create(state[1]), i2 = Vector512.Create(state[2]), i3 = Vector512.Create(state[3]);
        Vector512<uint> i4 = Vector512.Create(state[4]), i5 = Vector512.Create(state[5]), i6 = Vector512.Create(state[6]), i7 = Vector512.Create(state[7]);
        Vector512<uint> i8 = Vector512.Create(state[8]), i9 = Vector512.Create(state[9]), i10 = Vector512.Create(state[10]), i11 = Vector512.Create(state[11]);
        Vector512<uint> i13 = Vector512.Create(state[13]), i14 = Vector512.Create(state[14]), i15 = Vector512.Create(state[15]);
        Vector512<uint> x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
        Vector512<uint> x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = c12, x13 = i13, x14 = i14, x15 = i15;
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

        x0 += i0; x1 += i1; x2 += i2; x3 += i3; x4 += i4; x5 += i5; x6 += i6; x7 += i7;
        x8 += i8; x9 += i9; x10 += i10; x11 += i11; x12 += c12; x13 += i13; x14 += i14; x15 += i15;
        Transpose(ref x0, ref x1, ref x2, ref x3);
        Transpose(ref x4, ref x5, ref x6, ref x7);
        Transpose(ref x8, ref x9, ref x10, ref x11);
        Transpose(ref x12, ref x13, ref x14, ref x15);
        XorStoreBlocks(x0, x4, x8, x12, source, destination, 0);
        XorStoreBlocks(x1, x5, x9, x13, source, destination, 1);
        XorStoreBlocks(x2, x6, x10, x14, source, destination, 2);
        XorStoreBlocks(x3, x7, x11, x15, source, destination, 3);
        state[12] = counter + 16;
    }
}
