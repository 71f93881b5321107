using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Four Poly1305 blocks at a time with AVX2 (the parallel evaluation of Goll and Gueron): 26-bit limbs, one block per
/// 64-bit lane; each lane multiplies by r⁴ per step and, on the last step, by r⁴, r³, r² or r for its position, so the
/// lane sums add up to the serial polynomial. The carries run as two interleaved chains, as in
/// <see cref="Poly1305Avx512"/>. Used by <see cref="Poly1305"/> for long inputs on CPUs without AVX-512; constant-time.
/// </summary>
[SkipLocalsInit]
internal static class Poly1305Avx2
{
    /// <summary>The bytes one step absorbs: four 16-byte blocks.</summary>
    public const int StepLength = 64;

    private const ulong Mask26 = 0x3ffffff;

    /// <summary>Whether the machine has AVX2.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>
    /// Absorbs <paramref name="blocks"/> (a multiple of 64 bytes, at least 64) into the radix-2^64 accumulator
    /// h0 + h1·2^64 + h2·2^128 under the clamped key r0 + r1·2^64, leaving h2 small as <see cref="Poly1305"/> expects.
    /// The powers of r live in a stack table that is cleared before return.
    /// </summary>
    public static void Absorb(ref ulong h0, ref ulong h1, ref ulong h2, ulong r0, ulong r1, ReadOnlySpan<byte> blocks)
    {
        int steps = blocks.Length / StepLength;

        // Lanes hold blocks 0, 2, 1, 3 of each 64-byte step (the order VPUNPCKLQDQ gives); the last step multiplies each
        // by r to the power of its distance from the end: r⁴, r², r³, r. powers[4·limb + lane].
        // A stackalloc, not an inline array (see Poly1305Avx512: spilled table rows).
        Span<ulong> powers = stackalloc ulong[20];
        Poly1305Limbs r = Poly1305Limbs.FromRadix64(r0, r1, 0);
        Poly1305Limbs r2 = Poly1305Limbs.Multiply(r, r);
        Store(powers, 3, r);
        Store(powers, 1, r2);
        Store(powers, 2, Poly1305Limbs.Multiply(r2, r));
        Store(powers, 0, Poly1305Limbs.Multiply(r2, r2));
        r = r2 = default;

        ref ulong table = ref MemoryMarshal.GetReference(powers);
        Vector256<ulong> p0 = Vector256.Create(table), p1 = Vector256.Create(Unsafe.Add(ref table, 4));
        Vector256<ulong> p2 = Vector256.Create(Unsafe.Add(ref table, 8)), p3 = Vector256.Create(Unsafe.Add(ref table, 12));
        Vector256<ulong> p4 = Vector256.Create(Unsafe.Add(ref table, 16));
        Poly1305Limbs start = Poly1305Limbs.FromRadix64(h0, h1, h2);
        Vector256<ulong> a0 = Vector256.CreateScalar(start.L0), a1 = Vector256.CreateScalar(start.L1);
        Vector256<ulong> a2 = Vector256.CreateScalar(start.L2), a3 = Vector256.CreateScalar(start.L3);
        Vector256<ulong> a4 = Vector256.CreateScalar(start.L4);
        ref byte source = ref MemoryMarshal.GetReference(blocks);
        for (int step = 0; step < steps - 1; step++)
        {
            AddBlocks(ref a0, ref a1, ref a2, ref a3, ref a4, ref source, (nuint)(StepLength * step));
            Multiply(ref a0, ref a1, ref a2, ref a3, ref a4, p0, p1, p2, p3, p4);
        }

        AddBlocks(ref a0, ref a1, ref a2, ref a3, ref a4, ref source, (nuint)(StepLength * (steps - 1)));
        p0 = Vector256.LoadUnsafe(ref table);
        p1 = Vector256.LoadUnsafe(ref table, 4);
        p2 = Vector256.LoadUnsafe(ref table, 8);
        p3 = Vector256.LoadUnsafe(ref table, 12);
        p4 = Vector256.LoadUnsafe(ref table, 16);
        Multiply(ref a0, ref a1, ref a2, ref a3, ref a4, p0, p1, p2, p3, p4);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(powers));

        Poly1305Limbs sum = Poly1305Limbs.Carry(Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3), Vector256.Sum(a4));
        sum.ToRadix64(out h0, out h1, out h2);
    }

    private static void Store(Span<ulong> powers, int lane, in Poly1305Limbs power)
    {
        powers[lane] = power.L0;
        powers[4 + lane] = power.L1;
        powers[8 + lane] = power.L2;
        powers[12 + lane] = power.L3;
        powers[16 + lane] = power.L4;
    }

    /// <summary>Adds four 16-byte blocks (64 bytes at <paramref name="offset"/>), each with its 2^128 bit, to the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBlocks(
        ref Vector256<ulong> a0, ref Vector256<ulong> a1, ref Vector256<ulong> a2, ref Vector256<ulong> a3, ref Vector256<ulong> a4,
        ref byte source, nuint offset)
    {
        Vector256<ulong> x = Vector256.LoadUnsafe(ref source, offset).AsUInt64();
        Vector256<ulong> y = Vector256.LoadUnsafe(ref source, offset + 32).AsUInt64();
        Vector256<ulong> low = Avx2.UnpackLow(x, y), high = Avx2.UnpackHigh(x, y);
        Vector256<ulong> mask = Vector256.Create(Mask26);
        a0 += low & mask;
        a1 += (low >>> 26) & mask;
        a2 += ((low >>> 52) | (high << 12)) & mask;
        a3 += (high >>> 14) & mask;
        a4 += (high >>> 40) | Vector256.Create(1UL << 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Mul(Vector256<ulong> a, Vector256<ulong> b) => Avx2.Multiply(a.AsUInt32(), b.AsUInt32());

    /// <summary>a ← a·p per lane, partly carried: every limb below 2^26 but limbs 1 and 4 (below 2^26 + 2^7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply(
        ref Vector256<ulong> a0, ref Vector256<ulong> a1, ref Vector256<ulong> a2, ref Vector256<ulong> a3, ref Vector256<ulong> a4,
        Vector256<ulong> p0, Vector256<ulong> p1, Vector256<ulong> p2, Vector256<ulong> p3, Vector256<ulong> p4)
    {
        Vector256<ulong> s1 = p1 + (p1 << 2), s2 = p2 + (p2 << 2), s3 = p3 + (p3 << 2), s4 = p4 + (p4 << 2);
        Vector256<ulong> d0 = (Mul(a0, p0) + Mul(a1, s4)) + (Mul(a2, s3) + Mul(a3, s2)) + Mul(a4, s1);
        Vector256<ulong> d1 = (Mul(a0, p1) + Mul(a1, p0)) + (Mul(a2, s4) + Mul(a3, s3)) + Mul(a4, s2);
        Vector256<ulong> d2 = (Mul(a0, p2) + Mul(a1, p1)) + (Mul(a2, p0) + Mul(a3, s4)) + Mul(a4, s3);
        Vector256<ulong> d3 = (Mul(a0, p3) + Mul(a1, p2)) + (Mul(a2, p1) + Mul(a3, p0)) + Mul(a4, s4);
        Vector256<ulong> d4 = (Mul(a0, p4) + Mul(a1, p3)) + (Mul(a2, p2) + Mul(a3, p1)) + Mul(a4, p0);
        Vector256<ulong> mask = Vector256.Create(Mask26);
        Vector256<ulong> c0 = d0 >>> 26, c3 = d3 >>> 26;
        d0 &= mask; d3 &= mask;
        d1 += c0; d4 += c3;
        Vector256<ulong> c1 = d1 >>> 26, c4 = d4 >>> 26;
        d1 &= mask; d4 &= mask;
        d2 += c1; d0 += c4 + (c4 << 2);
        Vector256<ulong> c2 = d2 >>> 26;
        c0 = d0 >>> 26;
        d2 &= mask; d0 &= mask;
        d3 += c2; d1 += c0;
        c3 = d3 >>> 26;
        d3 &= mask;
        d4 += c3;
        a0 = d0; a1 = d1; a2 = d2; a3 = d3; a4 = d4;
    }
}
