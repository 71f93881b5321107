using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// GHASH with PCLMULQDQ. Blocks are byte-reflected into 128-bit integers; each product is the 256-bit carry-less
/// product shifted left one bit and reduced modulo x^128 + x^7 + x^2 + x + 1 with shifts (Gueron and Kounavis,
/// "Intel Carry-Less Multiplication Instruction and its Usage for Computing the GCM Mode", algorithms 1 and 4).
/// Four blocks are multiplied by H^4..H^1 and reduced once (aggregated reduction); where VPCLMULQDQ is present, sixteen
/// blocks go through four 512-bit (or eight through four 256-bit) carry-less multiplies by H^16..H^1 per step, the lanes are
/// folded and reduced once.
/// </summary>
[SkipLocalsInit]
internal sealed class GhashClmul : GhashKey
{
    /// <summary>Blocks per step of the widest path: 16 with 512-bit VPCLMULQDQ, 8 with 256-bit, else 4 (no wide step).</summary>
    private static readonly int s_wideBlocks =
#if NET9_0_OR_GREATER
        Pclmulqdq.V512.IsSupported && Avx512BW.IsSupported ? 16 : Pclmulqdq.V256.IsSupported && Avx2.IsSupported ? 8 :
#endif
        4;

    // H^1..H^32 in the byte-reflected representation: _powers[i] = H^(i+1). The wide steps read them highest first, as
    // 128-bit lanes of 256- or 512-bit vectors (lane 0 multiplies the first block of the group).
    private readonly Vector128<ulong>[] _powers = new Vector128<ulong>[PowerCount];
    private readonly int _wideBlocks;
    private readonly Vector128<ulong>[] _descending = new Vector128<ulong>[16];

    // H^32..H^1 (_descendingAll[j] = H^(32 - j)): any run of consecutive powers, highest first, for the pipelined GCM's
    // eight-block groups (H^8..H^1) and its last reduction over up to 25 blocks.
    private readonly Vector128<ulong>[] _descendingAll = new Vector128<ulong>[PowerCount];

    /// <summary>The powers of H kept: enough for two eight-block groups, an eight-block tail and the lengths block.</summary>
    private const int PowerCount = 32;

    public GhashClmul(Vector128<byte> h)
    {
        Vector128<ulong> h1 = Reflect(h).AsUInt64();
        _powers[0] = h1;
        for (int i = 1; i < _powers.Length; i++)
        {
            _powers[i] = Multiply(_powers[i - 1], h1);
        }

        for (int j = 0; j < PowerCount; j++)
        {
            _descendingAll[j] = _powers[PowerCount - 1 - j];
        }

        // _descending[j] = H^(n - j) for the n blocks of one wide step (lane j of the group multiplies block j).
        int n = Math.Min(s_wideBlocks, WideBlocksLimit);
        _wideBlocks = n;
        for (int j = 0; j < n; j++)
        {
            _descending[j] = _powers[n - 1 - j];
        }
    }

    public override CarrylessMultiply Core => CarrylessMultiply.Pclmulqdq;

    /// <summary>
    /// Caps the blocks per step for GHASH keys created afterwards (16, 8 or 4), so tests run the 256-bit and 128-bit paths
    /// on a CPU that has 512-bit VPCLMULQDQ. Not meant to be changed while other threads create keys.
    /// </summary>
    internal static int WideBlocksLimit { get; set; } = 16;

    /// <summary>The blocks per step this key's GHASH takes (16, 8 or 4).</summary>
    internal int WideBlocks => _wideBlocks;

    private static Vector128<byte> ReverseMask
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reflect(Vector128<byte> block) => Ssse3.Shuffle(block, ReverseMask);

    /// <summary>
    /// Adds the 256-bit product a·b as its low, high and middle (cross) 128-bit parts; the middle is folded in once, by
    /// <see cref="FoldAndReduce"/>, after all the blocks of a step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAccumulate(
        Vector128<ulong> a, Vector128<ulong> b, ref Vector128<ulong> low, ref Vector128<ulong> high, ref Vector128<ulong> middle)
    {
        low ^= Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        high ^= Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        middle ^= Pclmulqdq.CarrylessMultiply(a, b, 0x10) ^ Pclmulqdq.CarrylessMultiply(a, b, 0x01);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Reduce(Vector128<ulong> low, Vector128<ulong> high)
    {
        // Shift the 256-bit product [high:low] left by one bit (the reflected representation loses one).
        Vector128<uint> lo = low.AsUInt32();
        Vector128<uint> hi = high.AsUInt32();
        Vector128<uint> carryLo = Sse2.ShiftRightLogical(lo, 31);
        Vector128<uint> carryHi = Sse2.ShiftRightLogical(hi, 31);
        lo = Sse2.ShiftLeftLogical(lo, 1);
        hi = Sse2.ShiftLeftLogical(hi, 1);
        Vector128<uint> crossing = Sse2.ShiftRightLogical128BitLane(carryLo, 12);
        carryHi = Sse2.ShiftLeftLogical128BitLane(carryHi, 4);
        carryLo = Sse2.ShiftLeftLogical128BitLane(carryLo, 4);
        lo |= carryLo;
        hi |= carryHi | crossing;

        // First phase of the reduction.
        Vector128<uint> a = Sse2.ShiftLeftLogical(lo, 31) ^ Sse2.ShiftLeftLogical(lo, 30) ^ Sse2.ShiftLeftLogical(lo, 25);
        Vector128<uint> spill = Sse2.ShiftRightLogical128BitLane(a, 4);
        lo ^= Sse2.ShiftLeftLogical128BitLane(a, 12);

        // Second phase.
        Vector128<uint> b = Sse2.ShiftRightLogical(lo, 1) ^ Sse2.ShiftRightLogical(lo, 2) ^ Sse2.ShiftRightLogical(lo, 7) ^ spill;
        return (hi ^ lo ^ b).AsUInt64();
    }

    private static Vector128<ulong> Multiply(Vector128<ulong> a, Vector128<ulong> b)
    {
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
        MultiplyAccumulate(a, b, ref low, ref high, ref middle);
        return FoldAndReduce(low, high, middle);
    }

    private struct Sink : IBlockSink
    {
        public Vector128<ulong> State;
        public Vector128<ulong> H1, H2, H3, H4;
        public Vector128<ulong>[] Descending;
        public int WideBlocks;

        public void Absorb(ReadOnlySpan<byte> blocks)
        {
            ref byte p = ref MemoryMarshal.GetReference(blocks);
            int length = blocks.Length;
            int offset = 0;
            Vector128<ulong> y = State;
#if NET9_0_OR_GREATER
            if (WideBlocks == 16 && length >= 256)
            {
                y = AbsorbWide512(ref p, length, ref offset, y, Descending);
            }
            else if (WideBlocks == 8 && length >= 128)
            {
                y = AbsorbWide256(ref p, length, ref offset, y, Descending);
            }
#endif

            while (length - offset >= 64)
            {
                ref byte q = ref Unsafe.Add(ref p, offset);
                Vector128<ulong> x0 = Reflect(Vector128.LoadUnsafe(ref q)).AsUInt64() ^ y;
                Vector128<ulong> x1 = Reflect(Vector128.LoadUnsafe(ref q, 16)).AsUInt64();
                Vector128<ulong> x2 = Reflect(Vector128.LoadUnsafe(ref q, 32)).AsUInt64();
                Vector128<ulong> x3 = Reflect(Vector128.LoadUnsafe(ref q, 48)).AsUInt64();
                Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
                MultiplyAccumulate(x0, H4, ref low, ref high, ref middle);
                MultiplyAccumulate(x1, H3, ref low, ref high, ref middle);
                MultiplyAccumulate(x2, H2, ref low, ref high, ref middle);
                MultiplyAccumulate(x3, H1, ref low, ref high, ref middle);
                y = FoldAndReduce(low, high, middle);
                offset += 64;
            }

            while (offset < length)
            {
                Vector128<ulong> x = Reflect(Vector128.LoadUnsafe(ref p, (nuint)offset)).AsUInt64() ^ y;
                Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
                MultiplyAccumulate(x, H1, ref low, ref high, ref middle);
                y = FoldAndReduce(low, high, middle);
                offset += 16;
            }

            State = y;
        }
    }

#if NET9_0_OR_GREATER
    /// <summary>Sixteen blocks per step: four 512-bit vectors of four blocks each times H^16..H^1, one reduction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> AbsorbWide512(ref byte p, int length, ref int offset, Vector128<ulong> y, Vector128<ulong>[] descending)
    {
        ref ulong d = ref Unsafe.As<Vector128<ulong>, ulong>(ref MemoryMarshal.GetArrayDataReference(descending));
        Vector512<ulong> k0 = Vector512.LoadUnsafe(ref d);
        Vector512<ulong> k1 = Vector512.LoadUnsafe(ref d, 8);
        Vector512<ulong> k2 = Vector512.LoadUnsafe(ref d, 16);
        Vector512<ulong> k3 = Vector512.LoadUnsafe(ref d, 24);
        Vector512<byte> reverse = Vector512.Create(Vector256.Create(ReverseMask, ReverseMask), Vector256.Create(ReverseMask, ReverseMask));
        while (length - offset >= 256)
        {
            ref byte q = ref Unsafe.Add(ref p, offset);
            Vector512<ulong> x0 = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref q), reverse).AsUInt64() ^ y.ToVector256().ToVector512();
            Vector512<ulong> x1 = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref q, 64), reverse).AsUInt64();
            Vector512<ulong> x2 = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref q, 128), reverse).AsUInt64();
            Vector512<ulong> x3 = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref q, 192), reverse).AsUInt64();
            Vector512<ulong> low = Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x00)
                ^ Pclmulqdq.V512.CarrylessMultiply(x2, k2, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x3, k3, 0x00);
            Vector512<ulong> high = Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x11) ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x11)
                ^ Pclmulqdq.V512.CarrylessMultiply(x2, k2, 0x11) ^ Pclmulqdq.V512.CarrylessMultiply(x3, k3, 0x11);
            Vector512<ulong> middle = Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x10) ^ Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x01)
                ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x10) ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x01)
                ^ Pclmulqdq.V512.CarrylessMultiply(x2, k2, 0x10) ^ Pclmulqdq.V512.CarrylessMultiply(x2, k2, 0x01)
                ^ Pclmulqdq.V512.CarrylessMultiply(x3, k3, 0x10) ^ Pclmulqdq.V512.CarrylessMultiply(x3, k3, 0x01);
            y = FoldAndReduce(Fold(low), Fold(high), Fold(middle));
            offset += 256;
        }

        return y;
    }

    /// <summary>Eight blocks per step: four 256-bit vectors of two blocks each times H^8..H^1, one reduction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> AbsorbWide256(ref byte p, int length, ref int offset, Vector128<ulong> y, Vector128<ulong>[] descending)
    {
        ref ulong d = ref Unsafe.As<Vector128<ulong>, ulong>(ref MemoryMarshal.GetArrayDataReference(descending));
        Vector256<ulong> k0 = Vector256.LoadUnsafe(ref d);
        Vector256<ulong> k1 = Vector256.LoadUnsafe(ref d, 4);
        Vector256<ulong> k2 = Vector256.LoadUnsafe(ref d, 8);
        Vector256<ulong> k3 = Vector256.LoadUnsafe(ref d, 12);
        Vector256<byte> reverse = Vector256.Create(ReverseMask, ReverseMask);
        while (length - offset >= 128)
        {
            ref byte q = ref Unsafe.Add(ref p, offset);
            Vector256<ulong> x0 = Avx2.Shuffle(Vector256.LoadUnsafe(ref q), reverse).AsUInt64() ^ y.ToVector256();
            Vector256<ulong> x1 = Avx2.Shuffle(Vector256.LoadUnsafe(ref q, 32), reverse).AsUInt64();
            Vector256<ulong> x2 = Avx2.Shuffle(Vector256.LoadUnsafe(ref q, 64), reverse).AsUInt64();
            Vector256<ulong> x3 = Avx2.Shuffle(Vector256.LoadUnsafe(ref q, 96), reverse).AsUInt64();
            Vector256<ulong> low = Pclmulqdq.V256.CarrylessMultiply(x0, k0, 0x00) ^ Pclmulqdq.V256.CarrylessMultiply(x1, k1, 0x00)
                ^ Pclmulqdq.V256.CarrylessMultiply(x2, k2, 0x00) ^ Pclmulqdq.V256.CarrylessMultiply(x3, k3, 0x00);
            Vector256<ulong> high = Pclmulqdq.V256.CarrylessMultiply(x0, k0, 0x11) ^ Pclmulqdq.V256.CarrylessMultiply(x1, k1, 0x11)
                ^ Pclmulqdq.V256.CarrylessMultiply(x2, k2, 0x11) ^ Pclmulqdq.V256.CarrylessMultiply(x3, k3, 0x11);
            Vector256<ulong> middle = Pclmulqdq.V256.CarrylessMultiply(x0, k0, 0x10) ^ Pclmulqdq.V256.CarrylessMultiply(x0, k0, 0x01)
                ^ Pclmulqdq.V256.CarrylessMultiply(x1, k1, 0x10) ^ Pclmulqdq.V256.CarrylessMultiply(x1, k1, 0x01)
                ^ Pclmulqdq.V256.CarrylessMultiply(x2, k2, 0x10) ^ Pclmulqdq.V256.CarrylessMultiply(x2, k2, 0x01)
                ^ Pclmulqdq.V256.CarrylessMultiply(x3, k3, 0x10) ^ Pclmulqdq.V256.CarrylessMultiply(x3, k3, 0x01);
            y = FoldAndReduce(low.GetLower() ^ low.GetUpper(), high.GetLower() ^ high.GetUpper(), middle.GetLower() ^ middle.GetUpper());
            offset += 128;
        }

        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector512<ulong> lanes)
    {
        Vector256<ulong> half = lanes.GetLower() ^ lanes.GetUpper();
        return half.GetLower() ^ half.GetUpper();
    }

#endif

    /// <summary>Reduces the 256-bit product given as its low, high and middle (cross) 128-bit parts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> FoldAndReduce(Vector128<ulong> low, Vector128<ulong> high, Vector128<ulong> middle) =>
        Reduce(low ^ Sse2.ShiftLeftLogical128BitLane(middle, 8), high ^ Sse2.ShiftRightLogical128BitLane(middle, 8));

    /// <summary>The most ciphertext <see cref="ComputeShort"/> takes: seven blocks, so AAD, text and lengths fit nine powers.</summary>
    internal const int ShortCiphertextLimit = 112;

    /// <summary>
    /// GHASH of at most 16 bytes of AAD and at most <see cref="ShortCiphertextLimit"/> bytes of ciphertext with a single
    /// reduction: block i of the m blocks (AAD, ciphertext, lengths) is multiplied by H^(m-i+1) and the products summed.
    /// Whole ciphertext blocks are read where they are; a partial last block is <paramref name="lastPartialBlock"/>, already
    /// zero-padded in a register.
    /// </summary>
    internal Vector128<byte> ComputeShort(
        ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext, Vector128<byte> lastPartialBlock)
    {
        int aadLength = aadHead.Length + aadTail.Length;
        int aadBlocks = aadLength == 0 ? 0 : 1;
        int whole = ciphertext.Length >> 4;
        int partial = ciphertext.Length & 15;
        int m = aadBlocks + whole + (partial == 0 ? 0 : 1) + 1;
        ref Vector128<ulong> h = ref MemoryMarshal.GetArrayDataReference(_powers);
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
        if (aadBlocks != 0)
        {
            MultiplyAccumulate(AadBlock(aadHead, aadTail), Unsafe.Add(ref h, m - 1), ref low, ref high, ref middle);
        }

        ref byte c = ref MemoryMarshal.GetReference(ciphertext);
        for (int i = 0; i < whole; i++)
        {
            MultiplyAccumulate(Reflect(Vector128.LoadUnsafe(ref c, (nuint)(16 * i))).AsUInt64(), Unsafe.Add(ref h, m - 1 - aadBlocks - i), ref low, ref high, ref middle);
        }

        if (partial != 0)
        {
            MultiplyAccumulate(Reflect(lastPartialBlock).AsUInt64(), Unsafe.Add(ref h, 1), ref low, ref high, ref middle);
        }

        Vector128<ulong> lengths = Vector128.Create((ulong)ciphertext.Length * 8, (ulong)aadLength * 8);
        MultiplyAccumulate(lengths, h, ref low, ref high, ref middle);
        return Reflect(FoldAndReduce(low, high, middle).AsByte());
    }

    /// <summary>
    /// The byte-reflected, zero-padded block of an AAD of 1..16 bytes. ESP's 8- and 12-byte AAD (SPI, sequence number) is
    /// read in four-byte words, each inside one of the stores that wrote it, so the loads are forwarded from the store
    /// buffer instead of waiting for a wider load to find the bytes in the cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> AadBlock(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (b.IsEmpty && (a.Length == 8 || a.Length == 12))
        {
            ref byte p = ref MemoryMarshal.GetReference(a);
            uint third = a.Length == 12 ? Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, 8)) : 0;
            Vector128<uint> words = Vector128.Create(Unsafe.ReadUnaligned<uint>(ref p), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, 4)), third, 0);
            return Reflect(words.AsByte()).AsUInt64();
        }

        StackBlock16 blockBytes = default;
        Span<byte> block = blockBytes;
        a.CopyTo(block);
        b.CopyTo(block.Slice(a.Length));
        return Reflect(Vector128.Create((ReadOnlySpan<byte>)block)).AsUInt64();
    }

    /// <summary>The running GHASH state after absorbing <paramref name="a"/> || <paramref name="b"/>, zero-padded, from 0.</summary>
    internal Vector128<ulong> AbsorbAad(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length + b.Length <= 16)
        {
            // ESP's 8- or 12-byte AAD: one block, one multiply.
            return a.Length + b.Length == 0 ? Vector128<ulong>.Zero : Multiply(AadBlock(a, b), _powers[0]);
        }

        Sink sink = NewSink();
        BlockPadding.AbsorbPadded(ref sink, a, b, default);
        return sink.State;
    }

    /// <summary>Absorbs whole blocks and then a zero-padded partial block into the running state <paramref name="y"/>.</summary>
    internal Vector128<ulong> AbsorbPadded(Vector128<ulong> y, ReadOnlySpan<byte> data)
    {
        Sink sink = NewSink();
        sink.State = y;
        BlockPadding.AbsorbPadded(ref sink, data, default, default);
        return sink.State;
    }

    /// <summary>Absorbs the eight blocks at <paramref name="blocks"/> into <paramref name="y"/>: times H^8..H^1, one reduction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Vector128<ulong> Absorb8(Vector128<ulong> y, ref byte blocks)
    {
        ref Vector128<ulong> h = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_descendingAll), PowerCount - 8);
#if NET9_0_OR_GREATER
        if (_wideBlocks == 16)
        {
            ref ulong d = ref Unsafe.As<Vector128<ulong>, ulong>(ref h);
            Vector512<ulong> k0 = Vector512.LoadUnsafe(ref d);
            Vector512<ulong> k1 = Vector512.LoadUnsafe(ref d, 8);
            Vector512<byte> reverse = Vector512.Create(Vector256.Create(ReverseMask, ReverseMask), Vector256.Create(ReverseMask, ReverseMask));
            Vector512<ulong> x0 = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref blocks), reverse).AsUInt64() ^ y.ToVector256().ToVector512();
            Vector512<ulong> x1 = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref blocks, 64), reverse).AsUInt64();
            Vector512<ulong> low512 = Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x00);
            Vector512<ulong> high512 = Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x11) ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x11);
            Vector512<ulong> middle512 = Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x10) ^ Pclmulqdq.V512.CarrylessMultiply(x0, k0, 0x01)
                ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x10) ^ Pclmulqdq.V512.CarrylessMultiply(x1, k1, 0x01);
            return FoldAndReduce(Fold(low512), Fold(high512), Fold(middle512));
        }
#endif

        Vector128<ulong> lo = Vector128<ulong>.Zero, hi = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
        MultiplyAccumulate(Reflect(Vector128.LoadUnsafe(ref blocks)).AsUInt64() ^ y, h, ref lo, ref hi, ref middle);
        for (int i = 1; i < 8; i++)
        {
            MultiplyAccumulate(Reflect(Vector128.LoadUnsafe(ref blocks, (nuint)(16 * i))).AsUInt64(), Unsafe.Add(ref h, i), ref lo, ref hi, ref middle);
        }

        return FoldAndReduce(lo, hi, middle);
    }

    /// <summary>
    /// Absorbs, with one reduction, the last blocks of a text into <paramref name="y"/>: <paramref name="groupBlocks"/>
    /// (0, 8 or 16) whole blocks at <paramref name="groups"/>, then <paramref name="tailBlocks"/> (0..8) zero-padded
    /// blocks at <paramref name="tail"/>, then the lengths block; block i of the m in all is multiplied by H^(m-i). Returns
    /// GHASH in the byte order of the specification.
    /// </summary>
    internal Vector128<byte> FinishBlocks(
        Vector128<ulong> y, ref byte groups, int groupBlocks, ref byte tail, int tailBlocks, long aadLength, long textLength)
    {
        int m = groupBlocks + tailBlocks + 1;
        ref Vector128<ulong> h = ref MemoryMarshal.GetArrayDataReference(_powers);
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
        Vector128<ulong> pending = y;
#if NET9_0_OR_GREATER
        if (groupBlocks != 0 && _wideBlocks == 16)
        {
            // Four blocks per 512-bit multiply, by H^m..H^(m - groupBlocks + 1) read highest first.
            ref ulong d = ref Unsafe.As<Vector128<ulong>, ulong>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_descendingAll), PowerCount - m));
            Vector512<byte> reverse = Vector512.Create(Vector256.Create(ReverseMask, ReverseMask), Vector256.Create(ReverseMask, ReverseMask));
            Vector512<ulong> low512 = Vector512<ulong>.Zero, high512 = Vector512<ulong>.Zero, middle512 = Vector512<ulong>.Zero;
            Vector512<ulong> inject = pending.ToVector256().ToVector512();
            for (int i = 0; i < groupBlocks; i += 4)
            {
                Vector512<ulong> x = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref groups, (nuint)(16 * i)), reverse).AsUInt64() ^ inject;
                Vector512<ulong> k = Vector512.LoadUnsafe(ref d, (nuint)(2 * i));
                low512 ^= Pclmulqdq.V512.CarrylessMultiply(x, k, 0x00);
                high512 ^= Pclmulqdq.V512.CarrylessMultiply(x, k, 0x11);
                middle512 ^= Pclmulqdq.V512.CarrylessMultiply(x, k, 0x10) ^ Pclmulqdq.V512.CarrylessMultiply(x, k, 0x01);
                inject = Vector512<ulong>.Zero;
            }

            low = Fold(low512);
            high = Fold(high512);
            middle = Fold(middle512);
            pending = Vector128<ulong>.Zero;
        }
        else
#endif
        {
            for (int i = 0; i < groupBlocks; i++)
            {
                MultiplyAccumulate(Reflect(Vector128.LoadUnsafe(ref groups, (nuint)(16 * i))).AsUInt64() ^ pending, Unsafe.Add(ref h, m - 1 - i), ref low, ref high, ref middle);
                pending = Vector128<ulong>.Zero;
            }
        }

        for (int j = 0; j < tailBlocks; j++)
        {
            MultiplyAccumulate(Reflect(Vector128.LoadUnsafe(ref tail, (nuint)(16 * j))).AsUInt64() ^ pending, Unsafe.Add(ref h, tailBlocks - j), ref low, ref high, ref middle);
            pending = Vector128<ulong>.Zero;
        }

        Vector128<ulong> lengths = Vector128.Create((ulong)textLength * 8, (ulong)aadLength * 8);
        MultiplyAccumulate(lengths ^ pending, h, ref low, ref high, ref middle);
        return Reflect(FoldAndReduce(low, high, middle).AsByte());
    }

    private Sink NewSink()
    {
        Vector128<ulong>[] powers = _powers;
        Sink sink = default;
        sink.H1 = powers[0];
        sink.H2 = powers[1];
        sink.H3 = powers[2];
        sink.H4 = powers[3];
        sink.Descending = _descending;
        sink.WideBlocks = _wideBlocks;
        return sink;
    }

    public override Vector128<byte> Compute(ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext)
    {
        Sink sink = NewSink();
        BlockPadding.AbsorbPadded(ref sink, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref sink, ciphertext, default, default);
        ulong aadBits = ((ulong)aadHead.Length + (ulong)aadTail.Length) * 8;
        ulong ciphertextBits = (ulong)ciphertext.Length * 8;

        // The lengths block [len(A)]64 || [len(C)]64, already byte-reflected.
        Vector128<ulong> lengths = Vector128.Create(ciphertextBits, aadBits);
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
        MultiplyAccumulate(sink.State ^ lengths, sink.H1, ref low, ref high, ref middle);
        return Reflect(FoldAndReduce(low, high, middle).AsByte());
    }

    public override Vector128<byte> ComputeAadOnly(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        Sink sink = NewSink();
        BlockPadding.AbsorbPadded(ref sink, a, b, c, d);
        ulong aadBits = ((ulong)a.Length + (ulong)b.Length + (ulong)c.Length + (ulong)d.Length) * 8;
        Vector128<ulong> lengths = Vector128.Create(0UL, aadBits);
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero;
        MultiplyAccumulate(sink.State ^ lengths, sink.H1, ref low, ref high, ref middle);
        return Reflect(FoldAndReduce(low, high, middle).AsByte());
    }

    public override void AppendKeyArrays(List<Array> arrays)
    {
        arrays.Add(_powers);
        arrays.Add(_descending);
        arrays.Add(_descendingAll);
    }

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_powers.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_descending.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_descendingAll.AsSpan()));
    }
}
