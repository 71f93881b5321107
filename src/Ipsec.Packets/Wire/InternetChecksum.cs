using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ipsec.Packets.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the data taken as
/// big-endian 16-bit words, with incremental update (RFC 1624).
/// </summary>
/// <remarks>
/// <para>
/// The sum is computed eight bytes at a time: each 64-bit load is split into two 32-bit halves added into a 64-bit
/// accumulator, so no carry is ever lost (a span holds at most 2^31 bytes), and the accumulator is folded once at the
/// end. The one's complement sum does not depend on byte order (RFC 1071 §2(B)): the loads use the machine's order and
/// the folded result is swapped on little-endian machines.
/// </para>
/// <para>
/// A partial sum returned by <see cref="Accumulate"/> can be fed back in to sum non-contiguous data (a pseudo-header,
/// then a datagram), provided every piece but the last has an even length.
/// </para>
/// </remarks>
public static class InternetChecksum
{
    /// <summary>
    /// Adds <paramref name="data"/>, taken as big-endian 16-bit words (an odd last byte is padded with a zero byte), to
    /// the partial sum <paramref name="partialSum"/>, and returns the new partial sum folded to 16 bits (0 to 0xFFFF).
    /// </summary>
    /// <param name="data">The bytes to add. When chaining calls, every piece but the last must have an even length.</param>
    /// <param name="partialSum">A previous result of this method, or 0 to start.</param>
    /// <returns>The one's complement sum, not complemented, in the range 0 to 0xFFFF.</returns>
    public static uint Accumulate(ReadOnlySpan<byte> data, uint partialSum = 0)
    {
        ulong sum = 0;
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;

        // Four independent 8-byte loads per iteration keep the adders busy.
        ulong s1 = 0, s2 = 0, s3 = 0;
        for (; i <= length - 32; i += 32)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            ulong b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            ulong c = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16));
            ulong d = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24));
            sum += (uint)a + (a >> 32);
            s1 += (uint)b + (b >> 32);
            s2 += (uint)c + (c >> 32);
            s3 += (uint)d + (d >> 32);
        }

        sum += s1 + s2 + s3;
        for (; i <= length - 8; i += 8)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            sum += (uint)a + (a >> 32);
        }

        if (i <= length - 4)
        {
            sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            i += 4;
        }

        if (i <= length - 2)
        {
            sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }

        if (i < length)
        {
            // The odd byte is the high-order byte of a big-endian word padded with zero.
            byte last = Unsafe.Add(ref start, i);
            sum += BitConverter.IsLittleEndian ? last : (uint)last << 8;
        }

        uint folded = Fold(sum);
        if (BitConverter.IsLittleEndian)
        {
            folded = BinaryPrimitives.ReverseEndianness((ushort)folded);
        }

        return Fold((ulong)folded + partialSum);
    }

    /// <summary>Adds a big-endian 16-bit value (a pseudo-header field) to a partial sum.</summary>
    /// <param name="value">The 16-bit value.</param>
    /// <param name="partialSum">A previous partial sum.</param>
    /// <returns>The new partial sum, 0 to 0xFFFF.</returns>
    public static uint Add(ushort value, uint partialSum) => Fold((ulong)partialSum + value);

    /// <summary>Adds a 32-bit value, as two big-endian 16-bit words, to a partial sum.</summary>
    /// <param name="value">The 32-bit value.</param>
    /// <param name="partialSum">A previous partial sum.</param>
    /// <returns>The new partial sum, 0 to 0xFFFF.</returns>
    public static uint Add(uint value, uint partialSum) => Fold((ulong)partialSum + (value >> 16) + (value & 0xFFFF));

    /// <summary>Complements a partial sum into the checksum to place in a header.</summary>
    /// <param name="partialSum">A partial sum from <see cref="Accumulate"/> or <see cref="Add(ushort, uint)"/>.</param>
    /// <returns>The checksum field value.</returns>
    public static ushort Finish(uint partialSum) => (ushort)~Fold(partialSum);

    /// <summary>Computes the checksum of <paramref name="data"/> (with its checksum field, if any, set to zero).</summary>
    /// <param name="data">The bytes to checksum.</param>
    /// <returns>The checksum field value.</returns>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Accumulate(data));

    /// <summary>Checks data that contains its own checksum field: valid when the one's complement sum is all ones.</summary>
    /// <param name="data">The bytes, checksum field included.</param>
    /// <returns><see langword="true"/> when the checksum verifies; <see langword="false"/> when it does not.</returns>
    public static bool IsValid(ReadOnlySpan<byte> data) => Accumulate(data) == 0xFFFF;

    /// <summary>
    /// Updates a checksum after a 16-bit field changed from <paramref name="oldValue"/> to <paramref name="newValue"/>
    /// (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
    /// </summary>
    /// <param name="checksum">The checksum field value before the change.</param>
    /// <param name="oldValue">The field's old value.</param>
    /// <param name="newValue">The field's new value.</param>
    /// <returns>The checksum field value after the change.</returns>
    public static ushort Update(ushort checksum, ushort oldValue, ushort newValue)
    {
        ulong sum = (ushort)~checksum + (ulong)(ushort)~oldValue + newValue;
        return (ushort)~Fold(sum);
    }

    /// <summary>
    /// Updates a checksum after a 32-bit field (two aligned 16-bit words, e.g. an IPv4 address) changed (RFC 1624).
    /// </summary>
    /// <param name="checksum">The checksum field value before the change.</param>
    /// <param name="oldValue">The field's old value.</param>
    /// <param name="newValue">The field's new value.</param>
    /// <returns>The checksum field value after the change.</returns>
    public static ushort Update(ushort checksum, uint oldValue, uint newValue)
    {
        ulong sum = (ushort)~checksum
            + (ulong)(ushort)~(oldValue >> 16) + (ushort)~oldValue
            + (newValue >> 16) + (newValue & 0xFFFF);
        return (ushort)~Fold(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        return Fold((uint)sum);
    }

    /// <summary>
    /// Two 16-bit folds take any 32-bit sum to 16 bits: the first leaves at most 0x1FFFE, the second at most 0xFFFF.
    /// </summary>
    private static uint Fold(uint sum)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (sum & 0xFFFF) + (sum >> 16);
    }
}
