using System;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// A Poly1305 field element in five 26-bit limbs (each may exceed 26 bits by a few carries): the scalar side of the
/// vector paths (<see cref="Poly1305Avx2"/>, <see cref="Poly1305Avx512"/>), which compute the powers of r and fold the
/// lanes back into the radix-2^64 accumulator with it.
/// </summary>
internal struct Poly1305Limbs
{
    private const ulong Mask26 = 0x3ffffff;

    public ulong L0, L1, L2, L3, L4;

    public static Poly1305Limbs FromRadix64(ulong h0, ulong h1, ulong h2) => new()
    {
        L0 = h0 & Mask26,
        L1 = (h0 >> 26) & Mask26,
        L2 = ((h0 >> 52) | (h1 << 12)) & Mask26,
        L3 = (h1 >> 14) & Mask26,
        L4 = (h1 >> 40) | (h2 << 24),
    };

    /// <summary>a·b mod 2^130 − 5, carried so every limb is below 2^26 but L1 (below 2^26 + 2^7).</summary>
    public static Poly1305Limbs Multiply(in Poly1305Limbs a, in Poly1305Limbs b)
    {
        ulong s1 = 5 * b.L1, s2 = 5 * b.L2, s3 = 5 * b.L3, s4 = 5 * b.L4;
        ulong d0 = (a.L0 * b.L0) + (a.L1 * s4) + (a.L2 * s3) + (a.L3 * s2) + (a.L4 * s1);
        ulong d1 = (a.L0 * b.L1) + (a.L1 * b.L0) + (a.L2 * s4) + (a.L3 * s3) + (a.L4 * s2);
        ulong d2 = (a.L0 * b.L2) + (a.L1 * b.L1) + (a.L2 * b.L0) + (a.L3 * s4) + (a.L4 * s3);
        ulong d3 = (a.L0 * b.L3) + (a.L1 * b.L2) + (a.L2 * b.L1) + (a.L3 * b.L0) + (a.L4 * s4);
        ulong d4 = (a.L0 * b.L4) + (a.L1 * b.L3) + (a.L2 * b.L2) + (a.L3 * b.L1) + (a.L4 * b.L0);
        return Carry(d0, d1, d2, d3, d4);
    }

    /// <summary>Carries column sums (each below 2^63) into limbs, folding 2^130 back as 5.</summary>
    public static Poly1305Limbs Carry(ulong d0, ulong d1, ulong d2, ulong d3, ulong d4)
    {
        d1 += d0 >> 26; d0 &= Mask26;
        d2 += d1 >> 26; d1 &= Mask26;
        d3 += d2 >> 26; d2 &= Mask26;
        d4 += d3 >> 26; d3 &= Mask26;
        d0 += 5 * (d4 >> 26); d4 &= Mask26;
        d1 += d0 >> 26; d0 &= Mask26;
        return new Poly1305Limbs { L0 = d0, L1 = d1, L2 = d2, L3 = d3, L4 = d4 };
    }

    /// <summary>
    /// Back to radix 2^64 (h2 small, as <see cref="Poly1305"/> expects) after one more carry: the limbs sit at bits 0, 26,
    /// 52, 78 and 104; L4 may reach bit 130 before the fold. Additions and constant shifts only (no comparison of 128-bit
    /// values, whose operator branches on the high halves).
    /// </summary>
    public readonly void ToRadix64(out ulong h0, out ulong h1, out ulong h2)
    {
        Poly1305Limbs sum = Carry(L0, L1, L2, L3, L4);
        UInt128 lower = sum.L0 + ((UInt128)sum.L1 << 26) + ((UInt128)sum.L2 << 52) + ((UInt128)sum.L3 << 78);
        UInt128 upper = (ulong)(lower >> 64) + ((UInt128)sum.L4 << 40);
        h0 = (ulong)lower;
        h1 = (ulong)upper;
        h2 = (ulong)(upper >> 64);
    }
}
