using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Wire;

/// <summary>
/// The fixed 20-byte part of an IPv4 header (RFC 791 §3.1) as a value. Options are not held: <see cref="HeaderLength"/>
/// says how many option bytes follow, and <see cref="IPv4Packet.Options"/> exposes them.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |   DSCP    |ECN|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |Flags|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options                    |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The second byte was the Type of Service; RFC 2474 and RFC 3168 split it into DSCP (6 bits) and ECN (2 bits).
/// Flags are reserved (must be zero), DF (0x4000 of the 16-bit word) and MF (0x2000).
/// </remarks>
public readonly struct IPv4Header : IEquatable<IPv4Header>
{
    /// <summary>The IP version this header carries.</summary>
    public const int Version = 4;

    /// <summary>The length of the header without options, in bytes (IHL 5).</summary>
    public const int MinLength = 20;

    /// <summary>The length of the header with 40 bytes of options, in bytes (IHL 15).</summary>
    public const int MaxLength = 60;

    /// <summary>Field offsets from the start of the header, in bytes.</summary>
    public static class Field
    {
        /// <summary>Version (high nibble) and IHL (low nibble, 32-bit words).</summary>
        public const int VersionIhl = 0;

        /// <summary>DSCP (high 6 bits) and ECN (low 2 bits); formerly Type of Service.</summary>
        public const int Tos = 1;

        /// <summary>Total Length, 16 bits.</summary>
        public const int TotalLength = 2;

        /// <summary>Identification, 16 bits.</summary>
        public const int Identification = 4;

        /// <summary>Flags (3 bits) and Fragment Offset (13 bits, 8-octet units), 16 bits.</summary>
        public const int FlagsFragmentOffset = 6;

        /// <summary>Time to Live, 8 bits.</summary>
        public const int TimeToLive = 8;

        /// <summary>Protocol, 8 bits.</summary>
        public const int Protocol = 9;

        /// <summary>Header Checksum, 16 bits.</summary>
        public const int HeaderChecksum = 10;

        /// <summary>Source Address, 32 bits.</summary>
        public const int Source = 12;

        /// <summary>Destination Address, 32 bits.</summary>
        public const int Destination = 16;

        /// <summary>First option byte.</summary>
        public const int Options = 20;
    }

    /// <summary>The Don't Fragment bit within the flags/fragment-offset word.</summary>
    public const ushort DontFragmentFlag = 0x4000;

    /// <summary>The More Fragments bit within the flags/fragment-offset word.</summary>
    public const ushort MoreFragmentsFlag = 0x2000;

    /// <summary>The reserved (evil) bit within the flags/fragment-offset word.</summary>
    public const ushort ReservedFlag = 0x8000;

    /// <summary>The fragment-offset bits within the flags/fragment-offset word.</summary>
    public const ushort FragmentOffsetMask = 0x1FFF;

    private readonly byte _headerLength;
    private readonly byte _dscp;
    private readonly byte _ecn;
    private readonly ushort _fragmentOffset;

    /// <summary>Creates a header with the minimum header length (20 bytes, no options); set the rest with initializers.</summary>
    public IPv4Header()
    {
        _headerLength = MinLength;
    }

    /// <summary>The header length in bytes, IHL × 4: 20 to 60 and a multiple of 4.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On init, the value is not a multiple of 4 between 20 and 60.</exception>
    public int HeaderLength
    {
        get => _headerLength == 0 ? MinLength : _headerLength;
        init
        {
            if (value < MinLength || value > MaxLength || (value & 3) != 0)
            {
                ThrowHelper.ThrowArgumentOutOfRange(nameof(HeaderLength), "The IPv4 header length must be a multiple of 4 between 20 and 60 bytes.");
            }

            _headerLength = (byte)value;
        }
    }

    /// <summary>The length of the options (and their padding), in bytes: <see cref="HeaderLength"/> − 20.</summary>
    public int OptionsLength => HeaderLength - MinLength;

    /// <summary>Differentiated Services Code Point (RFC 2474), 0 to 63.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On init, the value exceeds 63.</exception>
    public byte Dscp
    {
        get => _dscp;
        init
        {
            if (value > 63)
            {
                ThrowHelper.ThrowArgumentOutOfRange(nameof(Dscp), "DSCP is a 6-bit field (0 to 63).");
            }

            _dscp = value;
        }
    }

    /// <summary>Explicit Congestion Notification (RFC 3168), 0 to 3.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On init, the value exceeds 3.</exception>
    public byte Ecn
    {
        get => _ecn;
        init
        {
            if (value > 3)
            {
                ThrowHelper.ThrowArgumentOutOfRange(nameof(Ecn), "ECN is a 2-bit field (0 to 3).");
            }

            _ecn = value;
        }
    }

    /// <summary>The whole second byte: DSCP &lt;&lt; 2 | ECN (the former Type of Service).</summary>
    public byte Tos => (byte)((_dscp << 2) | _ecn);

    /// <summary>Total Length: header plus payload, in bytes.</summary>
    public ushort TotalLength { get; init; }

    /// <summary>Identification, used to reassemble fragments.</summary>
    public ushort Identification { get; init; }

    /// <summary>The reserved flag bit (must be zero on send, RFC 791).</summary>
    public bool ReservedFlagSet { get; init; }

    /// <summary>Don't Fragment.</summary>
    public bool DontFragment { get; init; }

    /// <summary>More Fragments.</summary>
    public bool MoreFragments { get; init; }

    /// <summary>Fragment Offset in 8-octet units, 0 to 8191.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On init, the value exceeds 8191.</exception>
    public ushort FragmentOffset
    {
        get => _fragmentOffset;
        init
        {
            if (value > FragmentOffsetMask)
            {
                ThrowHelper.ThrowArgumentOutOfRange(nameof(FragmentOffset), "The fragment offset is a 13-bit field (0 to 8191, in 8-octet units).");
            }

            _fragmentOffset = value;
        }
    }

    /// <summary>Fragment Offset in bytes (<see cref="FragmentOffset"/> × 8).</summary>
    public int FragmentOffsetBytes => _fragmentOffset * 8;

    /// <summary>Whether this is a fragment: More Fragments set or a non-zero offset.</summary>
    public bool IsFragment => MoreFragments || _fragmentOffset != 0;

    /// <summary>Time to Live.</summary>
    public byte TimeToLive { get; init; }

    /// <summary>The protocol of the payload.</summary>
    public IPProtocol Protocol { get; init; }

    /// <summary>Header Checksum as stored; <see cref="TryWrite"/> writes it unchanged (see <see cref="IPv4HeaderEditor.UpdateChecksum"/>).</summary>
    public ushort HeaderChecksum { get; init; }

    /// <summary>Source Address.</summary>
    public IPv4Address Source { get; init; }

    /// <summary>Destination Address.</summary>
    public IPv4Address Destination { get; init; }

    /// <summary>
    /// Reads the fixed part of an IPv4 header from the start of <paramref name="source"/>. Does not check Total Length
    /// or the checksum (use <see cref="IPv4Packet.TryCreate"/> for a checked packet view).
    /// </summary>
    /// <param name="source">Bytes starting with the IPv4 header.</param>
    /// <param name="header">The header, or <see langword="default"/> on failure.</param>
    /// <returns>
    /// <see langword="false"/> when <paramref name="source"/> is shorter than 20 bytes or than the header length, the
    /// version is not 4, or IHL is below 5.
    /// </returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out IPv4Header header)
    {
        if (source.Length < MinLength)
        {
            header = default;
            return false;
        }

        byte versionIhl = source[Field.VersionIhl];
        int headerLength = (versionIhl & 0xF) * 4;
        if ((versionIhl >> 4) != Version || headerLength < MinLength || headerLength > source.Length)
        {
            header = default;
            return false;
        }

        byte tos = source[Field.Tos];
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(source[Field.FlagsFragmentOffset..]);
        header = new IPv4Header
        {
            HeaderLength = headerLength,
            Dscp = (byte)(tos >> 2),
            Ecn = (byte)(tos & 3),
            TotalLength = BinaryPrimitives.ReadUInt16BigEndian(source[Field.TotalLength..]),
            Identification = BinaryPrimitives.ReadUInt16BigEndian(source[Field.Identification..]),
            ReservedFlagSet = (flags & ReservedFlag) != 0,
            DontFragment = (flags & DontFragmentFlag) != 0,
            MoreFragments = (flags & MoreFragmentsFlag) != 0,
            FragmentOffset = (ushort)(flags & FragmentOffsetMask),
            TimeToLive = source[Field.TimeToLive],
            Protocol = (IPProtocol)source[Field.Protocol],
            HeaderChecksum = BinaryPrimitives.ReadUInt16BigEndian(source[Field.HeaderChecksum..]),
            Source = new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(source[Field.Source..])),
            Destination = new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(source[Field.Destination..])),
        };
        return true;
    }

    /// <summary>
    /// Writes the fixed 20 bytes (IHL from <see cref="HeaderLength"/>, the stored <see cref="HeaderChecksum"/>). The
    /// <see cref="OptionsLength"/> option bytes after them are the caller's to write; they are not touched.
    /// </summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <returns><see langword="false"/> (nothing written) when <paramref name="destination"/> is shorter than <see cref="HeaderLength"/>.</returns>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < HeaderLength)
        {
            return false;
        }

        destination[Field.VersionIhl] = (byte)((Version << 4) | (HeaderLength >> 2));
        destination[Field.Tos] = Tos;
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.TotalLength..], TotalLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.Identification..], Identification);
        ushort flags = (ushort)(_fragmentOffset
            | (ReservedFlagSet ? ReservedFlag : 0)
            | (DontFragment ? DontFragmentFlag : 0)
            | (MoreFragments ? MoreFragmentsFlag : 0));
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.FlagsFragmentOffset..], flags);
        destination[Field.TimeToLive] = TimeToLive;
        destination[Field.Protocol] = (byte)Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.HeaderChecksum..], HeaderChecksum);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Field.Source..], Source.Value);
        BinaryPrimitives.WriteUInt32BigEndian(destination[Field.Destination..], Destination.Value);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(IPv4Header other) =>
        HeaderLength == other.HeaderLength && _dscp == other._dscp && _ecn == other._ecn && TotalLength == other.TotalLength
        && Identification == other.Identification && ReservedFlagSet == other.ReservedFlagSet && DontFragment == other.DontFragment
        && MoreFragments == other.MoreFragments && _fragmentOffset == other._fragmentOffset && TimeToLive == other.TimeToLive
        && Protocol == other.Protocol && HeaderChecksum == other.HeaderChecksum && Source == other.Source && Destination == other.Destination;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is IPv4Header other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(HashCode.Combine(HeaderLength, Tos, TotalLength, Identification, _fragmentOffset, DontFragment, MoreFragments, ReservedFlagSet),
            TimeToLive, Protocol, HeaderChecksum, Source, Destination);

    /// <summary>A one-line summary for logs.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"IPv4 {Source} > {Destination} proto {(byte)Protocol} len {TotalLength} hl {HeaderLength} id {Identification} ttl {TimeToLive}"
        + (DontFragment ? " DF" : string.Empty) + (MoreFragments ? " MF" : string.Empty) + (_fragmentOffset != 0 ? $" off {FragmentOffsetBytes}" : string.Empty);

    /// <summary>Equality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers are equal.</returns>
    public static bool operator ==(IPv4Header left, IPv4Header right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the headers differ.</returns>
    public static bool operator !=(IPv4Header left, IPv4Header right) => !left.Equals(right);
}
