using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Poly1305 (RFC 8439 §2.5) with five 26-bit limbs and 64-bit products; constant-time, on the stack, allocation-free.
/// </summary>
internal struct Poly1305 : IBlockSink
{
    private const uint Mask26 = 0x3ffffff;

    private uint _r0, _r1, _r2, _r3, _r4;
    private uint _h0, _h1, _h2, _h3, _h4;
    private uint _pad0, _pad1, _pad2, _pad3;

    /// <summary>Starts a MAC under the 32-byte one-time key r || s (r is clamped here).</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        _r0 = BinaryPrimitives.ReadUInt32LittleEndian(key) & 0x3ffffff;
        _r1 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(3)) >> 2) & 0x3ffff03;
        _r2 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(6)) >> 4) & 0x3ffc0ff;
        _r3 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(9)) >> 6) & 0x3f03fff;
        _r4 = (BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(12)) >> 8) & 0x00fffff;
        _pad0 = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(16));
        _pad1 = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(20));
        _pad2 = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(24));
        _pad3 = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(28));
    }

    /// <summary>Absorbs whole 16-byte blocks, each with the 2^128 bit set (ChaCha20-Poly1305 pads partial blocks with zeros).</summary>
    public void Absorb(ReadOnlySpan<byte> blocks)
    {
        uint r0 = _r0, r1 = _r1, r2 = _r2, r3 = _r3, r4 = _r4;
        uint s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
        uint h0 = _h0, h1 = _h1, h2 = _h2, h3 = _h3, h4 = _h4;
        for (int offset = 0; offset < blocks.Length; offset += 16)
        {
            ReadOnlySpan<byte> m = blocks.Slice(offset, 16);
            h0 += BinaryPrimitives.ReadUInt32LittleEndian(m) & Mask26;
            h1 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(3)) >> 2) & Mask26;
            h2 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(6)) >> 4) & Mask26;
            h3 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(9)) >> 6) & Mask26;
            h4 += (BinaryPrimitives.ReadUInt32LittleEndian(m.Slice(12)) >> 8) | (1u << 24);

            ulong d0 = (ulong)h0 * r0 + (ulong)h1 * s4 + (ulong)h2 * s3 + (ulong)h3 * s2 + (ulong)h4 * s1;
            ulong d1 = (ulong)h0 * r1 + (ulong)h1 * r0 + (ulong)h2 * s4 + (ulong)h3 * s3 + (ulong)h4 * s2;
            ulong d2 = (ulong)h0 * r2 + (ulong)h1 * r1 + (ulong)h2 * r0 + (ulong)h3 * s4 + (ulong)h4 * s3;
            ulong d3 = (ulong)h0 * r3 + (ulong)h1 * r2 + (ulong)h2 * r1 + (ulong)h3 * r0 + (ulong)h4 * s4;
            ulong d4 = (ulong)h0 * r4 + (ulong)h1 * r3 + (ulong)h2 * r2 + (ulong)h3 * r1 + (ulong)h4 * r0;

            ulong c = d0 >> 26; h0 = (uint)d0 & Mask26;
            d1 += c; c = d1 >> 26; h1 = (uint)d1 & Mask26;
            d2 += c; c = d2 >> 26; h2 = (uint)d2 & Mask26;
            d3 += c; c = d3 >> 26; h3 = (uint)d3 & Mask26;
            d4 += c; c = d4 >> 26; h4 = (uint)d4 & Mask26;
            h0 += (uint)c * 5; uint cc = h0 >> 26; h0 &= Mask26;
            h1 += cc;
        }

        _h0 = h0; _h1 = h1; _h2 = h2; _h3 = h3; _h4 = h4;
    }

    /// <summary>Writes the 16-byte tag (h + s) mod 2^128 and clears the state.</summary>
    public void Finish(Span<byte> tag)
    {
        uint h0 = _h0, h1 = _h1, h2 = _h2, h3 = _h3, h4 = _h4;
        uint c = h1 >> 26; h1 &= Mask26;
        h2 += c; c = h2 >> 26; h2 &= Mask26;
        h3 += c; c = h3 >> 26; h3 &= Mask26;
        h4 += c; c = h4 >> 26; h4 &= Mask26;
        h0 += c * 5; c = h0 >> 26; h0 &= Mask26;
        h1 += c;

        // g = h + 5 - 2^130; keep g when it does not borrow (h >= p), in constant time.
        uint g0 = h0 + 5; c = g0 >> 26; g0 &= Mask26;
        uint g1 = h1 + c; c = g1 >> 26; g1 &= Mask26;
        uint g2 = h2 + c; c = g2 >> 26; g2 &= Mask26;
        uint g3 = h3 + c; c = g3 >> 26; g3 &= Mask26;
        uint g4 = h4 + c - (1u << 26);
        uint keepG = (g4 >> 31) - 1;
        uint keepH = ~keepG;
        h0 = (h0 & keepH) | (g0 & keepG);
        h1 = (h1 & keepH) | (g1 & keepG);
        h2 = (h2 & keepH) | (g2 & keepG);
        h3 = (h3 & keepH) | (g3 & keepG);
        h4 = (h4 & keepH) | (g4 & keepG);

        uint w0 = h0 | (h1 << 26);
        uint w1 = (h1 >> 6) | (h2 << 20);
        uint w2 = (h2 >> 12) | (h3 << 14);
        uint w3 = (h3 >> 18) | (h4 << 8);
        ulong f = (ulong)w0 + _pad0; BinaryPrimitives.WriteUInt32LittleEndian(tag, (uint)f);
        f = (ulong)w1 + _pad1 + (f >> 32); BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(4), (uint)f);
        f = (ulong)w2 + _pad2 + (f >> 32); BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(8), (uint)f);
        f = (ulong)w3 + _pad3 + (f >> 32); BinaryPrimitives.WriteUInt32LittleEndian(tag.Slice(12), (uint)f);
        this = default;
    }
}
