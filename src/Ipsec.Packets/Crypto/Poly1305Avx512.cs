using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Eight Poly1305 blocks at a time with AVX-512F: the parallel evaluation of <see cref="Poly1305Avx2"/> on 512-bit
/// vectors, one block per 64-bit lane in 26-bit limbs (VPMULUDQ), each lane multiplied by r⁸ per step and, on the last
/// step, by r⁸ … r¹ for its position. The carries run as two interleaved chains (limb 0 up and limb 3 up at once), so a
/// step's latency is about half that of the serial carry. .NET 10 exposes no AVX-512 IFMA (VPMADD52), so the 44-bit-limb
/// form OpenSSL uses on such CPUs is not reachable here. Used by <see cref="Poly1305"/> for long inputs; constant-time.
/// </summary>
[SkipLocalsInit]
internal static class Poly1305Avx512
{
    /// <summary>The bytes one step absorbs: eight 16-byte blocks.</summary>
    public const int StepLength = 128;

    private const ulong Mask26 = 0x3ffffff;

    /// <summary>Whether the machine has AVX-512F with 512-bit vectors accelerated.</summary>
    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Absorbs <paramref name="blocks"/> (a multiple of 128 bytes, at least 128) into the radix-2^64 accumulator
    /// h0 + h1·2^64 + h2·2^128 under the clamped key r0 + r1·2^64, leaving h2 small as <see cref="Poly1305"/> expects.
    /// The powers of r live in a stack table that is cleared before return.
    /// </summary>
    public static void Absorb(ref ulong h0, ref ulong h1, ref ulong h2, ulong r0, ulong r1, ReadOnlySpan<byte> blocks)
    {
        int steps = blocks.Length / StepLength;

        // Lanes hold blocks 0, 4, 1, 5, 2, 6, 3, 7 of each step (the order VPUNPCKLQDQ of two 64-byte loads gives); the
        // last step multiplies each by r to the power of its distance from the end. powers[8·limb + lane].
        // A stackalloc, not an inline array: as a struct local the JIT keeps table rows in registers and spills them to
        // slots that nothing clears (the stack residue test found r⁸ and r⁴ there). Long packets only: the stack cookie's
        // cost is spread over at least eight blocks.
        Span<ulong> powers = stackalloc ulong[40];
        Poly1305Limbs r = Poly1305Limbs.FromRadix64(r0, r1, 0);
        Poly1305Limbs r2 = Poly1305Limbs.Multiply(r, r);
        Poly1305Limbs r3 = Poly1305Limbs.Multiply(r2, r);
        Poly1305Limbs r4 = Poly1305Limbs.Multiply(r2, r2);
        Store(powers, 7, r);
        Store(powers, 5, r2);
        Store(powers, 3, r3);
        Store(powers, 1, r4);
        Store(powers, 6, Poly1305Limbs.Multiply(r4, r));
        Store(powers, 4, Poly1305Limbs.Multiply(r4, r2));
        Store(powers, 2, Poly1305Limbs.Multiply(r4, r3));
        Store(powers, 0, Poly1305Limbs.Multiply(r4, r4));
        r = r2 = r3 = r4 = default;

        ref ulong table = ref MemoryMarshal.GetReference(powers);
        Vector512<ulong> p0 = Vector512.Create(table), p1 = Vector512.Create(Unsafe.Add(ref table, 8));
        Vector512<ulong> p2 = Vector512.Create(Unsafe.Add(ref table, 16)), p3 = Vector512.Create(Unsafe.Add(ref table, 24));
        Vector512<ulong> p4 = Vector512.Create(Unsafe.Add(ref table, 32));
        Poly1305Limbs start = Poly1305Limbs.FromRadix64(h0, h1, h2);
        Vector512<ulong> a0 = Vector512.CreateScalar(start.L0), a1 = Vector512.CreateScalar(start.L1);
        Vector512<ulong> a2 = Vector512.CreateScalar(start.L2), a3 = Vector512.CreateScalar(start.L3);
        Vector512<ulong> a4 = Vector512.CreateScalar(start.L4);
        ref byte source = ref MemoryMarshal.GetReference(blocks);
        for (int step = 0; step < steps - 1; step++)
        {
            AddBlocks(ref a0, ref a1, ref a2, ref a3, ref a4, ref source, (nuint)(StepLength * step));
            Multiply(ref a0, ref a1, ref a2, ref a3, ref a4, p0, p1, p2, p3, p4);
        }

        AddBlocks(ref a0, ref a1, ref a2, ref a3, ref a4, ref source, (nuint)(StepLength * (steps - 1)));
        p0 = Vector512.LoadUnsafe(ref table);
        p1 = Vector512.LoadUnsafe(ref table, 8);
        p2 = Vector512.LoadUnsafe(ref table, 16);
        p3 = Vector512.LoadUnsafe(ref table, 24);
        p4 = Vector512.LoadUnsafe(ref table, 32);
        Multiply(ref a0, ref a1, ref a2, ref a3, ref a4, p0, p1, p2, p3, p4);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(powers));

        Poly1305Limbs sum = Poly1305Limbs.Carry(Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), Vector512.Sum(a4));
        sum.ToRadix64(out h0, out h1, out h2);
    }

    private static void Store(Span<ulong> powers, int lane, in Poly1305Limbs power)
    {
        powers[lane] = power.L0;
        powers[8 + lane] = power.L1;
        powers[16 + lane] = power.L2;
        powers[24 + lane] = power.L3;
        powers[32 + lane] = power.L4;
    }

    /// <summary>Adds eight 16-byte blocks (128 bytes at <paramref name="offset"/>), each with its 2^128 bit, to the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBlocks(
        ref Vector512<ulong> a0, ref Vector512<ulong> a1, ref Vector512<ulong> a2, ref Vector512<ulong> a3, ref Vector512<ulong> a4,
        ref byte source, nuint offset)
    {
        Vector512<ulong> x = Vector512.LoadUnsafe(ref source, offset).AsUInt64();
        Vector512<ulong> y = Vector512.LoadUnsafe(ref source, offset + 64).AsUInt64();
        Vector512<ulong> low = Avx512F.UnpackLow(x, y), high = Avx512F.UnpackHigh(x, y);
        Vector512<ulong> mask = Vector512.Create(Mask26);
        a0 += low & mask;
        a1 += (low >>> 26) & mask;
        a2 += ((low >>> 52) | (high << 12)) & mask;
        a3 += (high >>> 14) & mask;
        a4 += (high >>> 40) | Vector512.Create(1UL << 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Mul(Vector512<ulong> a, Vector512<ulong> b) => Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());

    /// <summary>a ← a·p per lane, partly carried: every limb below 2^26 but limbs 1 and 4 (below 2^26 + 2^7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply(
        ref Vector512<ulong> a0, ref Vector512<ulong> a1, ref Vector512<ulong> a2, ref Vector512<ulong> a3, ref Vector512<ulong> a4,
        Vector512<ulong> p0, Vector512<ulong> p1, Vector512<ulong> p2, Vector512<ulong> p3, Vector512<ulong> p4)
    {
        Vector512<ulong> s1 = p1 + (p1 << 2), s2 = p2 + (p2 << 2), s3 = p3 + (p3 << 2), s4 = p4 + (p4 << 2);
        Vector512<ulong> d0 = (Mul(a0, p0) + Mul(a1, s4)) + (Mul(a2, s3) + Mul(a3, s2)) + Mul(a4, s1);
        Vector512<ulong> d1 = (Mul(a0, p1) + Mul(a1, p0)) + (Mul(a2, s4) + Mul(a3, s3)) + Mul(a4, s2);
        Vector512<ulong> d2 = (Mul(a0, p2) + Mul(a1, p1)) + (Mul(a2, p0) + Mul(a3, s4)) + Mul(a4, s3);
        Vector512<ulong> d3 = (Mul(a0, p3) + Mul(a1, p2)) + (Mul(a2, p1) + Mul(a3, p0)) + Mul(a4, s4);
        Vector512<ulong> d4 = (Mul(a0, p4) + Mul(a1, p3)) + (Mul(a2, p2) + Mul(a3, p1)) + Mul(a4, p0);
        Vector512<ulong> mask = Vector512.Create(Mask26);
        Vector512<ulong> c0 = d0 >>> 26, c3 = d3 >>> 26;
        d0 &= mask; d3 &= mask;
        d1 += c0; d4 += c3;
        Vector512<ulong> c1 = d1 >>> 26, c4 = d4 >>> 26;
        d1 &= mask; d4 &= mask;
        d2 += c1; d0 += c4 + (c4 << 2);
        Vector512<ulong> c2 = d2 >>> 26;
        c0 = d0 >>> 26;
        d2 &= mask; d0 &= mask;
        d3 += c2; d1 += c0;
        c3 = d3 >>> 26;
        d3 &= mask;
        d4 += c3;
        a0 = d0; a1 = d1; a2 = d2; a3 = d3; a4 = d4;
    }
}
