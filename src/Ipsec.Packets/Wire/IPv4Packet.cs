using System;
using System.Buffers.Binary;
using F = Ipsec.Packets.Wire.IPv4Header.Field;

namespace Ipsec.Packets.Wire;

/// <summary>
/// A checked, read-only view of an IPv4 packet (RFC 791). <see cref="TryCreate"/> validates the version, IHL, header
/// length and Total Length once; afterwards every accessor is a plain read that cannot fail.
/// </summary>
/// <remarks>
/// Bytes after Total Length are allowed and ignored: Ethernet pads short frames to 60 bytes, so a buffer may be longer
/// than the IP packet. <see cref="Packet"/> and <see cref="Payload"/> are cut at Total Length. The header checksum is
/// not checked by <see cref="TryCreate"/> (tunnel endpoints and offloading NICs differ on when to check it); see
/// <see cref="IsChecksumValid"/>.
/// </remarks>
public readonly ref struct IPv4Packet
{
    private readonly ReadOnlySpan<byte> _packet;

    private IPv4Packet(ReadOnlySpan<byte> packet) => _packet = packet;

    /// <summary>Creates a view over an IPv4 packet at the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes starting with the IPv4 header; may extend beyond Total Length (link-layer padding).</param>
    /// <param name="packet">The view, or <see langword="default"/> on failure.</param>
    /// <returns>
    /// <see langword="false"/> when the buffer is shorter than 20 bytes, the version is not 4, IHL is below 5, the header
    /// is longer than the buffer, Total Length is smaller than the header, or Total Length exceeds the buffer.
    /// </returns>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, out IPv4Packet packet)
    {
        if (buffer.Length >= IPv4Header.MinLength)
        {
            byte versionIhl = buffer[F.VersionIhl];
            int headerLength = (versionIhl & 0xF) * 4;
            int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[F.TotalLength..]);
            if ((versionIhl >> 4) == IPv4Header.Version && headerLength >= IPv4Header.MinLength
                && totalLength >= headerLength && totalLength <= buffer.Length)
            {
                packet = new IPv4Packet(buffer[..totalLength]);
                return true;
            }
        }

        packet = default;
        return false;
    }

    /// <summary>The whole IP packet: header and payload, <see cref="TotalLength"/> bytes.</summary>
    public ReadOnlySpan<byte> Packet => _packet;

    /// <summary>The header with its options, <see cref="HeaderLength"/> bytes.</summary>
    public ReadOnlySpan<byte> Header => _packet[..HeaderLength];

    /// <summary>The options and padding, <see cref="HeaderLength"/> − 20 bytes (empty when IHL is 5).</summary>
    public ReadOnlySpan<byte> Options => _packet[IPv4Header.MinLength..HeaderLength];

    /// <summary>The payload: the bytes from <see cref="HeaderLength"/> to <see cref="TotalLength"/>.</summary>
    public ReadOnlySpan<byte> Payload => _packet[HeaderLength..];

    /// <summary>The header length in bytes (IHL × 4), 20 to 60.</summary>
    public int HeaderLength => (_packet[F.VersionIhl] & 0xF) * 4;

    /// <summary>The options length in bytes, <see cref="HeaderLength"/> − 20.</summary>
    public int OptionsLength => HeaderLength - IPv4Header.MinLength;

    /// <summary>The second header byte: DSCP &lt;&lt; 2 | ECN.</summary>
    public byte Tos => _packet[F.Tos];

    /// <summary>Differentiated Services Code Point, 0 to 63.</summary>
    public byte Dscp => (byte)(_packet[F.Tos] >> 2);

    /// <summary>Explicit Congestion Notification, 0 to 3.</summary>
    public byte Ecn => (byte)(_packet[F.Tos] & 3);

    /// <summary>Total Length in bytes (equals <see cref="Packet"/>'s length).</summary>
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[F.TotalLength..]);

    /// <summary>Identification.</summary>
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_packet[F.Identification..]);

    private ushort FlagsWord => BinaryPrimitives.ReadUInt16BigEndian(_packet[F.FlagsFragmentOffset..]);

    /// <summary>The reserved flag bit.</summary>
    public bool ReservedFlagSet => (FlagsWord & IPv4Header.ReservedFlag) != 0;

    /// <summary>Don't Fragment.</summary>
    public bool DontFragment => (FlagsWord & IPv4Header.DontFragmentFlag) != 0;

    /// <summary>More Fragments.</summary>
    public bool MoreFragments => (FlagsWord & IPv4Header.MoreFragmentsFlag) != 0;

    /// <summary>Fragment Offset in 8-octet units.</summary>
    public ushort FragmentOffset => (ushort)(FlagsWord & IPv4Header.FragmentOffsetMask);

    /// <summary>Fragment Offset in bytes.</summary>
    public int FragmentOffsetBytes => FragmentOffset * 8;

    /// <summary>Whether this is a fragment (More Fragments set or a non-zero offset); IPsec processes whole datagrams only.</summary>
    public bool IsFragment => (FlagsWord & (IPv4Header.MoreFragmentsFlag | IPv4Header.FragmentOffsetMask)) != 0;

    /// <summary>Time to Live.</summary>
    public byte TimeToLive => _packet[F.TimeToLive];

    /// <summary>The payload protocol.</summary>
    public IPProtocol Protocol => (IPProtocol)_packet[F.Protocol];

    /// <summary>Header Checksum as received.</summary>
    public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(_packet[F.HeaderChecksum..]);

    /// <summary>Whether the header checksum verifies over the <see cref="HeaderLength"/> header bytes.</summary>
    public bool IsChecksumValid => InternetChecksum.IsValid(Header);

    /// <summary>Source Address.</summary>
    public IPv4Address Source => new(BinaryPrimitives.ReadUInt32BigEndian(_packet[F.Source..]));

    /// <summary>Destination Address.</summary>
    public IPv4Address Destination => new(BinaryPrimitives.ReadUInt32BigEndian(_packet[F.Destination..]));

    /// <summary>An option walker over <see cref="Options"/>.</summary>
    /// <returns>A reader positioned at the first option.</returns>
    public IPv4OptionReader GetOptionReader() => new(Options);

    /// <summary>Copies the fixed header fields into a storable value.</summary>
    /// <returns>The header value.</returns>
    public IPv4Header ToHeader()
    {
        IPv4Header.TryRead(_packet, out IPv4Header header);
        return header;
    }
}
