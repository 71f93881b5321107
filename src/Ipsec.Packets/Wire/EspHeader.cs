using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Wire;

/// <summary>
/// The fixed ESP header (RFC 4303 §2): SPI and the low 32 bits of the sequence number. These two fields are all
/// of ESP that can be read without the SA; they are how the receiver finds it.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               Security Parameters Index (SPI)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      Sequence Number                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public readonly struct EspHeader : IEquatable<EspHeader>
{
    /// <summary>The header length in bytes.</summary>
    public const int Length = 8;

    /// <summary>Field offsets in bytes from the start of the ESP header.</summary>
    public static class Field
    {
        /// <summary>Security Parameters Index, 32 bits.</summary>
        public const int Spi = 0;

        /// <summary>Sequence Number (low 32 bits with ESN), 32 bits.</summary>
        public const int SequenceNumber = 4;
    }

    /// <summary>Creates a header value.</summary>
    /// <param name="spi">The Security Parameters Index.</param>
    /// <param name="sequenceNumber">The sequence number field (low 32 bits of an extended sequence number).</param>
    public EspHeader(uint spi, uint sequenceNumber)
    {
        Spi = spi;
        SequenceNumber = sequenceNumber;
    }

    /// <summary>The Security Parameters Index.</summary>
    public uint Spi { get; }

    /// <summary>The 32-bit Sequence Number field.</summary>
    public uint SequenceNumber { get; }

    /// <summary>Reads the header from the start of <paramref name="source"/>.</summary>
    /// <param name="source">Bytes starting at the SPI.</param>
    /// <param name="header">The header, or default on failure.</param>
    /// <returns>False when <paramref name="source"/> is shorter than <see cref="Length"/>.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out EspHeader header)
    {
        if (source.Length < Length)
        {
            header = default;
            return false;
        }

        header = new EspHeader(
            BinaryPrimitives.ReadUInt32BigEndian(source[Field.Spi..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[Field.SequenceNumber..]));
        return true;
    }

    /// <summary>Reads only the SPI, the key for finding the security association.</summary>
    /// <param name="source">Bytes starting at the SPI.</param>
    /// <param name="spi">The SPI, or 0 on failure.</param>
    /// <returns>False when fewer than 4 bytes are available.</returns>
    public static bool TryReadSpi(ReadOnlySpan<byte> source, out uint spi)
    {
        if (source.Length < 4)
        {
            spi = 0;
            return false;
        }

        spi = BinaryPrimitives.ReadUInt32BigEndian(source);
        return true;
    }

    /// <summary>Writes the header to the start of <paramref name="destination"/>.</summary>
    /// <param name="destination">The buffer to write to.</param>
    /// <returns>False when <paramref name="destination"/> is shorter than <see cref="Length"/>; nothing is written then.</returns>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[Field.Spi..], Spi);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Field.SequenceNumber..], SequenceNumber);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(EspHeader other) => Spi == other.Spi && SequenceNumber == other.SequenceNumber;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EspHeader other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Spi, SequenceNumber);

    /// <summary>Compares two headers field by field.</summary>
    public static bool operator ==(EspHeader left, EspHeader right) => left.Equals(right);

    /// <summary>Compares two headers field by field.</summary>
    public static bool operator !=(EspHeader left, EspHeader right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"ESP(spi=0x{Spi:x8}, seq={SequenceNumber})";
}
