using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Poly1305 (RFC 8439 §2.5) with three 44/44/42-bit limbs and 64×64→128-bit products (<see cref="Math.BigMul(ulong, ulong, out ulong)"/>):
/// constant-time, on the stack, allocation-free.
/// </summary>
internal struct Poly1305 : IBlockSink
{
    private const ulong Mask44 = 0xfffffffffff;
    private const ulong Mask42 = 0x3ffffffffff;

    private readonly ulong _r0, _r1, _r2;
    private readonly ulong _pad0, _pad1;
    private ulong _h0, _h1, _h2;

    /// <summary>Starts a MAC under the 32-byte one-time key r || s (r is clamped here).</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        ulong t0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        ulong t1 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(8));
        _r0 = t0 & 0xffc0fffffff;
        _r1 = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffff;
        _r2 = (t1 >> 24) & 0x00ffffffc0f;
        _pad0 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(16));
        _pad1 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(24));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(ulong a, ulong b, ref ulong low, ref ulong high)
    {
        ulong h = Math.BigMul(a, b, out ulong l);
        low += l;
        high += h + (low < l ? 1UL : 0UL);
    }

    /// <summary>Absorbs whole 16-byte blocks, each with the 2^128 bit set (ChaCha20-Poly1305 pads partial blocks with zeros).</summary>
    public void Absorb(ReadOnlySpan<byte> blocks)
    {
        ulong r0 = _r0, r1 = _r1, r2 = _r2;
        ulong s1 = r1 * 20, s2 = r2 * 20;
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        for (int offset = 0; offset < blocks.Length; offset += 16)
        {
            ulong t0 = BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(offset));
            ulong t1 = BinaryPrimitives.ReadUInt64LittleEndian(blocks.Slice(offset + 8));
            h0 += t0 & Mask44;
            h1 += ((t0 >> 44) | (t1 << 20)) & Mask44;
            h2 += ((t1 >> 24) & Mask42) | (1UL << 40);

            ulong d0l = 0, d0h = 0, d1l = 0, d1h = 0, d2l = 0, d2h = 0;
            MultiplyAdd(h0, r0, ref d0l, ref d0h);
            MultiplyAdd(h1, s2, ref d0l, ref d0h);
            MultiplyAdd(h2, s1, ref d0l, ref d0h);
            MultiplyAdd(h0, r1, ref d1l, ref d1h);
            MultiplyAdd(h1, r0, ref d1l, ref d1h);
            MultiplyAdd(h2, s2, ref d1l, ref d1h);
            MultiplyAdd(h0, r2, ref d2l, ref d2h);
            MultiplyAdd(h1, r1, ref d2l, ref d2h);
            MultiplyAdd(h2, r0, ref d2l, ref d2h);

            ulong c = (d0l >> 44) | (d0h << 20);
            h0 = d0l & Mask44;
            d1l += c;
            d1h += d1l < c ? 1UL : 0UL;
            c = (d1l >> 44) | (d1h << 20);
            h1 = d1l & Mask44;
            d2l += c;
            d2h += d2l < c ? 1UL : 0UL;
            c = (d2l >> 42) | (d2h << 22);
            h2 = d2l & Mask42;
            h0 += c * 5;
            c = h0 >> 44;
            h0 &= Mask44;
            h1 += c;
        }

        _h0 = h0;
        _h1 = h1;
        _h2 = h2;
    }

    /// <summary>Writes the 16-byte tag (h + s) mod 2^128 and clears the state.</summary>
    public void Finish(Span<byte> tag)
    {
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        ulong c = h1 >> 44; h1 &= Mask44;
        h2 += c; c = h2 >> 42; h2 &= Mask42;
        h0 += c * 5; c = h0 >> 44; h0 &= Mask44;
        h1 += c; c = h1 >> 44; h1 &= Mask44;
        h2 += c; c = h2 >> 42; h2 &= Mask42;
        h0 += c * 5; c = h0 >> 44; h0 &= Mask44;
        h1 += c;

        // g = h + 5 - 2^130; keep g when it does not borrow (h >= p), in constant time.
        ulong g0 = h0 + 5; c = g0 >> 44; g0 &= Mask44;
        ulong g1 = h1 + c; c = g1 >> 44; g1 &= Mask44;
        ulong g2 = h2 + c - (1UL << 42);
        ulong keepG = (g2 >> 63) - 1;
        ulong keepH = ~keepG;
        h0 = (h0 & keepH) | (g0 & keepG);
        h1 = (h1 & keepH) | (g1 & keepG);
        h2 = (h2 & keepH) | (g2 & keepG);

        ulong t0 = _pad0, t1 = _pad1;
        h0 += t0 & Mask44; c = h0 >> 44; h0 &= Mask44;
        h1 += (((t0 >> 44) | (t1 << 20)) & Mask44) + c; c = h1 >> 44; h1 &= Mask44;
        h2 += ((t1 >> 24) & Mask42) + c; h2 &= Mask42;
        BinaryPrimitives.WriteUInt64LittleEndian(tag, h0 | (h1 << 44));
        BinaryPrimitives.WriteUInt64LittleEndian(tag.Slice(8), (h1 >> 20) | (h2 << 24));
        this = default;
    }
}
