using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Wire;

/// <summary>The fixed 40-byte IPv6 header (RFC 8200 §3) as a value.</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                         Source Address                        +
/// |                          (128 bits)                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                      Destination Address                      +
/// |                          (128 bits)                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The Traffic Class is DSCP (6 bits) and ECN (2 bits), as in IPv4.
/// </remarks>
public readonly struct IPv6Header : IEquatable<IPv6Header>
{
    /// <summary>The IP version this header carries.</summary>
    public const int Version = 6;

    /// <summary>The length of the fixed header, in bytes.</summary>
    public const int Length = 40;

    /// <summary>The largest Flow Label (20 bits).</summary>
    public const uint MaxFlowLabel = 0xFFFFF;

    /// <summary>Field offsets from the start of the header, in bytes.</summary>
    public static class Field
    {
        /// <summary>Version (4 bits), Traffic Class (8 bits) and Flow Label (20 bits), 32 bits.</summary>
        public const int VersionClassFlow = 0;

        /// <summary>Payload Length, 16 bits: the bytes after the fixed header, extension headers included.</summary>
        public const int PayloadLength = 4;

        /// <summary>Next Header, 8 bits.</summary>
        public const int NextHeader = 6;

        /// <summary>Hop Limit, 8 bits.</summary>
        public const int HopLimit = 7;

        /// <summary>Source Address, 128 bits.</summary>
        public const int Source = 8;

        /// <summary>Destination Address, 128 bits.</summary>
        public const int Destination = 24;
    }

    private readonly uint _flowLabel;

    /// <summary>Traffic Class: DSCP &lt;&lt; 2 | ECN.</summary>
    public byte TrafficClass { get; init; }

    /// <summary>Differentiated Services Code Point: the high 6 bits of <see cref="TrafficClass"/>.</summary>
    public byte Dscp => (byte)(TrafficClass >> 2);

    /// <summary>Explicit Congestion Notification: the low 2 bits of <see cref="TrafficClass"/>.</summary>
    public byte Ecn => (byte)(TrafficClass & 3);

    /// <summary>Flow Label, 0 to 0xFFFFF.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On init, the value exceeds 20 bits.</exception>
    public uint FlowLabel
    {
        get => _flowLabel;
        init
        {
            if (value > MaxFlowLabel)
            {
                ThrowHelper.ThrowArgumentOutOfRange(nameof(FlowLabel), "The flow label is a 20-bit field.");
            }

            _flowLabel = value;
        }
    }

    /// <summary>Payload Length: the bytes after the 40-byte header, extension headers included.</summary>
    public ushort PayloadLength { get; init; }

    /// <summary>The type of the header that follows.</summary>
    public IPProtocol NextHeader { get; init; }

    /// <summary>Hop Limit.</summary>
    public byte HopLimit { get; init; }

    /// <summary>Source Address.</summary>
    public IPv6Address Source { get; init; }

    /// <summary>Destination Address.</summary>
    public IPv6Address Destination { get; init; }

    /// <summary>Reads the fixed IPv6 header from the start of <paramref name="source"/>; Payload Length is not checked.</summary>
    /// <param name="source">Bytes starting with the IPv6 header.</param>
    /// <param name="header">The header, or <see langword="default"/> on failure.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is shorter than 40 bytes or the version is not 6.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out IPv6Header header)
    {
        if (source.Length < Length || (source[0] >> 4) != Version)
        {
            header = default;
            return false;
        }

        uint word = BinaryPrimitives.ReadUInt32BigEndian(source);
        IPv6Address.TryRead(source[Field.Source..], out IPv6Address src);
        IPv6Address.TryRead(source[Field.Destination..], out IPv6Address dst);
        header = new IPv6Header
        {
            TrafficClass = (byte)(word >> 20),
            FlowLabel = word & MaxFlowLabel,
            PayloadLength = BinaryPrimitives.ReadUInt16BigEndian(source[Field.PayloadLength..]),
            NextHeader = (IPProtocol)source[Field.NextHeader],
            HopLimit = source[Field.HopLimit],
            Source = src,
            Destination = dst,
        };
        return true;
    }

    /// <summary>Writes the 40-byte header.</summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <returns><see langword="false"/> (nothing written) when <paramref name="destination"/> is shorter than 40 bytes.</returns>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, ((uint)Version << 28) | ((uint)TrafficClass << 20) | _flowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.PayloadLength..], PayloadLength);
        destination[Field.NextHeader] = (byte)NextHeader;
        destination[Field.HopLimit] = HopLimit;
        Source.TryWrite(destination[Field.Source..]);
        Destination.TryWrite(destination[Field.Destination..]);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(IPv6Header other) =>
        TrafficClass == other.TrafficClass && _flowLabel == other._flowLabel && PayloadLength == other.PayloadLength
        && NextHeader == other.NextHeader && HopLimit == other.HopLimit && Source == other.Source && Destination == other.Destination;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is IPv6Header other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TrafficClass, _flowLabel, PayloadLength, NextHeader, HopLimit, Source, Destination);

    /// <summary>A one-line summary for logs.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"IPv6 {Source} > {Destination} nh {(byte)NextHeader} plen {PayloadLength} hlim {HopLimit} tc 0x{TrafficClass:x2} flow 0x{_flowLabel:x5}";

    /// <summary>Equality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers are equal.</returns>
    public static bool operator ==(IPv6Header left, IPv6Header right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers differ.</returns>
    public static bool operator !=(IPv6Header left, IPv6Header right) => !left.Equals(right);
}
