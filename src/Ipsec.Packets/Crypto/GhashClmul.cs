using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// GHASH with PCLMULQDQ. Blocks are byte-reflected into 128-bit integers; each product is the 256-bit carry-less
/// product shifted left one bit and reduced modulo x^128 + x^7 + x^2 + x + 1 with shifts (Gueron and Kounavis,
/// "Intel Carry-Less Multiplication Instruction and its Usage for Computing the GCM Mode", algorithms 1 and 4).
/// Four blocks are multiplied by H^4..H^1 and reduced once (aggregated reduction).
/// </summary>
[SkipLocalsInit]
internal sealed class GhashClmul : GhashKey
{
    // H, H^2, H^3, H^4 in the byte-reflected representation.
    private readonly Vector128<ulong>[] _powers = new Vector128<ulong>[4];

    public GhashClmul(Vector128<byte> h)
    {
        Vector128<ulong> h1 = Reflect(h).AsUInt64();
        Vector128<ulong> h2 = Multiply(h1, h1);
        Vector128<ulong> h3 = Multiply(h2, h1);
        _powers[0] = h1;
        _powers[1] = h2;
        _powers[2] = h3;
        _powers[3] = Multiply(h3, h1);
    }

    public override CarrylessMultiply Core => CarrylessMultiply.Pclmulqdq;

    private static Vector128<byte> ReverseMask => Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reflect(Vector128<byte> block) => Ssse3.Shuffle(block, ReverseMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAccumulate(Vector128<ulong> a, Vector128<ulong> b, ref Vector128<ulong> low, ref Vector128<ulong> high)
    {
        Vector128<ulong> t0 = Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        Vector128<ulong> t1 = Pclmulqdq.CarrylessMultiply(a, b, 0x10) ^ Pclmulqdq.CarrylessMultiply(a, b, 0x01);
        Vector128<ulong> t3 = Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        low ^= t0 ^ Sse2.ShiftLeftLogical128BitLane(t1, 8);
        high ^= t3 ^ Sse2.ShiftRightLogical128BitLane(t1, 8);
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
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
        MultiplyAccumulate(a, b, ref low, ref high);
        return Reduce(low, high);
    }

    private struct Sink : IBlockSink
    {
        public Vector128<ulong> State;
        public Vector128<ulong> H1, H2, H3, H4;

        public void Absorb(ReadOnlySpan<byte> blocks)
        {
            ref byte p = ref MemoryMarshal.GetReference(blocks);
            int length = blocks.Length;
            int offset = 0;
            Vector128<ulong> y = State;
            while (length - offset >= 64)
            {
                ref byte q = ref Unsafe.Add(ref p, offset);
                Vector128<ulong> x0 = Reflect(Vector128.LoadUnsafe(ref q)).AsUInt64() ^ y;
                Vector128<ulong> x1 = Reflect(Vector128.LoadUnsafe(ref q, 16)).AsUInt64();
                Vector128<ulong> x2 = Reflect(Vector128.LoadUnsafe(ref q, 32)).AsUInt64();
                Vector128<ulong> x3 = Reflect(Vector128.LoadUnsafe(ref q, 48)).AsUInt64();
                Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
                MultiplyAccumulate(x0, H4, ref low, ref high);
                MultiplyAccumulate(x1, H3, ref low, ref high);
                MultiplyAccumulate(x2, H2, ref low, ref high);
                MultiplyAccumulate(x3, H1, ref low, ref high);
                y = Reduce(low, high);
                offset += 64;
            }

            while (offset < length)
            {
                Vector128<ulong> x = Reflect(Vector128.LoadUnsafe(ref p, (nuint)offset)).AsUInt64() ^ y;
                Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
                MultiplyAccumulate(x, H1, ref low, ref high);
                y = Reduce(low, high);
                offset += 16;
            }

            State = y;
        }
    }

    public override Vector128<byte> Compute(ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext)
    {
        Vector128<ulong>[] powers = _powers;
        Sink sink = default;
        sink.H1 = powers[0];
        sink.H2 = powers[1];
        sink.H3 = powers[2];
        sink.H4 = powers[3];
        BlockPadding.AbsorbPadded(ref sink, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref sink, ciphertext, default, default);
        ulong aadBits = ((ulong)aadHead.Length + (ulong)aadTail.Length) * 8;
        ulong ciphertextBits = (ulong)ciphertext.Length * 8;

        // The lengths block [len(A)]64 || [len(C)]64, already byte-reflected.
        Vector128<ulong> lengths = Vector128.Create(ciphertextBits, aadBits);
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
        MultiplyAccumulate(sink.State ^ lengths, sink.H1, ref low, ref high);
        return Reflect(Reduce(low, high).AsByte());
    }

    public override Vector128<byte> ComputeAadOnly(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        Vector128<ulong>[] powers = _powers;
        Sink sink = default;
        sink.H1 = powers[0];
        sink.H2 = powers[1];
        sink.H3 = powers[2];
        sink.H4 = powers[3];
        BlockPadding.AbsorbPadded(ref sink, a, b, c, d);
        ulong aadBits = ((ulong)a.Length + (ulong)b.Length + (ulong)c.Length + (ulong)d.Length) * 8;
        Vector128<ulong> lengths = Vector128.Create(0UL, aadBits);
        Vector128<ulong> low = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
        MultiplyAccumulate(sink.State ^ lengths, sink.H1, ref low, ref high);
        return Reflect(Reduce(low, high).AsByte());
    }

    public override void AppendKeyArrays(List<Array> arrays) => arrays.Add(_powers);

    public override void Dispose() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_powers.AsSpan()));
}
