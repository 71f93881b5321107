using System;
using System.Buffers.Binary;
using Ipsec.Packets.Internal;
using F = Ipsec.Packets.Wire.UdpHeader.Field;

namespace Ipsec.Packets.Wire;

/// <summary>
/// The UDP checksum (RFC 768) over the IPv4 pseudo-header (source, destination, zero, protocol 17, UDP length) or the
/// IPv6 pseudo-header (RFC 8200 §8.1: source, destination, 32-bit upper-layer length, 24 zero bits, next header 17).
/// </summary>
/// <remarks>
/// The datagram span is the whole datagram, header and data; its length is the UDP length in the pseudo-header. The
/// checksum field's current content is skipped when computing, so it need not be zeroed first. A computed value of zero
/// is sent as 0xFFFF (RFC 768): zero on the wire means "no checksum" in IPv4 and is invalid in IPv6.
/// </remarks>
public static class UdpChecksum
{
    /// <summary>Computes the checksum of an IPv4 UDP datagram.</summary>
    /// <param name="source">IPv4 source address.</param>
    /// <param name="destination">IPv4 destination address.</param>
    /// <param name="datagram">The UDP header and data (at least 8 bytes).</param>
    /// <returns>The checksum field value (never 0).</returns>
    /// <exception cref="ArgumentException"><paramref name="datagram"/> is shorter than 8 bytes.</exception>
    public static ushort Compute(IPv4Address source, IPv4Address destination, ReadOnlySpan<byte> datagram)
    {
        CheckLength(datagram.Length);
        uint sum = InternetChecksum.Add(source.Value, 0);
        sum = InternetChecksum.Add(destination.Value, sum);
        sum = InternetChecksum.Add((ushort)IPProtocol.Udp, sum);
        sum = InternetChecksum.Add((uint)datagram.Length, sum);
        return FinishOverDatagram(datagram, sum);
    }

    /// <summary>Computes the checksum of an IPv6 UDP datagram.</summary>
    /// <param name="source">IPv6 source address.</param>
    /// <param name="destination">IPv6 destination address (the final one, if a routing header is present).</param>
    /// <param name="datagram">The UDP header and data (at least 8 bytes).</param>
    /// <returns>The checksum field value (never 0).</returns>
    /// <exception cref="ArgumentException"><paramref name="datagram"/> is shorter than 8 bytes.</exception>
    public static ushort Compute(IPv6Address source, IPv6Address destination, ReadOnlySpan<byte> datagram)
    {
        CheckLength(datagram.Length);
        uint sum = AddAddress(source, 0);
        sum = AddAddress(destination, sum);
        sum = InternetChecksum.Add((uint)datagram.Length, sum);
        sum = InternetChecksum.Add((ushort)IPProtocol.Udp, sum);
        return FinishOverDatagram(datagram, sum);
    }

    /// <summary>Computes the IPv4 checksum and writes it into the datagram's checksum field.</summary>
    /// <param name="source">IPv4 source address.</param>
    /// <param name="destination">IPv4 destination address.</param>
    /// <param name="datagram">The UDP header and data (at least 8 bytes).</param>
    public static void Write(IPv4Address source, IPv4Address destination, Span<byte> datagram) =>
        BinaryPrimitives.WriteUInt16BigEndian(datagram[F.Checksum..], Compute(source, destination, datagram));

    /// <summary>Computes the IPv6 checksum and writes it into the datagram's checksum field.</summary>
    /// <param name="source">IPv6 source address.</param>
    /// <param name="destination">IPv6 destination address.</param>
    /// <param name="datagram">The UDP header and data (at least 8 bytes).</param>
    public static void Write(IPv6Address source, IPv6Address destination, Span<byte> datagram) =>
        BinaryPrimitives.WriteUInt16BigEndian(datagram[F.Checksum..], Compute(source, destination, datagram));

    /// <summary>Verifies an IPv4 UDP checksum. A zero checksum means none was sent and is accepted (RFC 768).</summary>
    /// <param name="source">IPv4 source address.</param>
    /// <param name="destination">IPv4 destination address.</param>
    /// <param name="datagram">The UDP header and data.</param>
    /// <returns><see langword="false"/> when the datagram is shorter than 8 bytes or a non-zero checksum does not verify.</returns>
    public static bool IsValid(IPv4Address source, IPv4Address destination, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < UdpHeader.HeaderLength)
        {
            return false;
        }

        ushort stored = BinaryPrimitives.ReadUInt16BigEndian(datagram[F.Checksum..]);
        return stored == 0 || stored == Compute(source, destination, datagram);
    }

    /// <summary>Verifies an IPv6 UDP checksum. Zero is invalid (RFC 8200 §8.1) unless <paramref name="allowZeroChecksum"/>.</summary>
    /// <param name="source">IPv6 source address.</param>
    /// <param name="destination">IPv6 destination address.</param>
    /// <param name="datagram">The UDP header and data.</param>
    /// <param name="allowZeroChecksum">Accept a zero checksum, as RFC 6935 permits for tunnel protocols by configuration.</param>
    /// <returns><see langword="false"/> when the datagram is shorter than 8 bytes or the checksum does not verify.</returns>
    public static bool IsValid(IPv6Address source, IPv6Address destination, ReadOnlySpan<byte> datagram, bool allowZeroChecksum = false)
    {
        if (datagram.Length < UdpHeader.HeaderLength)
        {
            return false;
        }

        ushort stored = BinaryPrimitives.ReadUInt16BigEndian(datagram[F.Checksum..]);
        return stored == 0 ? allowZeroChecksum : stored == Compute(source, destination, datagram);
    }

    private static ushort FinishOverDatagram(ReadOnlySpan<byte> datagram, uint sum)
    {
        // Skip the checksum field: sum the first 6 bytes (even length, so chaining is exact) and the rest.
        sum = InternetChecksum.Accumulate(datagram[..F.Checksum], sum);
        sum = InternetChecksum.Accumulate(datagram[UdpHeader.HeaderLength..], sum);
        ushort checksum = InternetChecksum.Finish(sum);
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }

    private static uint AddAddress(IPv6Address address, uint sum)
    {
        sum = InternetChecksum.Add((uint)(address.Upper >> 32), sum);
        sum = InternetChecksum.Add((uint)address.Upper, sum);
        sum = InternetChecksum.Add((uint)(address.Lower >> 32), sum);
        return InternetChecksum.Add((uint)address.Lower, sum);
    }

    private static void CheckLength(int length)
    {
        if (length < UdpHeader.HeaderLength)
        {
            ThrowHelper.ThrowArgument("A UDP datagram is at least 8 bytes.", "datagram");
        }
    }
}
