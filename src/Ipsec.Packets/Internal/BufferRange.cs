using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Ipsec.Packets.Internal;

/// <summary>The caller-mistake check of the whole-packet entry points: a packet range must lie within its buffer.</summary>
internal static class BufferRange
{
    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> naming <c>offset</c> unless <c>[offset, offset + length)</c> lies
    /// within a buffer of <paramref name="bufferLength"/> bytes. Small enough to inline: the message is built only when thrown.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(int bufferLength, int offset, int length)
    {
        if (offset < 0 || length < 0 || offset > bufferLength - length)
        {
            ThrowOutside(bufferLength, offset, length);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutside(int bufferLength, int offset, int length) =>
        throw new ArgumentOutOfRangeException(nameof(offset), $"offset {offset} and length {length} do not lie within the {bufferLength}-byte buffer.");
}
