using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Security.Cryptography;
using ArmAes = System.Runtime.Intrinsics.Arm.Aes;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// GHASH with ARMv8 PMULL/PMULL2, in the same representation as <see cref="GhashClmul"/>: blocks are byte-reflected
/// into 128-bit integers (the coefficient of x^i at bit 127 - i); each 256-bit carry-less product is shifted left one
/// bit and reduced modulo x^128 + x^7 + x^2 + x + 1 with shifts. Four blocks are multiplied by H^4..H^1 and their
/// products summed before one reduction (aggregated reduction). No table lookups.
/// </summary>
[SkipLocalsInit]
internal sealed class GhashPmull : GhashKey
{
    // H, H^2, H^3, H^4 in the byte-reflected representation, then the same four with their 64-bit halves swapped
    // (so the cross products a.lo·b.hi and a.hi·b.lo are one PMULL and one PMULL2).
    private readonly Vector128<ulong>[] _powers = new Vector128<ulong>[8];

    public GhashPmull(Vector128<byte> h)
    {
        Vector128<ulong> h1 = Reflect(h).AsUInt64();
        Vector128<ulong> h2 = Multiply(h1, h1);
        Vector128<ulong> h3 = Multiply(h2, h1);
        Vector128<ulong> h4 = Multiply(h3, h1);
        _powers[0] = h1;
        _powers[1] = h2;
        _powers[2] = h3;
        _powers[3] = h4;
        for (int i = 0; i < 4; i++)
        {
            _powers[4 + i] = Swap(_powers[i]);
        }
    }

    public override CarrylessMultiply Core => CarrylessMultiply.Pmull;

    private static Vector128<byte> ReverseMask => Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);

    /// <summary>Reverses the 16 bytes (TBL with a constant index vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reflect(Vector128<byte> block) => AdvSimd.Arm64.VectorTableLookup(block, ReverseMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Swap(Vector128<ulong> value) => Vector128.Create(value.GetElement(1), value.GetElement(0));

    /// <summary>
    /// Accumulates the 256-bit product a·b as its low (a.lo·b.lo), middle (a.lo·b.hi + a.hi·b.lo) and high (a.hi·b.hi)
    /// 128-bit parts; <paramref name="bSwapped"/> is b with its halves swapped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAccumulate(
        Vector128<ulong> a, Vector128<ulong> b, Vector128<ulong> bSwapped,
        ref Vector128<ulong> low, ref Vector128<ulong> middle, ref Vector128<ulong> high)
    {
        low ^= ArmAes.PolynomialMultiplyWideningLower(a.GetLower(), b.GetLower());
        middle ^= ArmAes.PolynomialMultiplyWideningLower(a.GetLower(), bSwapped.GetLower())
            ^ ArmAes.PolynomialMultiplyWideningUpper(a, bSwapped);
        high ^= ArmAes.PolynomialMultiplyWideningUpper(a, b);
    }

    /// <summary>
    /// Reduces the product [high : middle·2^64 : low] (of two byte-reflected operands) to the byte-reflected GF(2^128)
    /// element: shift the 256 bits left by one, then fold the low 128 bits (the coefficients of x^128..x^255) into the
    /// high ones with x^128 = x^7 + x^2 + x + 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Reduce(Vector128<ulong> low, Vector128<ulong> middle, Vector128<ulong> high)
    {
        ulong p0 = low.GetElement(0);
        ulong p1 = low.GetElement(1) ^ middle.GetElement(0);
        ulong p2 = high.GetElement(0) ^ middle.GetElement(1);
        ulong p3 = high.GetElement(1);

        // The one-bit shift: the reflected product of two 128-bit values has 255 significant bits.
        ulong l0 = p0 << 1;
        ulong l1 = (p1 << 1) | (p0 >> 63);
        ulong h0 = (p2 << 1) | (p1 >> 63);
        ulong h1 = (p3 << 1) | (p2 >> 63);

        // L·(1 + x + x^2 + x^7) is L ^ L>>1 ^ L>>2 ^ L>>7 in this bit order. The bits shifted out at the bottom (degree
        // 128 and up, from the low 7 bits of l0) are folded back first: the top word gains them, and they pass through
        // the same shifts (their own overflow is of degree at most 12, which no longer reaches x^128).
        ulong a = (l0 << 63) ^ (l0 << 62) ^ (l0 << 57);
        ulong m0 = l0;
        ulong m1 = l1 ^ a;
        ulong s0 = (m0 >> 1) ^ (m0 >> 2) ^ (m0 >> 7) ^ (m1 << 63) ^ (m1 << 62) ^ (m1 << 57);
        ulong s1 = (m1 >> 1) ^ (m1 >> 2) ^ (m1 >> 7);
        return Vector128.Create(h0 ^ m0 ^ s0, h1 ^ m1 ^ s1);
    }

    private static Vector128<ulong> Multiply(Vector128<ulong> a, Vector128<ulong> b)
    {
        Vector128<ulong> low = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
        MultiplyAccumulate(a, b, Swap(b), ref low, ref middle, ref high);
        return Reduce(low, middle, high);
    }

    private struct Sink : IBlockSink
    {
        public Vector128<ulong> State;
        public Vector128<ulong> H1, H2, H3, H4;
        public Vector128<ulong> S1, S2, S3, S4;

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
                Vector128<ulong> low = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
                MultiplyAccumulate(x0, H4, S4, ref low, ref middle, ref high);
                MultiplyAccumulate(x1, H3, S3, ref low, ref middle, ref high);
                MultiplyAccumulate(x2, H2, S2, ref low, ref middle, ref high);
                MultiplyAccumulate(x3, H1, S1, ref low, ref middle, ref high);
                y = Reduce(low, middle, high);
                offset += 64;
            }

            while (offset < length)
            {
                Vector128<ulong> x = Reflect(Vector128.LoadUnsafe(ref p, (nuint)offset)).AsUInt64() ^ y;
                Vector128<ulong> low = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
                MultiplyAccumulate(x, H1, S1, ref low, ref middle, ref high);
                y = Reduce(low, middle, high);
                offset += 16;
            }

            State = y;
        }
    }

    private Sink NewSink()
    {
        Vector128<ulong>[] powers = _powers;
        Sink sink = default;
        sink.H1 = powers[0];
        sink.H2 = powers[1];
        sink.H3 = powers[2];
        sink.H4 = powers[3];
        sink.S1 = powers[4];
        sink.S2 = powers[5];
        sink.S3 = powers[6];
        sink.S4 = powers[7];
        return sink;
    }

    /// <summary>The last step: (state XOR lengths block, already byte-reflected)·H, reflected back to GCM's byte order.</summary>
    private static Vector128<byte> Finish(ref Sink sink, Vector128<ulong> lengths)
    {
        Vector128<ulong> low = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
        MultiplyAccumulate(sink.State ^ lengths, sink.H1, sink.S1, ref low, ref middle, ref high);
        return Reflect(Reduce(low, middle, high).AsByte());
    }

    public override Vector128<byte> Compute(ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext)
    {
        Sink sink = NewSink();
        BlockPadding.AbsorbPadded(ref sink, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref sink, ciphertext, default, default);
        ulong aadBits = ((ulong)aadHead.Length + (ulong)aadTail.Length) * 8;
        ulong ciphertextBits = (ulong)ciphertext.Length * 8;

        // The lengths block [len(A)]64 || [len(C)]64, byte-reflected.
        return Finish(ref sink, Vector128.Create(ciphertextBits, aadBits));
    }

    public override Vector128<byte> ComputeAadOnly(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        Sink sink = NewSink();
        BlockPadding.AbsorbPadded(ref sink, a, b, c, d);
        ulong aadBits = ((ulong)a.Length + (ulong)b.Length + (ulong)c.Length + (ulong)d.Length) * 8;
        return Finish(ref sink, Vector128.Create(0UL, aadBits));
    }

    public override void AppendKeyArrays(List<Array> arrays) => arrays.Add(_powers);

    public override void Dispose() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_powers.AsSpan()));
}
