using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Poly1305 (RFC 8439 §2.5) in radix 2^64: h = h0 + h1·2^64 + h2·2^128 with 64×64→128-bit products
/// (<see cref="Math.BigMul(ulong, ulong, out ulong)"/>, MULX where present): four full products per block.
/// Constant-time, on the stack, allocation-free.
/// </summary>
[SkipLocalsInit]
internal struct Poly1305 : IBlockSink
{
    // Below 16 blocks the r-power products of the vector paths cost more than they save; from 16 blocks on, eight lanes
    // are as fast as four or faster (Poly1305PathBenchmarks: equal at 256 and 512 bytes, 1.7x at 1,024, 2.2x at 9,000).
    private const int VectorThreshold = 256;

    private ulong _r0, _r1;
    private ulong _pad0, _pad1;
    private ulong _h0, _h1, _h2;

    /// <summary>Starts a MAC under the 32-byte one-time key r || s (r is clamped here).</summary>
    public Poly1305(ReadOnlySpan<byte> key) => Start(key);

    /// <summary>
    /// Starts a MAC in place under the 32-byte one-time key r || s (r is clamped here). Assigning a constructed value
    /// through a reference builds it in a temporary first, a copy of the key that nobody clears; this writes only the
    /// referenced memory.
    /// </summary>
    public void Start(ReadOnlySpan<byte> key)
    {
        _r0 = BinaryPrimitives.ReadUInt64LittleEndian(key) & 0x0ffffffc0fffffff;
        _r1 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(8)) & 0x0ffffffc0ffffffc;
        _pad0 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(16));
        _pad1 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(24));
        _h0 = 0;
        _h1 = 0;
        _h2 = 0;
    }

    /// <summary>The most blocks this machine absorbs in parallel: 8 (AVX-512F), 4 (AVX2) or 1 (the radix-2^64 loop).</summary>
    public static int MaximumLanes { get; } = Poly1305Avx512.IsSupported ? 8 : Poly1305Avx2.IsSupported ? 4 : 1;

    /// <summary>
    /// A cap on the lanes long inputs use (8, 4 or 1; the machine's maximum by default). For tests, which run every path
    /// on one machine; not meant to be changed while other threads compute MACs.
    /// </summary>
    internal static int LanesLimit { get; set; } = 8;

    /// <summary>The lanes long inputs use now: the machine's maximum under <see cref="LanesLimit"/>.</summary>
    public static int Lanes => Math.Min(MaximumLanes, LanesLimit);

    /// <summary>Adds a·b to the 128-bit accumulator (high, low).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(ulong a, ulong b, ref ulong low, ref ulong high)
    {
        ulong h = Math.BigMul(a, b, out ulong l);
        low += l;
        high += h + (low < l ? 1UL : 0UL);
    }

    /// <summary>
    /// h·r mod 2^130 − 5, partly reduced (h2 small), for h2 ≤ 7 and r = r0 + r1·2^64 clamped: 2^128 ≡ 5/4 · 2^0 for the
    /// multiple-of-four r1, so h1·r1·2^128 becomes h1·s1 with s1 = r1 + r1/4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply(
        ulong h0, ulong h1, ulong h2, ulong r0, ulong r1, ulong s1,
        out ulong d0Low, out ulong d0High, out ulong d1Low, out ulong d1High, out ulong d2)
    {
        d0High = Math.BigMul(h0, r0, out d0Low);
        MultiplyAdd(h1, s1, ref d0Low, ref d0High);
        d1High = Math.BigMul(h0, r1, out d1Low);
        MultiplyAdd(h1, r0, ref d1Low, ref d1High);
        ulong t = h2 * s1;
        d1Low += t;
        d1High += d1Low < t ? 1UL : 0UL;
        d2 = h2 * r0;
    }

    /// <summary>Carries the 128/128/64-bit column sums into h0, h1 and a small h2, folding 2^130 back as 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce(
        ulong d0Low, ulong d0High, ulong d1Low, ulong d1High, ulong d2, out ulong h0, out ulong h1, out ulong h2)
    {
        h0 = d0Low;
        d1Low += d0High;
        d1High += d1Low < d0High ? 1UL : 0UL;
        h1 = d1Low;
        d2 += d1High;
        h2 = d2 & 3;
        ulong c = (d2 & ~3UL) + (d2 >> 2);
        h0 += c;
        c = h0 < c ? 1UL : 0UL;
        h1 += c;
        h2 += h1 < c ? 1UL : 0UL;
    }

    /// <summary>Adds one 16-byte block with its 2^128 bit to h.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBlock(ref ulong h0, ref ulong h1, ref ulong h2, ulong m0, ulong m1)
    {
        h0 += m0;
        ulong c = h0 < m0 ? 1UL : 0UL;
        ulong t = h1 + c;
        c = t < c ? 1UL : 0UL;
        h1 = t + m1;
        c += h1 < m1 ? 1UL : 0UL;
        h2 += c + 1;
    }

    /// <summary>Absorbs whole 16-byte blocks, each with the 2^128 bit set (ChaCha20-Poly1305 pads partial blocks with zeros).</summary>
    public void Absorb(ReadOnlySpan<byte> blocks)
    {
        ulong r0 = _r0, r1 = _r1, s1 = r1 + (r1 >> 2);
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        if (blocks.Length >= VectorThreshold && BitConverter.IsLittleEndian)
        {
            int lanes = Lanes;
            if (lanes >= 8)
            {
                int vectorLength = blocks.Length & -Poly1305Avx512.StepLength;
                Poly1305Avx512.Absorb(ref h0, ref h1, ref h2, r0, r1, blocks.Slice(0, vectorLength));
                blocks = blocks.Slice(vectorLength);
            }
            else if (lanes >= 4)
            {
                int vectorLength = blocks.Length & -Poly1305Avx2.StepLength;
                Poly1305Avx2.Absorb(ref h0, ref h1, ref h2, r0, r1, blocks.Slice(0, vectorLength));
                blocks = blocks.Slice(vectorLength);
            }
        }

        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(blocks.Slice(0, blocks.Length & ~15));
        for (int i = 0; i < words.Length; i += 2)
        {
            AddBlock(ref h0, ref h1, ref h2, ReadWord(words, i), ReadWord(words, i + 1));
            Multiply(h0, h1, h2, r0, r1, s1, out ulong d0l, out ulong d0h, out ulong d1l, out ulong d1h, out ulong d2);
            Reduce(d0l, d0h, d1l, d1h, d2, out h0, out h1, out h2);
        }

        _h0 = h0;
        _h1 = h1;
        _h2 = h2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadWord(ReadOnlySpan<ulong> words, int index) =>
        BitConverter.IsLittleEndian ? words[index] : BinaryPrimitives.ReverseEndianness(words[index]);

    /// <summary>Writes the 16-byte tag (h + s) mod 2^128 and clears the state.</summary>
    public void Finish(Span<byte> tag)
    {
        ulong h0 = _h0, h1 = _h1, h2 = _h2;

        // h < 2^130 + small; g = h + 5 − 2^130 ≥ 0 exactly when h ≥ p; keep g then, in constant time.
        ulong g0 = h0 + 5;
        ulong c = g0 < 5 ? 1UL : 0UL;
        ulong g1 = h1 + c;
        c = g1 < c ? 1UL : 0UL;
        ulong g2 = h2 + c;
        ulong keepG = 0UL - (g2 >> 2);
        h0 = (h0 & ~keepG) | (g0 & keepG);
        h1 = (h1 & ~keepG) | (g1 & keepG);

        h0 += _pad0;
        c = h0 < _pad0 ? 1UL : 0UL;
        h1 += _pad1 + c;
        BinaryPrimitives.WriteUInt64LittleEndian(tag, h0);
        BinaryPrimitives.WriteUInt64LittleEndian(tag.Slice(8), h1);
        this = default;
    }
}
