using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Crypto.Primitives;

/// <summary>
/// The Poly1305 one-time authenticator of RFC 8439 §2.5, with the accumulator in five 26-bit limbs so every product fits
/// 64 bits; the final reduction selects with masks, not branches. Lives on the caller's stack.
/// </summary>
internal struct Poly1305
{
    private const uint Mask26 = 0x3ffffff;
    private uint _r0, _r1, _r2, _r3, _r4;
    private uint _h0, _h1, _h2, _h3, _h4;
    private uint _pad0, _pad1, _pad2, _pad3;
    private GHashBlock _buffer;
    private int _pending;

    /// <summary>Starts with the 32-byte one-time key r || s (r is clamped here).</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        _r0 = BinaryPrimitives.ReadUInt32LittleEndian(key) & 0x3ffffff;
        _r1 = (BinaryPrimitives.ReadUInt32LittleEndian(key[3..]) >> 2) & 0x3ffff03;
        _r2 = (BinaryPrimitives.ReadUInt32LittleEndian(key[6..]) >> 4) & 0x3ffc0ff;
        _r3 = (BinaryPrimitives.ReadUInt32LittleEndian(key[9..]) >> 6) & 0x3f03fff;
        _r4 = (BinaryPrimitives.ReadUInt32LittleEndian(key[12..]) >> 8) & 0x00fffff;
        _pad0 = BinaryPrimitives.ReadUInt32LittleEndian(key[16..]);
        _pad1 = BinaryPrimitives.ReadUInt32LittleEndian(key[20..]);
        _pad2 = BinaryPrimitives.ReadUInt32LittleEndian(key[24..]);
        _pad3 = BinaryPrimitives.ReadUInt32LittleEndian(key[28..]);
        _h0 = _h1 = _h2 = _h3 = _h4 = 0;
        _pending = 0;
    }

    /// <summary>Feeds message bytes.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = _buffer;
        if (_pending > 0)
        {
            int take = Math.Min(16 - _pending, data.Length);
            data[..take].CopyTo(buffer[_pending..]);
            _pending += take;
            data = data[take..];
            if (_pending < 16)
            {
                return;
            }

            Blocks(buffer, 1u << 24);
            _pending = 0;
        }

        int whole = data.Length & ~15;
        if (whole > 0)
        {
            Blocks(data[..whole], 1u << 24);
            data = data[whole..];
        }

        if (!data.IsEmpty)
        {
            data.CopyTo(buffer);
            _pending = data.Length;
        }
    }

    /// <summary>Zero-pads to a 16-byte boundary, as the AEAD construction does between its sections.</summary>
    public void PadToBlock()
    {
        if (_pending > 0)
        {
            Span<byte> buffer = _buffer;
            buffer[_pending..].Clear();
            Blocks(buffer, 1u << 24);
            _pending = 0;
        }
    }

    /// <summary>Writes the 16-byte tag and wipes the state.</summary>
    public void Finish(Span<byte> tag)
    {
        if (_pending > 0)
        {
            Span<byte> buffer = _buffer;
            buffer[_pending] = 1;
            buffer[(_pending + 1)..].Clear();
            Blocks(buffer, 0);
        }

        uint h0 = _h0, h1 = _h1, h2 = _h2, h3 = _h3, h4 = _h4;
        uint c = h1 >> 26; h1 &= Mask26;
        h2 += c; c = h2 >> 26; h2 &= Mask26;
        h3 += c; c = h3 >> 26; h3 &= Mask26;
        h4 += c; c = h4 >> 26; h4 &= Mask26;
        h0 += c * 5; c = h0 >> 26; h0 &= Mask26;
        h1 += c;

        // g = h + 5 - 2^130: when it does not go negative, h >= p and g is the reduced value.
        uint g0 = h0 + 5; c = g0 >> 26; g0 &= Mask26;
        uint g1 = h1 + c; c = g1 >> 26; g1 &= Mask26;
        uint g2 = h2 + c; c = g2 >> 26; g2 &= Mask26;
        uint g3 = h3 + c; c = g3 >> 26; g3 &= Mask26;
        uint g4 = h4 + c - (1u << 26);
        uint useG = (g4 >> 31) - 1;
        h0 = (h0 & ~useG) | (g0 & useG);
        h1 = (h1 & ~useG) | (g1 & useG);
        h2 = (h2 & ~useG) | (g2 & useG);
        h3 = (h3 & ~useG) | (g3 & useG);
        h4 = (h4 & ~useG) | (g4 & useG);

        // h mod 2^128, then + s.
        uint w0 = h0 | (h1 << 26);
        uint w1 = (h1 >> 6) | (h2 << 20);
        uint w2 = (h2 >> 12) | (h3 << 14);
        uint w3 = (h3 >> 18) | (h4 << 8);
        ulong f = (ulong)w0 + _pad0; w0 = (uint)f;
        f = (ulong)w1 + _pad1 + (f >> 32); w1 = (uint)f;
        f = (ulong)w2 + _pad2 + (f >> 32); w2 = (uint)f;
        f = (ulong)w3 + _pad3 + (f >> 32); w3 = (uint)f;
        BinaryPrimitives.WriteUInt32LittleEndian(tag, w0);
        BinaryPrimitives.WriteUInt32LittleEndian(tag[4..], w1);
        BinaryPrimitives.WriteUInt32LittleEndian(tag[8..], w2);
        BinaryPrimitives.WriteUInt32LittleEndian(tag[12..], w3);
        this = default;
    }

    private void Blocks(ReadOnlySpan<byte> data, uint highBit)
    {
        uint r0 = _r0, r1 = _r1, r2 = _r2, r3 = _r3, r4 = _r4;
        uint s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
        uint h0 = _h0, h1 = _h1, h2 = _h2, h3 = _h3, h4 = _h4;
        for (int offset = 0; offset < data.Length; offset += 16)
        {
            ReadOnlySpan<byte> m = data.Slice(offset, 16);
            h0 += BinaryPrimitives.ReadUInt32LittleEndian(m) & Mask26;
            h1 += (BinaryPrimitives.ReadUInt32LittleEndian(m[3..]) >> 2) & Mask26;
            h2 += (BinaryPrimitives.ReadUInt32LittleEndian(m[6..]) >> 4) & Mask26;
            h3 += (BinaryPrimitives.ReadUInt32LittleEndian(m[9..]) >> 6) & Mask26;
            h4 += (BinaryPrimitives.ReadUInt32LittleEndian(m[12..]) >> 8) | highBit;

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
            ulong t = h0 + c * 5; h0 = (uint)t & Mask26;
            h1 += (uint)(t >> 26);
        }

        _h0 = h0; _h1 = h1; _h2 = h2; _h3 = h3; _h4 = h4;
    }
}
