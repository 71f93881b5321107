using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Portable GHASH with Shoup's 4-bit tables: 16 multiples of H (256 bytes per key) and a fixed 16-entry reduction
/// table; 32 table steps per block. Table lookups are indexed by secret nibbles, so like table AES this path is not
/// hardened against cache-timing observers; it only runs where AES-NI and PCLMULQDQ are missing.
/// </summary>
internal sealed class GhashTable : GhashKey
{
    // Multiples v(x)·H for the 16 nibble values (bit 3 of v is x^0); entry v at [2v] (high half) and [2v+1] (low half).
    private readonly ulong[] _table = new ulong[32];

    // A static array, not a ReadOnlySpan<ulong> literal: a literal of elements wider than a byte compiles to a call of
    // RuntimeHelpers.CreateSpan, which the JIT replaces with a constant only when it optimises; a Debug build's code
    // calls it and allocated 72 bytes per Absorb (AeadContractTests.AllocatesNothingPerCall, portable path).
    private static readonly ulong[] s_reduction =
    [
        0x0000000000000000, 0x1C20000000000000, 0x3840000000000000, 0x2460000000000000,
        0x7080000000000000, 0x6CA0000000000000, 0x48C0000000000000, 0x54E0000000000000,
        0xE100000000000000, 0xFD20000000000000, 0xD940000000000000, 0xC560000000000000,
        0x9180000000000000, 0x8DA0000000000000, 0xA9C0000000000000, 0xB5E0000000000000,
    ];

    public GhashTable(Vector128<byte> h)
    {
        Span<byte> bytes = stackalloc byte[16];
        h.CopyTo(bytes);
        ulong hh = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        ulong hl = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8));
        bytes.Clear();
        ulong[] t = _table;
        for (int v = 8; v > 0; v >>= 1)
        {
            t[2 * v] = hh;
            t[2 * v + 1] = hl;
            ulong carry = (hl & 1) * 0xE100000000000000;
            hl = (hl >> 1) | (hh << 63);
            hh = (hh >> 1) ^ carry;
        }

        for (int v = 2; v < 16; v <<= 1)
        {
            for (int j = 1; j < v; j++)
            {
                t[2 * (v + j)] = t[2 * v] ^ t[2 * j];
                t[2 * (v + j) + 1] = t[2 * v + 1] ^ t[2 * j + 1];
            }
        }
    }

    private struct Sink : IBlockSink
    {
        public ulong[] Table;
        public ulong High, Low;

        public void Absorb(ReadOnlySpan<byte> blocks)
        {
            ReadOnlySpan<ulong> t = Table;
            ReadOnlySpan<ulong> reduction = s_reduction;
            ulong yh = High, yl = Low;
            for (int offset = 0; offset < blocks.Length; offset += 16)
            {
                ulong xh = yh ^ BinaryPrimitives.ReadUInt64BigEndian(blocks.Slice(offset));
                ulong xl = yl ^ BinaryPrimitives.ReadUInt64BigEndian(blocks.Slice(offset + 8));
                ulong zh = 0, zl = 0;

                // Horner over the 32 nibbles from x^124..x^127 (low nibble of byte 15) down to x^0..x^3.
                for (int n = 0; n < 32; n++)
                {
                    ulong word = n < 16 ? xl : xh;
                    int v = (int)((word >> (4 * (n & 15))) & 0xF);
                    int r = (int)(zl & 0xF);
                    zl = (zl >> 4) | (zh << 60);
                    zh = (zh >> 4) ^ reduction[r];
                    zh ^= t[2 * v];
                    zl ^= t[2 * v + 1];
                }

                yh = zh;
                yl = zl;
            }

            High = yh;
            Low = yl;
        }
    }

    public override Vector128<byte> Compute(ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext)
    {
        Sink sink = default;
        sink.Table = _table;
        BlockPadding.AbsorbPadded(ref sink, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref sink, ciphertext, default, default);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(lengths, ((ulong)aadHead.Length + (ulong)aadTail.Length) * 8);
        BinaryPrimitives.WriteUInt64BigEndian(lengths.Slice(8), (ulong)ciphertext.Length * 8);
        sink.Absorb(lengths);
        BinaryPrimitives.WriteUInt64BigEndian(lengths, sink.High);
        BinaryPrimitives.WriteUInt64BigEndian(lengths.Slice(8), sink.Low);
        Vector128<byte> result = Vector128.Create((ReadOnlySpan<byte>)lengths);
        lengths.Clear();
        return result;
    }

    public override Vector128<byte> ComputeAadOnly(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        Sink sink = default;
        sink.Table = _table;
        BlockPadding.AbsorbPadded(ref sink, a, b, c, d);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(lengths, ((ulong)a.Length + (ulong)b.Length + (ulong)c.Length + (ulong)d.Length) * 8);
        BinaryPrimitives.WriteUInt64BigEndian(lengths.Slice(8), 0);
        sink.Absorb(lengths);
        BinaryPrimitives.WriteUInt64BigEndian(lengths, sink.High);
        BinaryPrimitives.WriteUInt64BigEndian(lengths.Slice(8), sink.Low);
        Vector128<byte> result = Vector128.Create((ReadOnlySpan<byte>)lengths);
        lengths.Clear();
        return result;
    }

    public override void AppendKeyArrays(List<Array> arrays) => arrays.Add(_table);

    public override void Dispose() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_table.AsSpan()));
}
