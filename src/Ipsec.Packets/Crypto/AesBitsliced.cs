using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Constant-time AES on 64-bit words, bitsliced four blocks at a time: no table, no branch and no memory address depends
/// on the key or the data. Written from FIPS 197: SubBytes is the inverse in GF(2^8) (x^254: four bitsliced
/// multiplications and squarings) followed by the affine map; InvSubBytes is the inverse affine map followed by the
/// same inversion; ShiftRows and MixColumns are masks, shifts and rotations of whole words.
/// </summary>
/// <remarks>
/// <para>
/// Layout: four 16-byte blocks become eight words <c>B0..B7</c>, word i holding bit i of all 64 bytes. Byte
/// <c>r + 4c</c> (row r, column c) of block b sits at bit <c>16r + 4c + b</c>, so each row is one 16-bit lane:
/// ShiftRows rotates lane r by 4r bits, and MixColumns reaches row r + 1 by rotating the whole word by 16 bits.
/// </para>
/// <para>
/// InvMixColumns is MixColumns after multiplying each column by 04x^2 + 05 (FIPS 197 §5.3.3 factorised, as in
/// "The Design of Rijndael" §4.1.3): <c>s ^= 4·(s ^ s[r+2])</c>.
/// </para>
/// </remarks>
[SkipLocalsInit]
internal static class AesBitsliced
{
    /// <summary>Bytes processed by one bitsliced pass: four blocks.</summary>
    public const int BatchSize = 64;

    /// <summary>Words per bitsliced round key.</summary>
    public const int WordsPerRoundKey = 8;

    /// <summary>Eight bit planes of 64 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Planes
    {
        public ulong B0, B1, B2, B3, B4, B5, B6, B7;
    }

    /// <summary>
    /// FIPS 197 §5.2 key expansion into bitsliced round keys (<see cref="WordsPerRoundKey"/> words per round, each
    /// round key replicated into the four block slots). SubWord runs through the bitsliced S-box.
    /// </summary>
    public static void ExpandKey(ReadOnlySpan<byte> key, int rounds, Span<ulong> roundKeys)
    {
        int nk = key.Length / 4;
        int total = 4 * (rounds + 1);
        Span<uint> w = stackalloc uint[60];
        Span<byte> replicated = stackalloc byte[BatchSize];
        for (int i = 0; i < nk; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i));
        }

        uint rcon = 1;
        for (int i = nk; i < total; i++)
        {
            uint temp = w[i - 1];
            if (i % nk == 0)
            {
                temp = SubWord(BitOperations.RotateRight(temp, 8)) ^ rcon;
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
            }
            else if (nk > 6 && i % nk == 4)
            {
                temp = SubWord(temp);
            }

            w[i] = w[i - nk] ^ temp;
        }

        for (int r = 0; r <= rounds; r++)
        {
            for (int b = 0; b < 4; b++)
            {
                for (int j = 0; j < 4; j++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(replicated.Slice(16 * b + 4 * j), w[4 * r + j]);
                }
            }

            Load(replicated, out Planes planes);
            MemoryMarshal.Write(MemoryMarshal.AsBytes(roundKeys.Slice(WordsPerRoundKey * r, WordsPerRoundKey)), in planes);
            planes = default;
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(w));
        CryptographicOperations.ZeroMemory(replicated);
    }

    /// <summary>SubWord of the key expansion: the S-box on each byte of a word, bitsliced (bit i of byte j at bit j of plane i).</summary>
    private static uint SubWord(uint word)
    {
        Planes p;
        p.B0 = Gather(word, 0);
        p.B1 = Gather(word, 1);
        p.B2 = Gather(word, 2);
        p.B3 = Gather(word, 3);
        p.B4 = Gather(word, 4);
        p.B5 = Gather(word, 5);
        p.B6 = Gather(word, 6);
        p.B7 = Gather(word, 7);
        SubBytes(ref p);
        uint result = 0;
        for (int j = 0; j < 4; j++)
        {
            uint b = (uint)(((p.B0 >> j) & 1) | (((p.B1 >> j) & 1) << 1) | (((p.B2 >> j) & 1) << 2) | (((p.B3 >> j) & 1) << 3) |
                (((p.B4 >> j) & 1) << 4) | (((p.B5 >> j) & 1) << 5) | (((p.B6 >> j) & 1) << 6) | (((p.B7 >> j) & 1) << 7));
            result |= b << (8 * j);
        }

        p = default;
        return result;

        static ulong Gather(uint w, int bit) =>
            ((w >> bit) & 1) | (((w >> (8 + bit)) & 1) << 1) | (((w >> (16 + bit)) & 1) << 2) | (((w >> (24 + bit)) & 1) << 3);
    }

    /// <summary>Encrypts the four blocks held in <paramref name="q"/> with the bitsliced schedule.</summary>
    public static void Encrypt(ReadOnlySpan<ulong> roundKeys, int rounds, ref Planes q)
    {
        AddRoundKey(ref q, roundKeys, 0);
        for (int round = 1; round < rounds; round++)
        {
            SubBytes(ref q);
            ShiftRows(ref q);
            MixColumns(ref q);
            AddRoundKey(ref q, roundKeys, round);
        }

        SubBytes(ref q);
        ShiftRows(ref q);
        AddRoundKey(ref q, roundKeys, rounds);
    }

    /// <summary>Decrypts the four blocks held in <paramref name="q"/> (the straight inverse cipher of FIPS 197 §5.3).</summary>
    public static void Decrypt(ReadOnlySpan<ulong> roundKeys, int rounds, ref Planes q)
    {
        AddRoundKey(ref q, roundKeys, rounds);
        for (int round = rounds - 1; round > 0; round--)
        {
            InverseShiftRows(ref q);
            InverseSubBytes(ref q);
            AddRoundKey(ref q, roundKeys, round);
            InverseMixColumns(ref q);
        }

        InverseShiftRows(ref q);
        InverseSubBytes(ref q);
        AddRoundKey(ref q, roundKeys, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRoundKey(ref Planes q, ReadOnlySpan<ulong> roundKeys, int round)
    {
        ReadOnlySpan<ulong> k = roundKeys.Slice(WordsPerRoundKey * round, WordsPerRoundKey);
        q.B0 ^= k[0];
        q.B1 ^= k[1];
        q.B2 ^= k[2];
        q.B3 ^= k[3];
        q.B4 ^= k[4];
        q.B5 ^= k[5];
        q.B6 ^= k[6];
        q.B7 ^= k[7];
    }

    /// <summary>The S-box on all 64 bytes: inversion in GF(2^8), then the affine map b_i ^ b_(i+4) ^ ... ^ b_(i+7) ^ 0x63.</summary>
    internal static void SubBytes(ref Planes q)
    {
        Planes x = Invert(q);
        q.B0 = ~(x.B0 ^ x.B4 ^ x.B5 ^ x.B6 ^ x.B7);
        q.B1 = ~(x.B1 ^ x.B5 ^ x.B6 ^ x.B7 ^ x.B0);
        q.B2 = x.B2 ^ x.B6 ^ x.B7 ^ x.B0 ^ x.B1;
        q.B3 = x.B3 ^ x.B7 ^ x.B0 ^ x.B1 ^ x.B2;
        q.B4 = x.B4 ^ x.B0 ^ x.B1 ^ x.B2 ^ x.B3;
        q.B5 = ~(x.B5 ^ x.B1 ^ x.B2 ^ x.B3 ^ x.B4);
        q.B6 = ~(x.B6 ^ x.B2 ^ x.B3 ^ x.B4 ^ x.B5);
        q.B7 = x.B7 ^ x.B3 ^ x.B4 ^ x.B5 ^ x.B6;
    }

    /// <summary>The inverse S-box: the inverse affine map b_(i+2) ^ b_(i+5) ^ b_(i+7) ^ 0x05, then inversion in GF(2^8).</summary>
    internal static void InverseSubBytes(ref Planes q)
    {
        Planes x;
        x.B0 = ~(q.B2 ^ q.B5 ^ q.B7);
        x.B1 = q.B3 ^ q.B6 ^ q.B0;
        x.B2 = ~(q.B4 ^ q.B7 ^ q.B1);
        x.B3 = q.B5 ^ q.B0 ^ q.B2;
        x.B4 = q.B6 ^ q.B1 ^ q.B3;
        x.B5 = q.B7 ^ q.B2 ^ q.B4;
        x.B6 = q.B0 ^ q.B3 ^ q.B5;
        x.B7 = q.B1 ^ q.B4 ^ q.B6;
        q = Invert(x);
    }

    /// <summary>x^254 = x^-1 in GF(2^8) (0 maps to 0): x^2, x^3, x^12, x^15, x^240, x^252, x^254.</summary>
    private static Planes Invert(in Planes x)
    {
        Planes x2 = Square(x);
        Planes x3 = Multiply(x2, x);
        Planes x12 = Square(Square(x3));
        Planes x15 = Multiply(x12, x3);
        Planes x240 = Square(Square(Square(Square(x15))));
        Planes x252 = Multiply(x240, x12);
        return Multiply(x252, x2);
    }

    /// <summary>
    /// a^2 modulo x^8 + x^4 + x^3 + x + 1, a linear map: a_i moves to x^(2i), and x^8, x^10, x^12, x^14 reduce to
    /// 0x1B, 0x6C, 0xAB, 0x9A.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Planes Square(in Planes a)
    {
        Planes r;
        r.B0 = a.B0 ^ a.B4 ^ a.B6;
        r.B1 = a.B4 ^ a.B6 ^ a.B7;
        r.B2 = a.B1 ^ a.B5;
        r.B3 = a.B4 ^ a.B5 ^ a.B6 ^ a.B7;
        r.B4 = a.B2 ^ a.B4 ^ a.B7;
        r.B5 = a.B5 ^ a.B6;
        r.B6 = a.B3 ^ a.B5;
        r.B7 = a.B6 ^ a.B7;
        return r;
    }

    /// <summary>a·b modulo x^8 + x^4 + x^3 + x + 1: the 15-term carry-less product, then x^14..x^8 folded down.</summary>
    private static Planes Multiply(in Planes a, in Planes b)
    {
        ulong p0 = (a.B0 & b.B0);
        ulong p1 = (a.B0 & b.B1) ^ (a.B1 & b.B0);
        ulong p2 = (a.B0 & b.B2) ^ (a.B1 & b.B1) ^ (a.B2 & b.B0);
        ulong p3 = (a.B0 & b.B3) ^ (a.B1 & b.B2) ^ (a.B2 & b.B1) ^ (a.B3 & b.B0);
        ulong p4 = (a.B0 & b.B4) ^ (a.B1 & b.B3) ^ (a.B2 & b.B2) ^ (a.B3 & b.B1) ^ (a.B4 & b.B0);
        ulong p5 = (a.B0 & b.B5) ^ (a.B1 & b.B4) ^ (a.B2 & b.B3) ^ (a.B3 & b.B2) ^ (a.B4 & b.B1) ^ (a.B5 & b.B0);
        ulong p6 = (a.B0 & b.B6) ^ (a.B1 & b.B5) ^ (a.B2 & b.B4) ^ (a.B3 & b.B3) ^ (a.B4 & b.B2) ^ (a.B5 & b.B1) ^ (a.B6 & b.B0);
        ulong p7 = (a.B0 & b.B7) ^ (a.B1 & b.B6) ^ (a.B2 & b.B5) ^ (a.B3 & b.B4) ^ (a.B4 & b.B3) ^ (a.B5 & b.B2) ^ (a.B6 & b.B1) ^ (a.B7 & b.B0);
        ulong p8 = (a.B1 & b.B7) ^ (a.B2 & b.B6) ^ (a.B3 & b.B5) ^ (a.B4 & b.B4) ^ (a.B5 & b.B3) ^ (a.B6 & b.B2) ^ (a.B7 & b.B1);
        ulong p9 = (a.B2 & b.B7) ^ (a.B3 & b.B6) ^ (a.B4 & b.B5) ^ (a.B5 & b.B4) ^ (a.B6 & b.B3) ^ (a.B7 & b.B2);
        ulong p10 = (a.B3 & b.B7) ^ (a.B4 & b.B6) ^ (a.B5 & b.B5) ^ (a.B6 & b.B4) ^ (a.B7 & b.B3);
        ulong p11 = (a.B4 & b.B7) ^ (a.B5 & b.B6) ^ (a.B6 & b.B5) ^ (a.B7 & b.B4);
        ulong p12 = (a.B5 & b.B7) ^ (a.B6 & b.B6) ^ (a.B7 & b.B5);
        ulong p13 = (a.B6 & b.B7) ^ (a.B7 & b.B6);
        ulong p14 = (a.B7 & b.B7);

        // x^k = x^(k-4) + x^(k-5) + x^(k-7) + x^(k-8) for k = 14 down to 8.
        p10 ^= p14; p9 ^= p14; p7 ^= p14; p6 ^= p14;
        p9 ^= p13; p8 ^= p13; p6 ^= p13; p5 ^= p13;
        p8 ^= p12; p7 ^= p12; p5 ^= p12; p4 ^= p12;
        p7 ^= p11; p6 ^= p11; p4 ^= p11; p3 ^= p11;
        p6 ^= p10; p5 ^= p10; p3 ^= p10; p2 ^= p10;
        p5 ^= p9; p4 ^= p9; p2 ^= p9; p1 ^= p9;
        p4 ^= p8; p3 ^= p8; p1 ^= p8; p0 ^= p8;
        Planes r;
        r.B0 = p0;
        r.B1 = p1;
        r.B2 = p2;
        r.B3 = p3;
        r.B4 = p4;
        r.B5 = p5;
        r.B6 = p6;
        r.B7 = p7;
        return r;
    }

    /// <summary>ShiftRows: lane r (row r) rotated right by 4r bits, so column c takes the byte of column c + r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShiftRows(ulong x) =>
        (x & 0x0000_0000_0000_FFFFUL) |
        ((x >> 4) & 0x0000_0000_0FFF_0000UL) | ((x << 12) & 0x0000_0000_F000_0000UL) |
        ((x >> 8) & 0x0000_00FF_0000_0000UL) | ((x << 8) & 0x0000_FF00_0000_0000UL) |
        ((x >> 12) & 0x000F_0000_0000_0000UL) | ((x << 4) & 0xFFF0_0000_0000_0000UL);

    /// <summary>InvShiftRows: lane r rotated left by 4r bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong InverseShiftRows(ulong x) =>
        (x & 0x0000_0000_0000_FFFFUL) |
        ((x << 4) & 0x0000_0000_FFF0_0000UL) | ((x >> 12) & 0x0000_0000_000F_0000UL) |
        ((x >> 8) & 0x0000_00FF_0000_0000UL) | ((x << 8) & 0x0000_FF00_0000_0000UL) |
        ((x >> 4) & 0x0FFF_0000_0000_0000UL) | ((x << 12) & 0xF000_0000_0000_0000UL);

    private static void ShiftRows(ref Planes q)
    {
        q.B0 = ShiftRows(q.B0);
        q.B1 = ShiftRows(q.B1);
        q.B2 = ShiftRows(q.B2);
        q.B3 = ShiftRows(q.B3);
        q.B4 = ShiftRows(q.B4);
        q.B5 = ShiftRows(q.B5);
        q.B6 = ShiftRows(q.B6);
        q.B7 = ShiftRows(q.B7);
    }

    private static void InverseShiftRows(ref Planes q)
    {
        q.B0 = InverseShiftRows(q.B0);
        q.B1 = InverseShiftRows(q.B1);
        q.B2 = InverseShiftRows(q.B2);
        q.B3 = InverseShiftRows(q.B3);
        q.B4 = InverseShiftRows(q.B4);
        q.B5 = InverseShiftRows(q.B5);
        q.B6 = InverseShiftRows(q.B6);
        q.B7 = InverseShiftRows(q.B7);
    }

    /// <summary>The next row of the same column: lane r + 1 moved to lane r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Row1(ulong x) => BitOperations.RotateRight(x, 16);

    /// <summary>MixColumns: s'[r] = 2·(s[r] ^ s[r+1]) ^ s[r+1] ^ s[r+2] ^ s[r+3], with 2· the xtime of FIPS 197 §4.2.1.</summary>
    private static void MixColumns(ref Planes q)
    {
        ulong r0 = Row1(q.B0), r1 = Row1(q.B1), r2 = Row1(q.B2), r3 = Row1(q.B3);
        ulong r4 = Row1(q.B4), r5 = Row1(q.B5), r6 = Row1(q.B6), r7 = Row1(q.B7);
        ulong t0 = q.B0 ^ r0, t1 = q.B1 ^ r1, t2 = q.B2 ^ r2, t3 = q.B3 ^ r3;
        ulong t4 = q.B4 ^ r4, t5 = q.B5 ^ r5, t6 = q.B6 ^ r6, t7 = q.B7 ^ r7;

        // s[r+1] ^ s[r+2] ^ s[r+3] = r ^ rotate(s ^ r, 32) when r = s[r+1] (rotating by 32 reaches rows r+2 and r+3).
        q.B0 = t7 ^ r0 ^ BitOperations.RotateRight(t0, 32);
        q.B1 = t0 ^ t7 ^ r1 ^ BitOperations.RotateRight(t1, 32);
        q.B2 = t1 ^ r2 ^ BitOperations.RotateRight(t2, 32);
        q.B3 = t2 ^ t7 ^ r3 ^ BitOperations.RotateRight(t3, 32);
        q.B4 = t3 ^ t7 ^ r4 ^ BitOperations.RotateRight(t4, 32);
        q.B5 = t4 ^ r5 ^ BitOperations.RotateRight(t5, 32);
        q.B6 = t5 ^ r6 ^ BitOperations.RotateRight(t6, 32);
        q.B7 = t6 ^ r7 ^ BitOperations.RotateRight(t7, 32);
    }

    /// <summary>InvMixColumns = MixColumns after s ^= 4·(s ^ s[r+2]).</summary>
    private static void InverseMixColumns(ref Planes q)
    {
        ulong v0 = q.B0 ^ BitOperations.RotateRight(q.B0, 32), v1 = q.B1 ^ BitOperations.RotateRight(q.B1, 32);
        ulong v2 = q.B2 ^ BitOperations.RotateRight(q.B2, 32), v3 = q.B3 ^ BitOperations.RotateRight(q.B3, 32);
        ulong v4 = q.B4 ^ BitOperations.RotateRight(q.B4, 32), v5 = q.B5 ^ BitOperations.RotateRight(q.B5, 32);
        ulong v6 = q.B6 ^ BitOperations.RotateRight(q.B6, 32), v7 = q.B7 ^ BitOperations.RotateRight(q.B7, 32);

        // 4·v: xtime twice. After one xtime bit i holds v(i-1) (+ v7 into bits 0, 1, 3, 4); after two, v(i-2) (+ v6 and v7 terms).
        q.B0 ^= v6;
        q.B1 ^= v6 ^ v7;
        q.B2 ^= v0 ^ v7;
        q.B3 ^= v1 ^ v6;
        q.B4 ^= v2 ^ v6 ^ v7;
        q.B5 ^= v3 ^ v7;
        q.B6 ^= v4;
        q.B7 ^= v5;
        MixColumns(ref q);
    }

    /// <summary>Transposes an 8x8 bit matrix held row by row in the bytes of a word (bit 8r + c moves to bit 8c + r).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Transpose8x8(ulong x)
    {
        ulong t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AAUL;
        x ^= t ^ (t << 7);
        t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCCUL;
        x ^= t ^ (t << 14);
        t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0UL;
        return x ^ t ^ (t << 28);
    }

    /// <summary>
    /// Converts four blocks (64 bytes) to bit planes. Byte g of every plane covers row g / 2 and columns 2(g % 2),
    /// 2(g % 2) + 1 of the four blocks: those eight bytes are gathered into one word and transposed.
    /// </summary>
    public static void Load(ReadOnlySpan<byte> blocks, out Planes q)
    {
        ref byte src = ref MemoryMarshal.GetReference(blocks.Slice(0, BatchSize));
        q = default;
        for (int g = 0; g < 8; g++)
        {
            int first = (g >> 1) + 8 * (g & 1);
            ulong x = 0;
            for (int k = 0; k < 8; k++)
            {
                x |= (ulong)Unsafe.Add(ref src, 16 * (k & 3) + first + 4 * (k >> 2)) << (8 * k);
            }

            x = Transpose8x8(x);
            int shift = 8 * g;
            q.B0 |= (x & 0xFF) << shift;
            q.B1 |= ((x >> 8) & 0xFF) << shift;
            q.B2 |= ((x >> 16) & 0xFF) << shift;
            q.B3 |= ((x >> 24) & 0xFF) << shift;
            q.B4 |= ((x >> 32) & 0xFF) << shift;
            q.B5 |= ((x >> 40) & 0xFF) << shift;
            q.B6 |= ((x >> 48) & 0xFF) << shift;
            q.B7 |= (x >> 56) << shift;
        }
    }

    /// <summary>The inverse of <see cref="Load"/>.</summary>
    public static void Store(in Planes q, Span<byte> blocks)
    {
        ref byte dst = ref MemoryMarshal.GetReference(blocks.Slice(0, BatchSize));
        for (int g = 0; g < 8; g++)
        {
            int shift = 8 * g;
            ulong x = ((q.B0 >> shift) & 0xFF) | (((q.B1 >> shift) & 0xFF) << 8) | (((q.B2 >> shift) & 0xFF) << 16) |
                (((q.B3 >> shift) & 0xFF) << 24) | (((q.B4 >> shift) & 0xFF) << 32) | (((q.B5 >> shift) & 0xFF) << 40) |
                (((q.B6 >> shift) & 0xFF) << 48) | (((q.B7 >> shift) & 0xFF) << 56);
            x = Transpose8x8(x);
            int first = (g >> 1) + 8 * (g & 1);
            for (int k = 0; k < 8; k++)
            {
                Unsafe.Add(ref dst, 16 * (k & 3) + first + 4 * (k >> 2)) = (byte)(x >> (8 * k));
            }
        }
    }
}
