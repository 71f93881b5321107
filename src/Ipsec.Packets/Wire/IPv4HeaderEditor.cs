using System;
using System.Buffers.Binary;
using Ipsec.Packets.Internal;
using F = Ipsec.Packets.Wire.IPv4Header.Field;

namespace Ipsec.Packets.Wire;

/// <summary>
/// In-place rewrites of the IPv4 header fields that IPsec processing changes (RFC 791). Every setter keeps the header
/// checksum consistent with an RFC 1624 incremental update; a checksum that was wrong before stays wrong by the same
/// amount. <see cref="UpdateChecksum"/> recomputes it from scratch.
/// </summary>
/// <remarks>
/// These methods work on a header that the caller has already validated or built (for instance with
/// <see cref="IPv4Packet.TryCreate"/> or a tunnel template); a span shorter than 20 bytes is a caller mistake and throws
/// <see cref="ArgumentException"/>.
/// </remarks>
public static class IPv4HeaderEditor
{
    /// <summary>Sets Protocol and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="protocol">The new protocol.</param>
    public static void SetProtocol(Span<byte> header, IPProtocol protocol)
    {
        CheckLength(header);
        SetWordAt(header, F.TimeToLive, (ushort)((header[F.TimeToLive] << 8) | (byte)protocol));
    }

    /// <summary>Sets Time to Live and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="timeToLive">The new TTL.</param>
    public static void SetTimeToLive(Span<byte> header, byte timeToLive)
    {
        CheckLength(header);
        SetWordAt(header, F.TimeToLive, (ushort)((timeToLive << 8) | header[F.Protocol]));
    }

    /// <summary>Sets Total Length and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="totalLength">The new total length in bytes.</param>
    public static void SetTotalLength(Span<byte> header, ushort totalLength)
    {
        CheckLength(header);
        SetWordAt(header, F.TotalLength, totalLength);
    }

    /// <summary>Sets Identification and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="identification">The new identification.</param>
    public static void SetIdentification(Span<byte> header, ushort identification)
    {
        CheckLength(header);
        SetWordAt(header, F.Identification, identification);
    }

    /// <summary>Sets the whole Type of Service byte (DSCP and ECN) and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="tos">The new byte: DSCP &lt;&lt; 2 | ECN.</param>
    public static void SetTos(Span<byte> header, byte tos)
    {
        CheckLength(header);
        SetWordAt(header, F.VersionIhl, (ushort)((header[F.VersionIhl] << 8) | tos));
    }

    /// <summary>Sets the ECN bits (RFC 3168, e.g. for RFC 6040 tunnel decapsulation) and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="ecn">The new ECN value, 0 to 3.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ecn"/> exceeds 3.</exception>
    public static void SetEcn(Span<byte> header, byte ecn)
    {
        if (ecn > 3)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(ecn), "ECN is a 2-bit field (0 to 3).");
        }

        CheckLength(header);
        SetTos(header, (byte)((header[F.Tos] & 0xFC) | ecn));
    }

    /// <summary>Sets the DSCP bits and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="dscp">The new DSCP value, 0 to 63.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dscp"/> exceeds 63.</exception>
    public static void SetDscp(Span<byte> header, byte dscp)
    {
        if (dscp > 63)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(dscp), "DSCP is a 6-bit field (0 to 63).");
        }

        CheckLength(header);
        SetTos(header, (byte)((header[F.Tos] & 3) | (dscp << 2)));
    }

    /// <summary>Sets or clears Don't Fragment and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="dontFragment">The new DF bit.</param>
    public static void SetDontFragment(Span<byte> header, bool dontFragment)
    {
        CheckLength(header);
        ushort word = BinaryPrimitives.ReadUInt16BigEndian(header[F.FlagsFragmentOffset..]);
        word = dontFragment ? (ushort)(word | IPv4Header.DontFragmentFlag) : (ushort)(word & ~IPv4Header.DontFragmentFlag);
        SetWordAt(header, F.FlagsFragmentOffset, word);
    }

    /// <summary>Sets Source Address and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="source">The new source.</param>
    public static void SetSource(Span<byte> header, IPv4Address source)
    {
        CheckLength(header);
        SetDoubleWordAt(header, F.Source, source.Value);
    }

    /// <summary>Sets Destination Address and updates the checksum.</summary>
    /// <param name="header">The header bytes (at least 20).</param>
    /// <param name="destination">The new destination.</param>
    public static void SetDestination(Span<byte> header, IPv4Address destination)
    {
        CheckLength(header);
        SetDoubleWordAt(header, F.Destination, destination.Value);
    }

    /// <summary>Recomputes Header Checksum over the IHL × 4 header bytes.</summary>
    /// <param name="header">The header bytes, at least IHL × 4 of them.</param>
    /// <exception cref="ArgumentException">The span is shorter than 20 bytes or than IHL × 4, or IHL is below 5.</exception>
    public static void UpdateChecksum(Span<byte> header)
    {
        CheckLength(header);
        int headerLength = (header[F.VersionIhl] & 0xF) * 4;
        if (headerLength < IPv4Header.MinLength || headerLength > header.Length)
        {
            ThrowHelper.ThrowArgument("IHL is below 5 or the header is longer than the span.", nameof(header));
        }

        header[F.HeaderChecksum] = 0;
        header[F.HeaderChecksum + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[F.HeaderChecksum..], InternetChecksum.Compute(header[..headerLength]));
    }

    private static void SetWordAt(Span<byte> header, int offset, ushort value)
    {
        ushort old = BinaryPrimitives.ReadUInt16BigEndian(header[offset..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[offset..], value);
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(header[F.HeaderChecksum..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[F.HeaderChecksum..], InternetChecksum.Update(checksum, old, value));
    }

    private static void SetDoubleWordAt(Span<byte> header, int offset, uint value)
    {
        uint old = BinaryPrimitives.ReadUInt32BigEndian(header[offset..]);
        BinaryPrimitives.WriteUInt32BigEndian(header[offset..], value);
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(header[F.HeaderChecksum..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[F.HeaderChecksum..], InternetChecksum.Update(checksum, old, value));
    }

    private static void CheckLength(Span<byte> header)
    {
        if (header.Length < IPv4Header.MinLength)
        {
            ThrowHelper.ThrowArgument("An IPv4 header is at least 20 bytes.", nameof(header));
        }
    }
}
