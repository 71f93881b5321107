using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Four Poly1305 blocks at a time with AVX2 (the parallel evaluation of Goll and Gueron): 26-bit limbs, one block per
/// 64-bit lane; each lane multiplies by r⁴ per step and, on the last step, by r⁴, r³, r² or r for its position, so the
/// lane sums add up to the serial polynomial. Used by <see cref="Poly1305"/> for long inputs; constant-time.
/// </summary>
[SkipLocalsInit]
internal static class Poly1305Avx2
{
    private const ulong Mask26 = 0x3ffffff;

    /// <summary>Whether the machine has AVX2.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>A field element in five 26-bit limbs (each may exceed 26 bits by a few carries).</summary>
    private struct Limbs
    {
        public ulong L0, L1, L2, L3, L4;

        public static Limbs FromRadix64(ulong h0, ulong h1, ulong h2) => new()
        {
            L0 = h0 & Mask26,
            L1 = (h0 >> 26) & Mask26,
            L2 = ((h0 >> 52) | (h1 << 12)) & Mask26,
            L3 = (h1 >> 14) & Mask26,
            L4 = (h1 >> 40) | (h2 << 24),
        };

        /// <summary>a·b mod 2^130 − 5, carried so every limb is below 2^26 but L1 (below 2^26 + 2^7).</summary>
        public static Limbs Multiply(in Limbs a, in Limbs b)
        {
            ulong s1 = 5 * b.L1, s2 = 5 * b.L2, s3 = 5 * b.L3, s4 = 5 * b.L4;
            ulong d0 = (a.L0 * b.L0) + (a.L1 * s4) + (a.L2 * s3) + (a.L3 * s2) + (a.L4 * s1);
            ulong d1 = (a.L0 * b.L1) + (a.L1 * b.L0) + (a.L2 * s4) + (a.L3 * s3) + (a.L4 * s2);
            ulong d2 = (a.L0 * b.L2) + (a.L1 * b.L1) + (a.L2 * b.L0) + (a.L3 * s4) + (a.L4 * s3);
            ulong d3 = (a.L0 * b.L3) + (a.L1 * b.L2) + (a.L2 * b.L1) + (a.L3 * b.L0) + (a.L4 * s4);
            ulong d4 = (a.L0 * b.L4) + (a.L1 * b.L3) + (a.L2 * b.L2) + (a.L3 * b.L1) + (a.L4 * b.L0);
            return Carry(d0, d1, d2, d3, d4);
        }

        public static Limbs Carry(ulong d0, ulong d1, ulong d2, ulong d3, ulong d4)
        {
            d1 += d0 >> 26; d0 &= Mask26;
            d2 += d1 >> 26; d1 &= Mask26;
            d3 += d2 >> 26; d2 &= Mask26;
            d4 += d3 >> 26; d3 &= Mask26;
            d0 += 5 * (d4 >> 26); d4 &= Mask26;
            d1 += d0 >> 26; d0 &= Mask26;
            return new Limbs { L0 = d0, L1 = d1, L2 = d2, L3 = d3, L4 = d4 };
        }
    }

    /// <summary>
    /// Absorbs <paramref name="blocks"/> (a multiple of 64 bytes, at least 128) into the radix-2^64 accumulator
    /// h0 + h1·2^64 + h2·2^128 under the clamped key r0 + r1·2^64, leaving h2 small as <see cref="Poly1305"/> expects.
    /// </summary>
    public static void Absorb(ref ulong h0, ref ulong h1, ref ulong h2, ulong r0, ulong r1, ReadOnlySpan<byte> blocks)
    {
        int steps = blocks.Length / 64;
        Limbs r = Limbs.FromRadix64(r0, r1, 0);
        Limbs r2 = Limbs.Multiply(r, r);
        Limbs r3 = Limbs.Multiply(r2, r);
        Limbs r4 = Limbs.Multiply(r3, r);

        // Lanes hold blocks 0, 2, 1, 3 of each 64-byte step (the order UNPCKLQDQ gives); the last step multiplies
        // each by r to the power of its distance from the end: r⁴, r², r³, r.
        Vector256<ulong> p0 = Vector256.Create(r4.L0), p1 = Vector256.Create(r4.L1), p2 = Vector256.Create(r4.L2);
        Vector256<ulong> p3 = Vector256.Create(r4.L3), p4 = Vector256.Create(r4.L4);
        Limbs start = Limbs.FromRadix64(h0, h1, h2);
        Vector256<ulong> a0 = Vector256.Create(start.L0, 0, 0, 0), a1 = Vector256.Create(start.L1, 0, 0, 0);
        Vector256<ulong> a2 = Vector256.Create(start.L2, 0, 0, 0), a3 = Vector256.Create(start.L3, 0, 0, 0);
        Vector256<ulong> a4 = Vector256.Create(start.L4, 0, 0, 0);
        ref byte source = ref MemoryMarshal.GetReference(blocks);
        Vector256<ulong> mask = Vector256.Create(Mask26);
        Vector256<ulong> top = Vector256.Create(1UL << 24);
        for (int step = 0; step < steps; step++)
        {
            Vector256<ulong> x = Vector256.LoadUnsafe(ref source, (nuint)(64 * step)).AsUInt64();
            Vector256<ulong> y = Vector256.LoadUnsafe(ref source, (nuint)((64 * step) + 32)).AsUInt64();
            Vector256<ulong> low = Avx2.UnpackLow(x, y), high = Avx2.UnpackHigh(x, y);
            a0 += low & mask;
            a1 += Avx2.ShiftRightLogical(low, 26) & mask;
            a2 += (Avx2.ShiftRightLogical(low, 52) | Avx2.ShiftLeftLogical(high, 12)) & mask;
            a3 += Avx2.ShiftRightLogical(high, 14) & mask;
            a4 += Avx2.ShiftRightLogical(high, 40) | top;
            if (step == steps - 1)
            {
                p0 = Vector256.Create(r4.L0, r2.L0, r3.L0, r.L0);
                p1 = Vector256.Create(r4.L1, r2.L1, r3.L1, r.L1);
                p2 = Vector256.Create(r4.L2, r2.L2, r3.L2, r.L2);
                p3 = Vector256.Create(r4.L3, r2.L3, r3.L3, r.L3);
                p4 = Vector256.Create(r4.L4, r2.L4, r3.L4, r.L4);
            }

            Multiply(ref a0, ref a1, ref a2, ref a3, ref a4, p0, p1, p2, p3, p4);
        }

        Limbs sum = Limbs.Carry(Sum(a0), Sum(a1), Sum(a2), Sum(a3), Sum(a4));
        sum = Limbs.Carry(sum.L0, sum.L1, sum.L2, sum.L3, sum.L4);

        // Back to radix 2^64: the limbs sit at bits 0, 26, 52, 78 and 104; L4 may reach bit 130 before the fold.
        UInt128 lower = sum.L0 + ((UInt128)sum.L1 << 26) + ((UInt128)sum.L2 << 52) + ((UInt128)sum.L3 << 78);
        UInt128 total = lower + ((UInt128)(sum.L4 & 0xffffff) << 104);
        h0 = (ulong)total;
        h1 = (ulong)(total >> 64);
        h2 = (sum.L4 >> 24) + (total < lower ? 1UL : 0UL);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Sum(Vector256<ulong> v) => v.GetElement(0) + v.GetElement(1) + v.GetElement(2) + v.GetElement(3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Mul(Vector256<ulong> a, Vector256<ulong> b) => Avx2.Multiply(a.AsUInt32(), b.AsUInt32());

    /// <summary>a ← a·p per lane, carried as <see cref="Limbs.Multiply"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply(
        ref Vector256<ulong> a0, ref Vector256<ulong> a1, ref Vector256<ulong> a2, ref Vector256<ulong> a3, ref Vector256<ulong> a4,
        Vector256<ulong> p0, Vector256<ulong> p1, Vector256<ulong> p2, Vector256<ulong> p3, Vector256<ulong> p4)
    {
        Vector256<ulong> s1 = p1 + Avx2.ShiftLeftLogical(p1, 2), s2 = p2 + Avx2.ShiftLeftLogical(p2, 2);
        Vector256<ulong> s3 = p3 + Avx2.ShiftLeftLogical(p3, 2), s4 = p4 + Avx2.ShiftLeftLogical(p4, 2);
        Vector256<ulong> d0 = Mul(a0, p0) + Mul(a1, s4) + Mul(a2, s3) + Mul(a3, s2) + Mul(a4, s1);
        Vector256<ulong> d1 = Mul(a0, p1) + Mul(a1, p0) + Mul(a2, s4) + Mul(a3, s3) + Mul(a4, s2);
        Vector256<ulong> d2 = Mul(a0, p2) + Mul(a1, p1) + Mul(a2, p0) + Mul(a3, s4) + Mul(a4, s3);
        Vector256<ulong> d3 = Mul(a0, p3) + Mul(a1, p2) + Mul(a2, p1) + Mul(a3, p0) + Mul(a4, s4);
        Vector256<ulong> d4 = Mul(a0, p4) + Mul(a1, p3) + Mul(a2, p2) + Mul(a3, p1) + Mul(a4, p0);
        Vector256<ulong> mask = Vector256.Create(Mask26);
        d1 += Avx2.ShiftRightLogical(d0, 26); d0 &= mask;
        d2 += Avx2.ShiftRightLogical(d1, 26); d1 &= mask;
        d3 += Avx2.ShiftRightLogical(d2, 26); d2 &= mask;
        d4 += Avx2.ShiftRightLogical(d3, 26); d3 &= mask;
        Vector256<ulong> c = Avx2.ShiftRightLogical(d4, 26);
        d4 &= mask;
        d0 += c + Avx2.ShiftLeftLogical(c, 2);
        d1 += Avx2.ShiftRightLogical(d0, 26); d0 &= mask;
        a0 = d0; a1 = d1; a2 = d2; a3 = d3; a4 = d4;
    }
}
