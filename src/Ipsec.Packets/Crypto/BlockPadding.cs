using System;
using System.Runtime.CompilerServices;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>Feeds the concatenation of up to three pieces to a block sink, zero-padding the end to 16 bytes.</summary>
[SkipLocalsInit]
internal static class BlockPadding
{
    /// <summary>Absorbs <paramref name="a"/> || <paramref name="b"/> || <paramref name="c"/>, zero-padded to a multiple of 16.</summary>
    public static void AbsorbPadded<TSink>(ref TSink sink, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
        where TSink : struct, IBlockSink => AbsorbPadded(ref sink, a, b, c, default);

    /// <summary>Absorbs the concatenation of four pieces, zero-padding the last partial block.</summary>
    public static void AbsorbPadded<TSink>(ref TSink sink, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
        where TSink : struct, IBlockSink
    {
        Unsafe.SkipInit(out StackBlock16 blockStorage);
        Span<byte> block = blockStorage;
        int filled = 0;
        Feed(ref sink, block, ref filled, a);
        Feed(ref sink, block, ref filled, b);
        Feed(ref sink, block, ref filled, c);
        Feed(ref sink, block, ref filled, d);
        if (filled > 0)
        {
            block.Slice(filled).Clear();
            sink.Absorb(block);
            block.Clear();
        }
    }

    private static void Feed<TSink>(ref TSink sink, Span<byte> block, ref int filled, ReadOnlySpan<byte> data)
        where TSink : struct, IBlockSink
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (filled > 0)
        {
            int take = Math.Min(16 - filled, data.Length);
            data.Slice(0, take).CopyTo(block.Slice(filled));
            filled += take;
            data = data.Slice(take);
            if (filled < 16)
            {
                return;
            }

            sink.Absorb(block);
            filled = 0;
        }

        int whole = data.Length & ~15;
        if (whole > 0)
        {
            sink.Absorb(data.Slice(0, whole));
        }

        data.Slice(whole).CopyTo(block);
        filled = data.Length - whole;
    }
}
