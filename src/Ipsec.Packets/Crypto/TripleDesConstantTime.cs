using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Triple DES (EDE, NIST SP 800-67) written from FIPS 46-3 without tables indexed by secret data. Permutations move
/// bits by public positions; E is eight rotations; each S-box is held as four 64-bit words of sixteen 4-bit entries,
/// the word chosen by masks computed from the top two input bits and the entry by a shift of the other four (shift
/// latency does not depend on the count on x64 and ARMv8). About ten times slower than the SP-box tables of classic
/// implementations; 3DES is for legacy peers.
/// </summary>
[SkipLocalsInit]
internal static class TripleDesConstantTime
{
    /// <summary>Round keys per DES pass.</summary>
    private const int Rounds = 16;

    /// <summary>Bytes of round keys for the three passes (eight 6-bit groups per round).</summary>
    public const int ScheduleSize = 3 * Rounds * 8;

    private static ReadOnlySpan<byte> Ip =>
    [
        58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6,
        64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
        61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
    ];

    private static ReadOnlySpan<byte> P =>
    [
        16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
    ];

    private static ReadOnlySpan<byte> Pc1 =>
    [
        57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
        63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
    ];

    private static ReadOnlySpan<byte> Pc2 =>
    [
        14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
        41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
    ];

    private static ReadOnlySpan<byte> Shifts => [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

    // FIPS 46-3 S1..S8, row-major (row = b1 b6, column = b2 b3 b4 b5).
    private static ReadOnlySpan<byte> SBoxes =>
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ];

    /// <summary>S-box j, input x (b1 = bit 5): word 4j + (x >> 4) holds the entry for x at bits 4(x &amp; 15).</summary>
    private static readonly ulong[] s_packed = Pack();

    /// <summary>The final permutation, the inverse of IP (derived, so it cannot be mistyped).</summary>
    private static readonly byte[] s_fp = InvertIp();

    private static ulong[] Pack()
    {
        ulong[] packed = new ulong[32];
        for (int j = 0; j < 8; j++)
        {
            for (int x = 0; x < 64; x++)
            {
                int row = ((x >> 4) & 2) | (x & 1);
                int column = (x >> 1) & 0xF;
                packed[4 * j + (x >> 4)] |= (ulong)SBoxes[64 * j + 16 * row + column] << (4 * (x & 15));
            }
        }

        return packed;
    }

    private static byte[] InvertIp()
    {
        byte[] fp = new byte[64];
        for (int i = 0; i < 64; i++)
        {
            fp[Ip[i] - 1] = (byte)(i + 1);
        }

        return fp;
    }

    /// <summary>FIPS 46-3 permutation: output bit i (1 = most significant) is input bit table[i] of an <paramref name="inputBits"/>-bit value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Permute(ulong input, int inputBits, ReadOnlySpan<byte> table)
    {
        ulong output = 0;
        for (int i = 0; i < table.Length; i++)
        {
            output = (output << 1) | ((input >> (inputBits - table[i])) & 1);
        }

        return output;
    }

    /// <summary>
    /// Expands a 24-byte key (K1 || K2 || K3) into the round keys in encryption order: K1's rounds 1..16, K2's rounds
    /// 16..1 (decryption), K3's rounds 1..16. Decryption walks the same schedule backwards.
    /// </summary>
    public static void ExpandKey(ReadOnlySpan<byte> key, Span<byte> schedule)
    {
        for (int pass = 0; pass < 3; pass++)
        {
            ulong cd = Permute(BinaryPrimitives.ReadUInt64BigEndian(key.Slice(8 * pass)), 64, Pc1);
            uint c = (uint)(cd >> 28), d = (uint)(cd & 0x0FFF_FFFF);
            for (int round = 0; round < Rounds; round++)
            {
                int shift = Shifts[round];
                c = ((c << shift) | (c >> (28 - shift))) & 0x0FFF_FFFF;
                d = ((d << shift) | (d >> (28 - shift))) & 0x0FFF_FFFF;
                ulong k = Permute(((ulong)c << 28) | d, 56, Pc2);
                int slot = pass == 1 ? Rounds - 1 - round : round;
                Span<byte> groups = schedule.Slice(8 * (Rounds * pass + slot), 8);
                for (int j = 0; j < 8; j++)
                {
                    groups[j] = (byte)((k >> (42 - 6 * j)) & 0x3F);
                }

                k = 0;
            }

            cd = 0;
            c = d = 0;
        }
    }

    /// <summary>The cipher function f(R, K) = P(S1..S8(E(R) ^ K)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint F(uint r, ReadOnlySpan<byte> k)
    {
        ReadOnlySpan<ulong> packed = s_packed;
        uint shifted = BitOperations.RotateRight(r, 1); // bits 1..6 of this word are E's first group: R32, R1..R5
        uint s = 0;
        for (int j = 0; j < 8; j++)
        {
            uint x = ((BitOperations.RotateLeft(shifted, 4 * j) >> 26) & 0x3F) ^ k[j];
            uint q = x >> 4;
            ulong word = 0;
            for (uint w = 0; w < 4; w++)
            {
                ulong mask = 0UL - (ulong)(((q ^ w) - 1) >> 31);
                word |= packed[4 * j + (int)w] & mask;
            }

            s = (s << 4) | (uint)((word >> (int)(4 * (x & 15))) & 0xF);
        }

        return (uint)Permute(s, 32, P);
    }

    /// <summary>Encrypts (or, with <paramref name="decrypt"/>, decrypts) one big-endian 64-bit block.</summary>
    public static ulong Process(ReadOnlySpan<byte> schedule, ulong block, bool decrypt)
    {
        ulong x = Permute(block, 64, Ip);
        uint l = (uint)(x >> 32), r = (uint)x;
        for (int pass = 0; pass < 3; pass++)
        {
            for (int round = 0; round < Rounds; round++)
            {
                int index = Rounds * pass + round;
                ReadOnlySpan<byte> k = schedule.Slice(8 * (decrypt ? 3 * Rounds - 1 - index : index), 8);
                uint t = l ^ F(r, k);
                l = r;
                r = t;
            }

            // The final swap of this pass; the next pass's IP undoes this pass's FP, so both are skipped.
            (l, r) = (r, l);
        }

        ulong result = Permute(((ulong)l << 32) | r, 64, s_fp);
        l = r = 0;
        x = 0;
        return result;
    }

    /// <summary>Zeroes a schedule.</summary>
    public static void Clear(Span<byte> schedule) => CryptographicOperations.ZeroMemory(schedule);
}
