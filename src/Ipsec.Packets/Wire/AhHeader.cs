using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Wire;

/// <summary>The fixed 12 bytes of the Authentication Header (RFC 4302 §2) as a value; the ICV follows them.</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Header   |  Payload Len  |          RESERVED             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Security Parameters Index (SPI)               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Sequence Number Field                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                Integrity Check Value-ICV (variable)           |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Payload Len is the AH length in 32-bit words minus 2. The whole header is padded to a multiple of 4 bytes (IPv4) or
/// 8 bytes (IPv6).
/// </remarks>
public readonly struct AhHeader : IEquatable<AhHeader>
{
    /// <summary>The length of the fixed fields before the ICV, in bytes.</summary>
    public const int FixedLength = 12;

    /// <summary>The largest header length the 8-bit Payload Len can express: (255 + 2) × 4 bytes.</summary>
    public const int MaxHeaderLength = (255 + 2) * 4;

    /// <summary>Field offsets from the start of the header, in bytes.</summary>
    public static class Field
    {
        /// <summary>Next Header, 8 bits.</summary>
        public const int NextHeader = 0;

        /// <summary>Payload Len, 8 bits: the header length in 32-bit words minus 2.</summary>
        public const int PayloadLength = 1;

        /// <summary>RESERVED, 16 bits (zero on send).</summary>
        public const int Reserved = 2;

        /// <summary>Security Parameters Index, 32 bits.</summary>
        public const int Spi = 4;

        /// <summary>Sequence Number (low 32 bits with ESN), 32 bits.</summary>
        public const int SequenceNumber = 8;

        /// <summary>Integrity Check Value and padding.</summary>
        public const int Icv = 12;
    }

    /// <summary>Creates a header.</summary>
    /// <param name="nextHeader">The protected payload's protocol.</param>
    /// <param name="payloadLength">The raw Payload Len field: header length in 32-bit words minus 2.</param>
    /// <param name="spi">Security Parameters Index.</param>
    /// <param name="sequenceNumber">Sequence Number (low 32 bits).</param>
    /// <param name="reserved">RESERVED (zero on send).</param>
    public AhHeader(IPProtocol nextHeader, byte payloadLength, uint spi, uint sequenceNumber, ushort reserved = 0)
    {
        NextHeader = nextHeader;
        PayloadLength = payloadLength;
        Spi = spi;
        SequenceNumber = sequenceNumber;
        Reserved = reserved;
    }

    /// <summary>The protected payload's protocol.</summary>
    public IPProtocol NextHeader { get; }

    /// <summary>The raw Payload Len field: the header length in 32-bit words minus 2 (see <see cref="HeaderLength"/>).</summary>
    public byte PayloadLength { get; }

    /// <summary>The header length in bytes, ICV and padding included: (<see cref="PayloadLength"/> + 2) × 4.</summary>
    public int HeaderLength => (PayloadLength + 2) * 4;

    /// <summary>RESERVED.</summary>
    public ushort Reserved { get; }

    /// <summary>Security Parameters Index.</summary>
    public uint Spi { get; }

    /// <summary>Sequence Number (the low 32 bits when extended sequence numbers are used).</summary>
    public uint SequenceNumber { get; }

    /// <summary>
    /// The header length for an ICV of <paramref name="icvSize"/> bytes: 12 + ICV, padded to a multiple of 4 (IPv4) or
    /// 8 (IPv6) bytes (RFC 4302 §2.6).
    /// </summary>
    /// <param name="icvSize">The ICV size of the SA's integrity algorithm, in bytes.</param>
    /// <param name="isIPv6">Pad to 8 bytes for IPv6, 4 for IPv4.</param>
    /// <returns>The header length in bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The result would not fit the Payload Len field, or <paramref name="icvSize"/> is negative.</exception>
    public static int GetHeaderLength(int icvSize, bool isIPv6)
    {
        int alignment = isIPv6 ? 8 : 4;
        if (icvSize < 0 || icvSize > MaxHeaderLength - FixedLength)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(icvSize), "The ICV size does not fit an AH header.");
        }

        int length = (FixedLength + icvSize + alignment - 1) & -alignment;
        if (length > MaxHeaderLength)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(icvSize), "The ICV size does not fit an AH header.");
        }

        return length;
    }

    /// <summary>The Payload Len field for a header of <paramref name="headerLength"/> bytes: length / 4 − 2.</summary>
    /// <param name="headerLength">A multiple of 4 from 12 to <see cref="MaxHeaderLength"/>.</param>
    /// <returns>The raw field value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The length is not a multiple of 4 in range.</exception>
    public static byte GetPayloadLength(int headerLength)
    {
        if (headerLength < FixedLength || headerLength > MaxHeaderLength || (headerLength & 3) != 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(headerLength), "An AH header length is a multiple of 4 from 12 to 1028 bytes.");
        }

        return (byte)((headerLength / 4) - 2);
    }

    /// <summary>Reads the 12 fixed bytes from the start of <paramref name="source"/> (the length field is not checked).</summary>
    /// <param name="source">Bytes starting with the AH header.</param>
    /// <param name="header">The header, or <see langword="default"/> on failure.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is shorter than 12 bytes.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out AhHeader header)
    {
        if (source.Length < FixedLength)
        {
            header = default;
            return false;
        }

        header = new AhHeader(
            (IPProtocol)source[Field.NextHeader],
            source[Field.PayloadLength],
            BinaryPrimitives.ReadUInt32BigEndian(source[Field.Spi..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[Field.SequenceNumber..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[Field.Reserved..]));
        return true;
    }

    /// <summary>Writes the 12 fixed bytes; the ICV bytes after them are the caller's to write.</summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <returns><see langword="false"/> (nothing written) when <paramref name="destination"/> is shorter than 12 bytes.</returns>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < FixedLength)
        {
            return false;
        }

        destination[Field.NextHeader] = (byte)NextHeader;
        destination[Field.PayloadLength] = PayloadLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.Reserved..], Reserved);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Field.Spi..], Spi);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Field.SequenceNumber..], SequenceNumber);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(AhHeader other) =>
        NextHeader == other.NextHeader && PayloadLength == other.PayloadLength && Reserved == other.Reserved
        && Spi == other.Spi && SequenceNumber == other.SequenceNumber;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is AhHeader other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(NextHeader, PayloadLength, Reserved, Spi, SequenceNumber);

    /// <summary>A one-line summary for logs.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"AH spi 0x{Spi:x8} seq {SequenceNumber} nh {(byte)NextHeader} len {HeaderLength}";

    /// <summary>Equality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers are equal.</returns>
    public static bool operator ==(AhHeader left, AhHeader right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers differ.</returns>
    public static bool operator !=(AhHeader left, AhHeader right) => !left.Equals(right);
}
