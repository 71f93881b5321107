using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    /// <summary>
    /// <c>buffer[offset..(offset + length)]</c> without checking the range again: only for a range that <see cref="Check"/>
    /// or an equivalent test has just accepted (asserted in Debug builds). Saves the packet paths the second check that
    /// <see cref="Span{T}.Slice(int, int)"/> would repeat.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<byte> SliceChecked(Span<byte> buffer, int offset, int length)
    {
        Debug.Assert(offset >= 0 && length >= 0 && offset <= buffer.Length - length, "the range was not checked");
        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset), length);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutside(int bufferLength, int offset, int length) =>
        throw new ArgumentOutOfRangeException(nameof(offset), $"offset {offset} and length {length} do not lie within the {bufferLength}-byte buffer.");
}
