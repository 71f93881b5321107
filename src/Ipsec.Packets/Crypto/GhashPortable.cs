using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Constant-time portable GHASH: the 128x128-bit carry-less product by Karatsuba from 64x64-bit products, each made of
/// ordinary integer multiplications of operands masked to every fourth bit ("holes" that absorb the carries), then
/// reduced modulo x^128 + x^7 + x^2 + x + 1 with shifts. No table and no secret-dependent branch or address; the only
/// assumption is that 64-bit integer multiplication takes the same time for every operand, as on x64 and ARMv8 cores.
/// </summary>
/// <remarks>
/// A 64x64 product with holes gives only the low 64 bits exactly (a column of the high half can collect 16 terms, which
/// carries into the next bit of the same class); the high half is the low half of the product of the bit-reversed
/// operands, reversed and shifted right by one. Blocks are read big-endian, so x^0 is the top bit (the reflected
/// representation): the 255-bit product is shifted left by one and its low 128 bits, which stand for x^128..x^255,
/// are folded in two phases (the bits that would fold past x^127 first).
/// </remarks>
[SkipLocalsInit]
internal sealed class GhashPortable : GhashKey
{
    // H high, H low, their bit reversals, their XOR (Karatsuba middle) and its reversal.
    private readonly ulong[] _key = new ulong[6];

    public GhashPortable(Vector128<byte> h)
    {
        Unsafe.SkipInit(out StackBlock16 bytesStorage);
        Span<byte> bytes = bytesStorage;
        h.CopyTo(bytes);
        ulong hh = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        ulong hl = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8));
        CryptographicOperations.ZeroMemory(bytes);
        _key[0] = hh;
        _key[1] = hl;
        _key[2] = Reverse(hh);
        _key[3] = Reverse(hl);
        _key[4] = hh ^ hl;
        _key[5] = Reverse(hh ^ hl);
    }

    /// <summary>Reverses the bit order of a 64-bit word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Reverse(ulong x)
    {
        x = ((x >> 1) & 0x5555_5555_5555_5555UL) | ((x & 0x5555_5555_5555_5555UL) << 1);
        x = ((x >> 2) & 0x3333_3333_3333_3333UL) | ((x & 0x3333_3333_3333_3333UL) << 2);
        x = ((x >> 4) & 0x0F0F_0F0F_0F0F_0F0FUL) | ((x & 0x0F0F_0F0F_0F0F_0F0FUL) << 4);
        return BinaryPrimitives.ReverseEndianness(x);
    }

    /// <summary>
    /// The low 64 bits of the carry-less product x·y: x and y split into the four classes of bit positions modulo 4,
    /// the sixteen integer products combined per class of the result. Below bit 60 a column holds at most 15 terms, so
    /// its count stays inside the three zero bits above it; from bit 60 up the carries leave the word.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MultiplyLow(ulong x, ulong y)
    {
        const ulong M0 = 0x1111_1111_1111_1111UL, M1 = M0 << 1, M2 = M0 << 2, M3 = M0 << 3;
        ulong x0 = x & M0, x1 = x & M1, x2 = x & M2, x3 = x & M3;
        ulong y0 = y & M0, y1 = y & M1, y2 = y & M2, y3 = y & M3;
        ulong z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
        ulong z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
        ulong z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
        ulong z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
        return (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3);
    }

    /// <summary>
    /// y·H in GF(2^128) (both reflected, as 64-bit halves), given H's halves <paramref name="key"/>[0..1], their
    /// reversals [2..3] and the Karatsuba middle term [4..5].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Multiply(ref ulong high, ref ulong low, ReadOnlySpan<ulong> key)
    {
        ulong ah = high, al = low, am = ah ^ al;
        ulong rh = Reverse(ah), rl = Reverse(al), rm = Reverse(am);

        // Three 128-bit products: al·hl, ah·hh and am·hm, each as (low, high) halves.
        ulong l0 = MultiplyLow(al, key[1]);
        ulong l1 = Reverse(MultiplyLow(rl, key[3])) >> 1;
        ulong h0 = MultiplyLow(ah, key[0]);
        ulong h1 = Reverse(MultiplyLow(rh, key[2])) >> 1;
        ulong m0 = MultiplyLow(am, key[4]) ^ l0 ^ h0;
        ulong m1 = (Reverse(MultiplyLow(rm, key[5])) >> 1) ^ l1 ^ h1;

        // The 255-bit product z3:z2:z1:z0, shifted left by one bit.
        ulong z0 = l0, z1 = l1 ^ m0, z2 = h0 ^ m1, z3 = h1;
        z3 = (z3 << 1) | (z2 >> 63);
        z2 = (z2 << 1) | (z1 >> 63);
        z1 = (z1 << 1) | (z0 >> 63);
        z0 <<= 1;

        // z1:z0 stands for x^128..x^255 and x^128 = x^7 + x^2 + x + 1. First fold the terms that would pass x^127 back
        // into z1:z0, then add z1:z0 times (1 + x + x^2 + x^7), a right shift by 0, 1, 2 and 7 in this representation.
        z1 ^= (z0 << 63) ^ (z0 << 62) ^ (z0 << 57);
        high = z3 ^ z1 ^ (z1 >> 1) ^ (z1 >> 2) ^ (z1 >> 7);
        low = z2 ^ z0 ^ ((z0 >> 1) | (z1 << 63)) ^ ((z0 >> 2) | (z1 << 62)) ^ ((z0 >> 7) | (z1 << 57));
    }

    private struct Sink : IBlockSink
    {
        public ulong[] Key;
        public ulong High, Low;

        public void Absorb(ReadOnlySpan<byte> blocks)
        {
            ReadOnlySpan<ulong> key = Key;
            ulong yh = High, yl = Low;
            for (int offset = 0; offset < blocks.Length; offset += 16)
            {
                yh ^= BinaryPrimitives.ReadUInt64BigEndian(blocks.Slice(offset));
                yl ^= BinaryPrimitives.ReadUInt64BigEndian(blocks.Slice(offset + 8));
                Multiply(ref yh, ref yl, key);
            }

            High = yh;
            Low = yl;
        }
    }

    public override Vector128<byte> Compute(ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext)
    {
        Sink sink = default;
        sink.Key = _key;
        BlockPadding.AbsorbPadded(ref sink, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref sink, ciphertext, default, default);
        return Finish(ref sink, (ulong)aadHead.Length + (ulong)aadTail.Length, (ulong)ciphertext.Length);
    }

    public override Vector128<byte> ComputeAadOnly(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        Sink sink = default;
        sink.Key = _key;
        BlockPadding.AbsorbPadded(ref sink, a, b, c, d);
        return Finish(ref sink, (ulong)a.Length + (ulong)b.Length + (ulong)c.Length + (ulong)d.Length, 0);
    }

    /// <summary>Absorbs the lengths block [len(A)]64 || [len(C)]64 (in bits) and returns the hash as bytes.</summary>
    private static Vector128<byte> Finish(ref Sink sink, ulong aadLength, ulong ciphertextLength)
    {
        ulong yh = sink.High ^ (aadLength * 8), yl = sink.Low ^ (ciphertextLength * 8);
        Multiply(ref yh, ref yl, sink.Key);
        sink.High = 0;
        sink.Low = 0;
        return Vector128.Create(BinaryPrimitives.ReverseEndianness(yh), BinaryPrimitives.ReverseEndianness(yl)).AsByte();
    }

    public override void AppendKeyArrays(List<Array> arrays) => arrays.Add(_key);

    public override void Dispose() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_key.AsSpan()));
}
