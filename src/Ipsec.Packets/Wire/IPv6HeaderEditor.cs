using System;
using System.Buffers.Binary;
using Ipsec.Packets.Internal;
using F = Ipsec.Packets.Wire.IPv6Header.Field;

namespace Ipsec.Packets.Wire;

/// <summary>
/// In-place rewrites of the IPv6 header fields that IPsec processing changes (RFC 8200). IPv6 has no header checksum.
/// A span shorter than 40 bytes is a caller mistake and throws <see cref="ArgumentException"/>.
/// </summary>
public static class IPv6HeaderEditor
{
    /// <summary>Sets Payload Length.</summary>
    /// <param name="header">The header bytes (at least 40).</param>
    /// <param name="payloadLength">The bytes after the fixed header.</param>
    public static void SetPayloadLength(Span<byte> header, ushort payloadLength)
    {
        CheckLength(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[F.PayloadLength..], payloadLength);
    }

    /// <summary>Sets Next Header.</summary>
    /// <param name="header">The header bytes (at least 40).</param>
    /// <param name="nextHeader">The type of the first header after the fixed header.</param>
    public static void SetNextHeader(Span<byte> header, IPProtocol nextHeader)
    {
        CheckLength(header);
        header[F.NextHeader] = (byte)nextHeader;
    }

    /// <summary>Sets Hop Limit.</summary>
    /// <param name="header">The header bytes (at least 40).</param>
    /// <param name="hopLimit">The new hop limit.</param>
    public static void SetHopLimit(Span<byte> header, byte hopLimit)
    {
        CheckLength(header);
        header[F.HopLimit] = hopLimit;
    }

    /// <summary>Sets the whole Traffic Class (DSCP and ECN).</summary>
    /// <param name="header">The header bytes (at least 40).</param>
    /// <param name="trafficClass">DSCP &lt;&lt; 2 | ECN.</param>
    public static void SetTrafficClass(Span<byte> header, byte trafficClass)
    {
        CheckLength(header);
        uint word = BinaryPrimitives.ReadUInt32BigEndian(header);
        word = (word & 0xF00FFFFF) | ((uint)trafficClass << 20);
        BinaryPrimitives.WriteUInt32BigEndian(header, word);
    }

    /// <summary>Sets the ECN bits of the Traffic Class.</summary>
    /// <param name="header">The header bytes (at least 40).</param>
    /// <param name="ecn">0 to 3.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ecn"/> exceeds 3.</exception>
    public static void SetEcn(Span<byte> header, byte ecn)
    {
        if (ecn > 3)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(ecn), "ECN is a 2-bit field (0 to 3).");
        }

        CheckLength(header);
        byte trafficClass = (byte)(BinaryPrimitives.ReadUInt32BigEndian(header) >> 20);
        SetTrafficClass(header, (byte)((trafficClass & 0xFC) | ecn));
    }

    /// <summary>Sets the DSCP bits of the Traffic Class.</summary>
    /// <param name="header">The header bytes (at least 40).</param>
    /// <param name="dscp">0 to 63.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dscp"/> exceeds 63.</exception>
    public static void SetDscp(Span<byte> header, byte dscp)
    {
        if (dscp > 63)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(dscp), "DSCP is a 6-bit field (0 to 63).");
        }

        CheckLength(header);
        byte trafficClass = (byte)(BinaryPrimitives.ReadUInt32BigEndian(header) >> 20);
        SetTrafficClass(header, (byte)((trafficClass & 3) | (dscp << 2)));
    }

    /// <summary>Sets Flow Label.</summary>
    /// <param name="header">The header bytes (at least 40).</param>
    /// <param name="flowLabel">0 to 0xFFFFF.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="flowLabel"/> exceeds 20 bits.</exception>
    public static void SetFlowLabel(Span<byte> header, uint flowLabel)
    {
        if (flowLabel > IPv6Header.MaxFlowLabel)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(flowLabel), "The flow label is a 20-bit field.");
        }

        CheckLength(header);
        uint word = BinaryPrimitives.ReadUInt32BigEndian(header);
        BinaryPrimitives.WriteUInt32BigEndian(header, (word & ~IPv6Header.MaxFlowLabel) | flowLabel);
    }

    private static void CheckLength(Span<byte> header)
    {
        if (header.Length < IPv6Header.Length)
        {
            ThrowHelper.ThrowArgument("An IPv6 header is 40 bytes.", nameof(header));
        }
    }
}
