using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ipsec.Packets.Crypto.Primitives;

/// <summary>
/// GHASH (NIST SP 800-38D §6.4) under one hash subkey H: carry-less multiplication with PCLMULQDQ when the processor has
/// it (operands byte-reflected, product shifted left one bit, then reduced modulo x^128 + x^7 + x^2 + x + 1), and the
/// specification's bit-serial multiplication otherwise, written without data-dependent branches.
/// </summary>
internal sealed class GHash
{
    private static readonly Vector128<byte> s_reverse = Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);

    private Vector128<byte> _hReflected;
    private Vector128<byte> _h2Reflected;
    private Vector128<byte> _h3Reflected;
    private Vector128<byte> _h4Reflected;
    private ulong _hHigh;
    private ulong _hLow;

    /// <summary>Creates GHASH for the subkey <paramref name="h"/> (16 bytes, E(K, 0^128)).</summary>
    public GHash(ReadOnlySpan<byte> h, bool forceSoftware)
    {
        IsHardwareAccelerated = Pclmulqdq.IsSupported && Ssse3.IsSupported && !forceSoftware;
        _hHigh = BinaryPrimitives.ReadUInt64BigEndian(h);
        _hLow = BinaryPrimitives.ReadUInt64BigEndian(h[8..]);
        if (IsHardwareAccelerated)
        {
            _hReflected = Ssse3.Shuffle(Vector128.Create(h), s_reverse);
            _h2Reflected = Multiply(_hReflected, _hReflected);
            _h3Reflected = Multiply(_h2Reflected, _hReflected);
            _h4Reflected = Multiply(_h3Reflected, _hReflected);
        }
    }

    /// <summary>True when PCLMULQDQ is in use.</summary>
    public bool IsHardwareAccelerated { get; }

    /// <summary>Zeroes the subkey.</summary>
    public void Clear()
    {
        _hReflected = default;
        _h2Reflected = default;
        _h3Reflected = default;
        _h4Reflected = default;
        _hHigh = 0;
        _hLow = 0;
    }

    /// <summary>Feeds bytes; blocks are formed across calls, so pieces concatenate before padding.</summary>
    public void Append(ref GHashAccumulator acc, ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = acc.BufferStorage;
        if (acc.Pending > 0)
        {
            int take = Math.Min(16 - acc.Pending, data.Length);
            data[..take].CopyTo(buffer[acc.Pending..]);
            acc.Pending += take;
            data = data[take..];
            if (acc.Pending < 16)
            {
                return;
            }

            Block(ref acc, buffer);
            acc.Pending = 0;
        }

        if (IsHardwareAccelerated)
        {
            // Four blocks per reduction: Y' = (Y ^ X1)·H^4 ^ X2·H^3 ^ X3·H^2 ^ X4·H.
            while (data.Length >= 64)
            {
                Vector128<byte> x1 = acc.Reflected ^ Ssse3.Shuffle(Vector128.Create(data[..16]), s_reverse);
                Vector128<byte> x2 = Ssse3.Shuffle(Vector128.Create(data.Slice(16, 16)), s_reverse);
                Vector128<byte> x3 = Ssse3.Shuffle(Vector128.Create(data.Slice(32, 16)), s_reverse);
                Vector128<byte> x4 = Ssse3.Shuffle(Vector128.Create(data.Slice(48, 16)), s_reverse);
                ProductParts(x1, _h4Reflected, out Vector128<ulong> lo, out Vector128<ulong> hi);
                ProductParts(x2, _h3Reflected, out Vector128<ulong> lo2, out Vector128<ulong> hi2);
                ProductParts(x3, _h2Reflected, out Vector128<ulong> lo3, out Vector128<ulong> hi3);
                ProductParts(x4, _hReflected, out Vector128<ulong> lo4, out Vector128<ulong> hi4);
                acc.Reflected = Reduce(lo ^ lo2 ^ lo3 ^ lo4, hi ^ hi2 ^ hi3 ^ hi4);
                data = data[64..];
            }
        }

        while (data.Length >= 16)
        {
            Block(ref acc, data[..16]);
            data = data[16..];
        }

        if (!data.IsEmpty)
        {
            data.CopyTo(buffer);
            acc.Pending = data.Length;
        }
    }

    /// <summary>Zero-pads a partial block, ending one input section (the AAD, or the ciphertext).</summary>
    public void Pad(ref GHashAccumulator acc)
    {
        if (acc.Pending > 0)
        {
            Span<byte> buffer = acc.BufferStorage;
            buffer[acc.Pending..].Clear();
            Block(ref acc, buffer);
            acc.Pending = 0;
        }
    }

    /// <summary>Appends the length block (bit lengths of the AAD and the ciphertext) and writes the 16-byte GHASH value.</summary>
    public void Finish(ref GHashAccumulator acc, long aadLength, long ciphertextLength, Span<byte> output)
    {
        Pad(ref acc);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(lengths, (ulong)aadLength * 8);
        BinaryPrimitives.WriteUInt64BigEndian(lengths[8..], (ulong)ciphertextLength * 8);
        Block(ref acc, lengths);
        if (IsHardwareAccelerated)
        {
            Ssse3.Shuffle(acc.Reflected, s_reverse).CopyTo(output);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(output, acc.High);
            BinaryPrimitives.WriteUInt64BigEndian(output[8..], acc.Low);
        }

        acc = default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Block(ref GHashAccumulator acc, ReadOnlySpan<byte> block)
    {
        if (IsHardwareAccelerated)
        {
            acc.Reflected = Multiply(acc.Reflected ^ Ssse3.Shuffle(Vector128.Create(block), s_reverse), _hReflected);
        }
        else
        {
            MultiplySoftware(
                acc.High ^ BinaryPrimitives.ReadUInt64BigEndian(block), acc.Low ^ BinaryPrimitives.ReadUInt64BigEndian(block[8..]),
                out acc.High, out acc.Low);
        }
    }

    /// <summary>X * H in GF(2^128) with both operands byte-reflected.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Multiply(Vector128<byte> x, Vector128<byte> h)
    {
        ProductParts(x, h, out Vector128<ulong> lo, out Vector128<ulong> hi);
        return Reduce(lo, hi);
    }

    /// <summary>The 256-bit carry-less product as low and high halves, the middle terms folded into both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProductParts(Vector128<byte> x, Vector128<byte> h, out Vector128<ulong> lo, out Vector128<ulong> hi)
    {
        Vector128<ulong> a = x.AsUInt64();
        Vector128<ulong> b = h.AsUInt64();
        lo = Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        Vector128<ulong> mid = Pclmulqdq.CarrylessMultiply(a, b, 0x10) ^ Pclmulqdq.CarrylessMultiply(a, b, 0x01);
        hi = Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        lo ^= Sse2.ShiftLeftLogical128BitLane(mid.AsByte(), 8).AsUInt64();
        hi ^= Sse2.ShiftRightLogical128BitLane(mid.AsByte(), 8).AsUInt64();
    }

    /// <summary>Shifts a reflected 256-bit product left one bit and reduces it; linear, so products may be XORed first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reduce(Vector128<ulong> lo, Vector128<ulong> hi)
    {
        // The reflected product is one bit short: shift the 256-bit value left by one.
        Vector128<uint> lo32 = lo.AsUInt32();
        Vector128<uint> hi32 = hi.AsUInt32();
        Vector128<uint> loCarry = Sse2.ShiftRightLogical(lo32, 31);
        Vector128<uint> hiCarry = Sse2.ShiftRightLogical(hi32, 31);
        lo32 = Sse2.ShiftLeftLogical(lo32, 1);
        hi32 = Sse2.ShiftLeftLogical(hi32, 1);
        Vector128<uint> crossCarry = Sse2.ShiftRightLogical128BitLane(loCarry.AsByte(), 12).AsUInt32();
        hiCarry = Sse2.ShiftLeftLogical128BitLane(hiCarry.AsByte(), 4).AsUInt32();
        loCarry = Sse2.ShiftLeftLogical128BitLane(loCarry.AsByte(), 4).AsUInt32();
        lo32 |= loCarry;
        hi32 = hi32 | hiCarry | crossCarry;

        // Reduce modulo the GCM polynomial in two phases.
        Vector128<uint> t = Sse2.ShiftLeftLogical(lo32, 31) ^ Sse2.ShiftLeftLogical(lo32, 30) ^ Sse2.ShiftLeftLogical(lo32, 25);
        Vector128<uint> tHigh = Sse2.ShiftRightLogical128BitLane(t.AsByte(), 4).AsUInt32();
        t = Sse2.ShiftLeftLogical128BitLane(t.AsByte(), 12).AsUInt32();
        lo32 ^= t;
        Vector128<uint> u = Sse2.ShiftRightLogical(lo32, 1) ^ Sse2.ShiftRightLogical(lo32, 2) ^ Sse2.ShiftRightLogical(lo32, 7) ^ tHigh;
        lo32 ^= u;
        return (hi32 ^ lo32).AsByte();
    }

    /// <summary>Algorithm 1 of SP 800-38D: Z = X * H, with masks instead of branches.</summary>
    private void MultiplySoftware(ulong xHigh, ulong xLow, out ulong zHigh, out ulong zLow)
    {
        ulong vHigh = _hHigh, vLow = _hLow;
        zHigh = 0;
        zLow = 0;
        for (int i = 0; i < 128; i++)
        {
            ulong bit = i < 64 ? (xHigh >> (63 - i)) & 1 : (xLow >> (127 - i)) & 1;
            ulong take = 0 - bit;
            zHigh ^= vHigh & take;
            zLow ^= vLow & take;
            ulong reduce = 0 - (vLow & 1);
            vLow = (vLow >> 1) | (vHigh << 63);
            vHigh = (vHigh >> 1) ^ (0xE100_0000_0000_0000UL & reduce);
        }
    }
}

/// <summary>The running GHASH value and a partial block, kept on the caller's stack.</summary>
internal struct GHashAccumulator
{
    public Vector128<byte> Reflected;
    public ulong High;
    public ulong Low;
    public int Pending;
    public GHashBlock BufferStorage;
}

/// <summary>Sixteen bytes inline.</summary>
[InlineArray(16)]
internal struct GHashBlock
{
    private byte _element0;
}
