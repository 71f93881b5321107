using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>Partial blocks held in registers: byte masks, and zero-padded loads that never read past the span.</summary>
internal static class VectorMasks
{
    /// <summary>0xFF in the first <paramref name="count"/> (0..16) bytes, 0 in the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> FirstBytes(int count) =>
        Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector128.Create((byte)count));

    /// <summary>
    /// <paramref name="bytes"/> (0..15 of them) as the first bytes of a zero-padded block, read with at most two
    /// overlapping scalar loads inside the span (no copy through memory, whose narrow stores a wide load could not be
    /// forwarded from).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> LoadPartialBlock(ReadOnlySpan<byte> bytes)
    {
        ref byte p = ref MemoryMarshal.GetReference(bytes);
        int n = bytes.Length;
        if (!BitConverter.IsLittleEndian)
        {
            StackBlock16 blockBytes = default;
            Span<byte> block = blockBytes;
            bytes.CopyTo(block);
            return Vector128.Create((ReadOnlySpan<byte>)block);
        }

        ulong low = 0, high = 0;
        if (n >= 8)
        {
            // Bytes 8..n-1: the last eight bytes, shifted down so byte 8 lands in the lowest position.
            low = Unsafe.ReadUnaligned<ulong>(ref p);
            high = n > 8 ? Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, n - 8)) >> (8 * (16 - n)) : 0;
        }
        else if (n >= 4)
        {
            uint upper = n > 4 ? Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, n - 4)) >> (8 * (8 - n)) : 0;
            low = Unsafe.ReadUnaligned<uint>(ref p) | ((ulong)upper << 32);
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                low |= (ulong)Unsafe.Add(ref p, i) << (8 * i);
            }
        }

        return Vector128.Create(low, high).AsByte();
    }
}
