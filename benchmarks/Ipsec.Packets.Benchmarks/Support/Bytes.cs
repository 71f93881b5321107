using System;
using System.Numerics;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>Byte helpers for the baselines.</summary>
internal static class Bytes
{
    /// <summary><paramref name="destination"/> = <paramref name="left"/> XOR <paramref name="right"/>, vectorised (the CTR baselines' keystream XOR).</summary>
    public static void Xor(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        int length = left.Length;
        int i = 0;
        for (; i <= length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(left[i..]) ^ new Vector<byte>(right[i..])).CopyTo(destination[i..]);
        }

        for (; i < length; i++)
        {
            destination[i] = (byte)(left[i] ^ right[i]);
        }
    }

    /// <summary>A copy of <paramref name="source"/> followed by <paramref name="extra"/>.</summary>
    public static byte[] Concat(ReadOnlySpan<byte> source, ReadOnlySpan<byte> extra)
    {
        byte[] result = new byte[source.Length + extra.Length];
        source.CopyTo(result);
        extra.CopyTo(result.AsSpan(source.Length));
        return result;
    }
}
