using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ipsec.Packets.Crypto;

/// <summary>Applies a key stream computed ahead (the short-packet AEAD paths and stream-cipher tails).</summary>
internal static class KeyStream
{
    /// <summary>
    /// XORs <paramref name="source"/> with the first <c>source.Length</c> bytes of <paramref name="keyStream"/> into
    /// <paramref name="destination"/> (same length as the source; may be the same memory as the source).
    /// </summary>
    public static void Xor(ReadOnlySpan<byte> source, ReadOnlySpan<byte> keyStream, Span<byte> destination)
    {
        _ = keyStream[..source.Length];
        _ = destination[..source.Length];
        int whole = source.Length & ~15;
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref byte k = ref MemoryMarshal.GetReference(keyStream);
        ref byte d = ref MemoryMarshal.GetReference(destination);
        int offset = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; offset + 32 <= whole; offset += 32)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)offset) ^ Vector256.LoadUnsafe(ref k, (nuint)offset)).StoreUnsafe(ref d, (nuint)offset);
            }
        }

        for (; offset < whole; offset += 16)
        {
            (Vector128.LoadUnsafe(ref s, (nuint)offset) ^ Vector128.LoadUnsafe(ref k, (nuint)offset)).StoreUnsafe(ref d, (nuint)offset);
        }

        int i = whole;
        for (; i + 8 <= source.Length; i += 8)
        {
            ulong x = BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(i)) ^ BinaryPrimitives.ReadUInt64LittleEndian(keyStream.Slice(i));
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(i), x);
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ keyStream[i]);
        }
    }
}
