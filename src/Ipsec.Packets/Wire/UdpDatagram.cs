using System;
using System.Buffers.Binary;
using F = Ipsec.Packets.Wire.UdpHeader.Field;

namespace Ipsec.Packets.Wire;

/// <summary>
/// A checked, read-only view of a UDP datagram (RFC 768). <see cref="TryCreate"/> checks that the buffer holds the
/// header and the Length field's bytes; bytes after Length are ignored, so compare <see cref="Length"/> with the IP
/// payload length when the two must agree.
/// </summary>
public readonly ref struct UdpDatagram
{
    private readonly ReadOnlySpan<byte> _datagram;

    private UdpDatagram(ReadOnlySpan<byte> datagram) => _datagram = datagram;

    /// <summary>Creates a view over a UDP datagram at the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes starting with the UDP header (an IP payload).</param>
    /// <param name="datagram">The view, or <see langword="default"/> on failure.</param>
    /// <returns>
    /// <see langword="false"/> when the buffer is shorter than 8 bytes, Length is below 8 (this includes the RFC 2675
    /// jumbogram Length of 0, not supported), or Length exceeds the buffer.
    /// </returns>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, out UdpDatagram datagram)
    {
        if (buffer.Length >= UdpHeader.HeaderLength)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[F.Length..]);
            if (length >= UdpHeader.HeaderLength && length <= buffer.Length)
            {
                datagram = new UdpDatagram(buffer[..length]);
                return true;
            }
        }

        datagram = default;
        return false;
    }

    /// <summary>The datagram, header and data, cut at <see cref="Length"/>.</summary>
    public ReadOnlySpan<byte> Datagram => _datagram;

    /// <summary>The data after the 8-byte header.</summary>
    public ReadOnlySpan<byte> Payload => _datagram[UdpHeader.HeaderLength..];

    /// <summary>Source Port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_datagram);

    /// <summary>Destination Port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_datagram[F.DestinationPort..]);

    /// <summary>Length: header and data, in bytes.</summary>
    public ushort Length => BinaryPrimitives.ReadUInt16BigEndian(_datagram[F.Length..]);

    /// <summary>Checksum as received.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_datagram[F.Checksum..]);

    /// <summary>Copies the header into a storable value.</summary>
    /// <returns>The header value.</returns>
    public UdpHeader ToHeader() => new(SourcePort, DestinationPort, Length, Checksum);

    /// <summary>Verifies the checksum over the IPv4 pseudo-header; a zero checksum (none sent) is accepted.</summary>
    /// <param name="source">IPv4 source address.</param>
    /// <param name="destination">IPv4 destination address.</param>
    /// <returns><see langword="true"/> when the checksum is zero or verifies.</returns>
    public bool IsChecksumValid(IPv4Address source, IPv4Address destination) => UdpChecksum.IsValid(source, destination, _datagram);

    /// <summary>Verifies the checksum over the IPv6 pseudo-header; zero is invalid unless <paramref name="allowZeroChecksum"/>.</summary>
    /// <param name="source">IPv6 source address.</param>
    /// <param name="destination">IPv6 destination address.</param>
    /// <param name="allowZeroChecksum">Accept a zero checksum (RFC 6935/6936 tunnel use); off by default (RFC 8200 §8.1).</param>
    /// <returns><see langword="true"/> when the checksum verifies (or is zero and allowed).</returns>
    public bool IsChecksumValid(IPv6Address source, IPv6Address destination, bool allowZeroChecksum = false) =>
        UdpChecksum.IsValid(source, destination, _datagram, allowZeroChecksum);
}
