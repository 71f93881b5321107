using System;
using System.Numerics;

namespace Ipsec.Packets.Wire;

/// <summary>
/// The ESP trailer (RFC 4303 §2.4–2.6): padding 1, 2, 3, ..., the Pad Length and Next Header octets. It is parsed
/// only from decrypted bytes.
/// </summary>
public readonly struct EspTrailer : IEquatable<EspTrailer>
{
    /// <summary>The Pad Length and Next Header octets.</summary>
    public const int FixedLength = 2;

    /// <summary>Creates a trailer value.</summary>
    /// <param name="padLength">The number of padding bytes before the Pad Length octet.</param>
    /// <param name="nextHeader">The protocol of the payload (59 for a dummy packet).</param>
    public EspTrailer(byte padLength, byte nextHeader)
    {
        PadLength = padLength;
        NextHeader = nextHeader;
    }

    /// <summary>The number of padding bytes.</summary>
    public byte PadLength { get; }

    /// <summary>The IP protocol number of the payload.</summary>
    public byte NextHeader { get; }

    /// <summary>The trailer length in bytes: padding plus the two fixed octets.</summary>
    public int Length => PadLength + FixedLength;

    /// <summary>
    /// Reads the trailer at the end of <paramref name="decrypted"/> and checks that the padding is 1, 2, 3, ...
    /// </summary>
    /// <param name="decrypted">The decrypted encrypted-data part of an ESP packet.</param>
    /// <param name="trailer">The trailer, or default on failure.</param>
    /// <param name="payloadLength">The length of the payload before the padding, or 0 on failure.</param>
    /// <returns>False when the part is shorter than the trailer it declares or the padding bytes are not 1, 2, 3, ...</returns>
    public static bool TryRead(ReadOnlySpan<byte> decrypted, out EspTrailer trailer, out int payloadLength)
    {
        if (decrypted.Length < FixedLength)
        {
            trailer = default;
            payloadLength = 0;
            return false;
        }

        byte padLength = decrypted[^2];
        int start = decrypted.Length - FixedLength - padLength;
        if (start < 0)
        {
            trailer = default;
            payloadLength = 0;
            return false;
        }

        // Accumulate differences rather than returning at the first bad byte, so the check takes the same time for any padding.
        int bad = 0;
        ReadOnlySpan<byte> padding = decrypted.Slice(start, padLength);
        for (int i = 0; i < padding.Length; i++)
        {
            bad |= padding[i] ^ (byte)(i + 1);
        }

        if (bad != 0)
        {
            trailer = default;
            payloadLength = 0;
            return false;
        }

        trailer = new EspTrailer(padLength, decrypted[^1]);
        payloadLength = start;
        return true;
    }

    /// <summary>The padding needed after <paramref name="length"/> bytes so that they plus the 2 fixed octets fill whole blocks.</summary>
    /// <param name="length">The payload length plus any TFC padding, in bytes.</param>
    /// <param name="alignment">The padding alignment (the cipher block size, at least 4).</param>
    /// <returns>The padding length in bytes, 0 to alignment - 1.</returns>
    public static int GetPadLength(int length, int alignment)
    {
        // Alignments are powers of two (4, 8, 16): a mask instead of a division on every packet; other values divide.
        int remainder = BitOperations.IsPow2(alignment) ? (length + FixedLength) & (alignment - 1) : (length + FixedLength) % alignment;
        return remainder == 0 ? 0 : alignment - remainder;
    }

    /// <summary>Writes padding 1, 2, 3, ..., the pad length and next header at the start of <paramref name="destination"/>.</summary>
    /// <param name="destination">The bytes right after the payload.</param>
    /// <returns>False when <paramref name="destination"/> is shorter than <see cref="Length"/>; nothing is written then.</returns>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            return false;
        }

        for (int i = 0; i < PadLength; i++)
        {
            destination[i] = (byte)(i + 1);
        }

        destination[PadLength] = PadLength;
        destination[PadLength + 1] = NextHeader;
        return true;
    }

    /// <inheritdoc />
    public bool Equals(EspTrailer other) => PadLength == other.PadLength && NextHeader == other.NextHeader;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EspTrailer other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(PadLength, NextHeader);

    /// <summary>Compares two trailers field by field.</summary>
    public static bool operator ==(EspTrailer left, EspTrailer right) => left.Equals(right);

    /// <summary>Compares two trailers field by field.</summary>
    public static bool operator !=(EspTrailer left, EspTrailer right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"ESP trailer(pad={PadLength}, next={NextHeader})";
}
