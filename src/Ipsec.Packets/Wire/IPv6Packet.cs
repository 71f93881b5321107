using System;
using System.Buffers.Binary;
using F = Ipsec.Packets.Wire.IPv6Header.Field;

namespace Ipsec.Packets.Wire;

/// <summary>
/// A checked, read-only view of an IPv6 packet (RFC 8200). <see cref="TryCreate"/> validates the version and Payload
/// Length once; afterwards every accessor is a plain read that cannot fail.
/// </summary>
/// <remarks>
/// Bytes after 40 + Payload Length are allowed and ignored (link-layer padding). Jumbograms (RFC 2675, Payload Length 0
/// with a Jumbo Payload option) are not supported: a zero Payload Length is taken literally, an empty payload.
/// </remarks>
public readonly ref struct IPv6Packet
{
    private readonly ReadOnlySpan<byte> _packet;

    private IPv6Packet(ReadOnlySpan<byte> packet) => _packet = packet;

    /// <summary>Creates a view over an IPv6 packet at the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes starting with the IPv6 header; may extend beyond the packet.</param>
    /// <param name="packet">The view, or <see langword="default"/> on failure.</param>
    /// <returns>
    /// <see langword="false"/> when the buffer is shorter than 40 bytes, the version is not 6, or 40 + Payload Length
    /// exceeds the buffer.
    /// </returns>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, out IPv6Packet packet)
    {
        if (buffer.Length >= IPv6Header.Length && (buffer[0] >> 4) == IPv6Header.Version)
        {
            int length = IPv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(buffer[F.PayloadLength..]);
            if (length <= buffer.Length)
            {
                packet = new IPv6Packet(buffer[..length]);
                return true;
            }
        }

        packet = default;
        return false;
    }

    /// <summary>The whole packet: 40 + <see cref="PayloadLength"/> bytes.</summary>
    public ReadOnlySpan<byte> Packet => _packet;

    /// <summary>The fixed 40-byte header.</summary>
    public ReadOnlySpan<byte> Header => _packet[..IPv6Header.Length];

    /// <summary>The bytes after the fixed header (extension headers and upper-layer data), <see cref="PayloadLength"/> bytes.</summary>
    public ReadOnlySpan<byte> Payload => _packet[IPv6Header.Length..];

    private uint FirstWord => BinaryPrimitives.ReadUInt32BigEndian(_packet);

    /// <summary>Traffic Class: DSCP &lt;&lt; 2 | ECN.</summary>
    public byte TrafficClass => (byte)(FirstWord >> 20);

    /// <summary>Differentiated Services Code Point.</summary>
    public byte Dscp => (byte)(TrafficClass >> 2);

    /// <summary>Explicit Congestion Notification.</summary>
    public byte Ecn => (byte)(TrafficClass & 3);

    /// <summary>Flow Label (20 bits).</summary>
    public uint FlowLabel => FirstWord & IPv6Header.MaxFlowLabel;

    /// <summary>Payload Length in bytes.</summary>
    public ushort PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[F.PayloadLength..]);

    /// <summary>The type of the first header after the fixed header.</summary>
    public IPProtocol NextHeader => (IPProtocol)_packet[F.NextHeader];

    /// <summary>Hop Limit.</summary>
    public byte HopLimit => _packet[F.HopLimit];

    /// <summary>Source Address.</summary>
    public IPv6Address Source => new(BinaryPrimitives.ReadUInt64BigEndian(_packet[F.Source..]), BinaryPrimitives.ReadUInt64BigEndian(_packet[(F.Source + 8)..]));

    /// <summary>Destination Address.</summary>
    public IPv6Address Destination => new(BinaryPrimitives.ReadUInt64BigEndian(_packet[F.Destination..]), BinaryPrimitives.ReadUInt64BigEndian(_packet[(F.Destination + 8)..]));

    /// <summary>A walker over the extension-header chain of this packet.</summary>
    /// <returns>A walker positioned before the first header.</returns>
    public IPv6ExtensionHeaderWalker GetExtensionHeaderWalker() => new(_packet);

    /// <summary>Copies the fixed header into a storable value.</summary>
    /// <returns>The header value.</returns>
    public IPv6Header ToHeader()
    {
        IPv6Header.TryRead(_packet, out IPv6Header header);
        return header;
    }
}
