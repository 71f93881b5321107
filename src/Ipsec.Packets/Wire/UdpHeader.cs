using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Ipsec.Packets.Wire;

/// <summary>The 8-byte UDP header (RFC 768) as a value.</summary>
/// <remarks>
/// <code>
///  0      7 8     15 16    23 24    31
/// +--------+--------+--------+--------+
/// |     Source      |   Destination   |
/// |      Port       |      Port       |
/// +--------+--------+--------+--------+
/// |                 |                 |
/// |     Length      |    Checksum     |
/// +--------+--------+--------+--------+
/// </code>
/// </remarks>
public readonly struct UdpHeader : IEquatable<UdpHeader>
{
    /// <summary>The length of the UDP header, in bytes.</summary>
    public const int HeaderLength = 8;

    /// <summary>Field offsets from the start of the header, in bytes.</summary>
    public static class Field
    {
        /// <summary>Source Port, 16 bits.</summary>
        public const int SourcePort = 0;

        /// <summary>Destination Port, 16 bits.</summary>
        public const int DestinationPort = 2;

        /// <summary>Length, 16 bits: header and data, in bytes.</summary>
        public const int Length = 4;

        /// <summary>Checksum, 16 bits.</summary>
        public const int Checksum = 6;
    }

    /// <summary>Creates a header.</summary>
    /// <param name="sourcePort">Source Port.</param>
    /// <param name="destinationPort">Destination Port.</param>
    /// <param name="length">Length of header and data, in bytes.</param>
    /// <param name="checksum">Checksum (0: none, IPv4 only).</param>
    public UdpHeader(ushort sourcePort, ushort destinationPort, ushort length, ushort checksum)
    {
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        Length = length;
        Checksum = checksum;
    }

    /// <summary>Source Port.</summary>
    public ushort SourcePort { get; }

    /// <summary>Destination Port.</summary>
    public ushort DestinationPort { get; }

    /// <summary>Length: header and data, in bytes (the RFC 768 field).</summary>
    public ushort Length { get; }

    /// <summary>Checksum as stored.</summary>
    public ushort Checksum { get; }

    /// <summary>Reads the header from the start of <paramref name="source"/>; Length is not checked against the buffer.</summary>
    /// <param name="source">Bytes starting with the UDP header.</param>
    /// <param name="header">The header, or <see langword="default"/> on failure.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is shorter than 8 bytes.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out UdpHeader header)
    {
        if (source.Length < HeaderLength)
        {
            header = default;
            return false;
        }

        header = new UdpHeader(
            BinaryPrimitives.ReadUInt16BigEndian(source),
            BinaryPrimitives.ReadUInt16BigEndian(source[Field.DestinationPort..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[Field.Length..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[Field.Checksum..]));
        return true;
    }

    /// <summary>Writes the 8-byte header.</summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <returns><see langword="false"/> (nothing written) when <paramref name="destination"/> is shorter than 8 bytes.</returns>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < HeaderLength)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.DestinationPort..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.Length..], Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.Checksum..], Checksum);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(UdpHeader other) =>
        SourcePort == other.SourcePort && DestinationPort == other.DestinationPort && Length == other.Length && Checksum == other.Checksum;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is UdpHeader other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SourcePort, DestinationPort, Length, Checksum);

    /// <summary>A one-line summary for logs.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"UDP {SourcePort} > {DestinationPort} len {Length} csum 0x{Checksum:x4}";

    /// <summary>Equality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers are equal.</returns>
    public static bool operator ==(UdpHeader left, UdpHeader right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers differ.</returns>
    public static bool operator !=(UdpHeader left, UdpHeader right) => !left.Equals(right);
}
