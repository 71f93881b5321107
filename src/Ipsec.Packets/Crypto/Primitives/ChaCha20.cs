using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Ipsec.Packets.Crypto.Primitives;

/// <summary>The ChaCha20 stream cipher of RFC 8439 §2.3–2.4: 256-bit key, 32-bit block counter, 96-bit nonce.</summary>
internal static class ChaCha20
{
    private const uint Sigma0 = 0x61707865, Sigma1 = 0x3320646e, Sigma2 = 0x79622d32, Sigma3 = 0x6b206574;

    /// <summary>XORs the key stream starting at block <paramref name="counter"/> into <paramref name="source"/>.</summary>
    public static void Xor(ReadOnlySpan<uint> key, ReadOnlySpan<byte> nonce, uint counter, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<byte> stream = stackalloc byte[64];
        uint n0 = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
        uint n1 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]);
        uint n2 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]);
        int offset = 0;
        while (offset < source.Length)
        {
            Block(key, counter++, n0, n1, n2, stream);
            int n = Math.Min(64, source.Length - offset);
            ReadOnlySpan<byte> input = source.Slice(offset, n);
            Span<byte> output = destination.Slice(offset, n);
            int i = 0;
            for (; i + 8 <= n; i += 8)
            {
                ulong value = BinaryPrimitives.ReadUInt64LittleEndian(input[i..]) ^ BinaryPrimitives.ReadUInt64LittleEndian(stream[i..]);
                BinaryPrimitives.WriteUInt64LittleEndian(output[i..], value);
            }

            for (; i < n; i++)
            {
                output[i] = (byte)(input[i] ^ stream[i]);
            }

            offset += n;
        }

        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>One 64-byte key-stream block.</summary>
    public static void Block(ReadOnlySpan<uint> key, uint counter, uint n0, uint n1, uint n2, Span<byte> output)
    {
        uint x0 = Sigma0, x1 = Sigma1, x2 = Sigma2, x3 = Sigma3;
        uint x4 = key[0], x5 = key[1], x6 = key[2], x7 = key[3];
        uint x8 = key[4], x9 = key[5], x10 = key[6], x11 = key[7];
        uint x12 = counter, x13 = n0, x14 = n1, x15 = n2;
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(output, x0 + Sigma0);
        BinaryPrimitives.WriteUInt32LittleEndian(output[4..], x1 + Sigma1);
        BinaryPrimitives.WriteUInt32LittleEndian(output[8..], x2 + Sigma2);
        BinaryPrimitives.WriteUInt32LittleEndian(output[12..], x3 + Sigma3);
        BinaryPrimitives.WriteUInt32LittleEndian(output[16..], x4 + key[0]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[20..], x5 + key[1]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[24..], x6 + key[2]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[28..], x7 + key[3]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[32..], x8 + key[4]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[36..], x9 + key[5]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[40..], x10 + key[6]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[44..], x11 + key[7]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[48..], x12 + counter);
        BinaryPrimitives.WriteUInt32LittleEndian(output[52..], x13 + n0);
        BinaryPrimitives.WriteUInt32LittleEndian(output[56..], x14 + n1);
        BinaryPrimitives.WriteUInt32LittleEndian(output[60..], x15 + n2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d = BitOperations.RotateLeft(d ^ a, 16);
        c += d; b = BitOperations.RotateLeft(b ^ c, 12);
        a += b; d = BitOperations.RotateLeft(d ^ a, 8);
        c += d; b = BitOperations.RotateLeft(b ^ c, 7);
    }
}
