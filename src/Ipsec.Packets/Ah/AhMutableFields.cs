using System;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Ah;

/// <summary>
/// Puts a stack copy of the IP headers before AH into the form the ICV covers (RFC 4302 §3.3.3.1): mutable fields
/// zeroed, mutable-but-predictable fields set to the values they will have at the final destination.
/// </summary>
/// <remarks>
/// <para>IPv4 (§3.3.3.1.1 and Appendix A.1): TOS, flags and fragment offset, TTL and header checksum are zeroed. Options
/// EOL, NOP, Security (130), Extended Security (133), Commercial Security (134), Router Alert (148) and SDMDD (149) are
/// immutable; every other option is zeroed whole, type and length included. With a loose or strict source route (131,
/// 137) the destination address is predictable: the last address of the route, where the packet ends up.</para>
/// <para>IPv6 (§3.3.3.1.2 and Appendix A.2): traffic class, flow label and hop limit are zeroed; in hop-by-hop and
/// destination options headers the data of every option whose type has the 0x20 "may change en route" bit is zeroed.
/// Routing headers are shown as they arrive at the final destination: type 0 and type 2 (RFC 8200 §4.4, RFC 6275 §6.4)
/// with the address list rotated, the final address in the destination field and Segments Left 0; the Segment Routing
/// Header (type 4, RFC 8754 §2) with Segment List[0] in the destination field, Segments Left 0 and the data of TLVs
/// whose type has the high-order "may change" bit zeroed.</para>
/// </remarks>
internal static class AhMutableFields
{
    private const byte SecurityOption = 130;
    private const byte ExtendedSecurityOption = 133;
    private const byte CommercialSecurityOption = 134;
    private const byte RouterAlertOption = 148;
    private const byte SdmddOption = 149;
    private const byte LooseSourceRouteOption = 131;
    private const byte StrictSourceRouteOption = 137;

    private const byte RoutingType0 = 0;
    private const byte RoutingType2 = 2;
    private const byte SegmentRoutingHeaderType = 4;
    private const int AddressLength = 16;

    /// <summary>Routing header fields (RFC 8200 §4.4; type 0 in RFC 2460 §4.4, type 2 in RFC 6275 §6.4, SRH in RFC 8754 §2).</summary>
    /// <remarks>
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |  Next Header  |  Hdr Ext Len  | Routing Type  | Segments Left |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// | type 0/2: Reserved                                            |
    /// | SRH:  Last Entry   |     Flags     |              Tag         |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |  type 0/2: Address[1..n]; SRH: Segment List[0..Last Entry]    |
    /// |  (16 bytes each), then for SRH optional TLVs                  |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// </remarks>
    private static class RoutingField
    {
        public const int RoutingType = 2;
        public const int SegmentsLeft = 3;

        /// <summary>Types 0 and 2: 4 reserved bytes, then the addresses.</summary>
        public const int Addresses = 8;

        /// <summary>SRH: the index of the last element of the Segment List.</summary>
        public const int LastEntry = 4;

        /// <summary>SRH: Segment List[0] (the last segment) onwards.</summary>
        public const int SegmentList = 8;
    }

    /// <summary>Zeroes the mutable fields of an IPv4 header copy (20 to 60 bytes, options included).</summary>
    /// <returns>False when the options are malformed.</returns>
    public static bool TryZeroIPv4(Span<byte> header)
    {
        header[IPv4Header.Field.Tos] = 0;
        header[IPv4Header.Field.FlagsFragmentOffset] = 0;
        header[IPv4Header.Field.FlagsFragmentOffset + 1] = 0;
        header[IPv4Header.Field.TimeToLive] = 0;
        header[IPv4Header.Field.HeaderChecksum] = 0;
        header[IPv4Header.Field.HeaderChecksum + 1] = 0;
        Span<byte> options = header[IPv4Header.Field.Options..];
        var reader = new IPv4OptionReader(options);
        while (reader.TryReadNext(out IPv4Option option))
        {
            if (option.Type is IPv4Option.NoOperationType or SecurityOption or ExtendedSecurityOption or CommercialSecurityOption
                or RouterAlertOption or SdmddOption)
            {
                continue;
            }

            Span<byte> whole = options.Slice(option.Offset, option.Length);
            if (option.Type is LooseSourceRouteOption or StrictSourceRouteOption && option.Length >= 3 + 4)
            {
                // Length, pointer, then the route; its last address is the final destination (RFC 791).
                int routeLength = (option.Length - 3) & ~3;
                whole.Slice(3 + routeLength - 4, 4).CopyTo(header[IPv4Header.Field.Destination..]);
            }

            whole.Clear();
        }

        return !reader.IsMalformed;
    }

    /// <summary>
    /// Zeroes the mutable fields of an IPv6 header copy and of the extension headers in it, which must run exactly to the
    /// end of <paramref name="headers"/> (where AH follows).
    /// </summary>
    /// <returns>
    /// False when an extension header is malformed (including a type 0/2 routing header with an odd length or more segments
    /// left than addresses, and an SRH with more segments left than entries), the chain does not end at the end of the copy,
    /// or a routing header of an unknown type still has segments left.
    /// </returns>
    public static bool TryZeroIPv6(Span<byte> headers)
    {
        headers[0] = 0x60;
        headers[1] = 0;
        headers[2] = 0;
        headers[3] = 0;
        headers[IPv6Header.Field.HopLimit] = 0;
        int end = IPv6Header.Length;
        var walker = new IPv6ExtensionHeaderWalker(headers);
        while (end < headers.Length && walker.TryNext(out IPv6ExtensionHeader header))
        {
            Span<byte> extension = headers.Slice(header.Offset, header.Length);
            end = header.Offset + header.Length;
            switch (header.Type)
            {
                case IPProtocol.HopByHop:
                case IPProtocol.DestinationOptions:
                    if (!TryZeroOptions(extension))
                    {
                        return false;
                    }

                    break;
                case IPProtocol.Routing:
                    if (!TryPredictRouting(headers, extension))
                    {
                        return false;
                    }

                    break;
                case IPProtocol.Fragment:
                    break;
                default:
                    return false; // another AH before the one being processed: not supported
            }
        }

        return end == headers.Length;
    }

    private static bool TryZeroOptions(Span<byte> extension)
    {
        var reader = new IPv6OptionReader(extension);
        while (reader.TryReadNext(out IPv6Option option))
        {
            if (option.MayChangeEnRoute)
            {
                extension.Slice(option.DataOffset, option.Length - 2).Clear();
            }
        }

        return !reader.IsMalformed;
    }

    private static bool TryPredictRouting(Span<byte> headers, Span<byte> routing)
    {
        int segmentsLeft = routing[RoutingField.SegmentsLeft];
        Span<byte> destination = headers.Slice(IPv6Header.Field.Destination, AddressLength);
        switch (routing[RoutingField.RoutingType])
        {
            case RoutingType0:
            case RoutingType2:
            {
                // Hdr Ext Len counts 8-byte units after the first 8 bytes: two per address.
                int count = routing[1] / 2;
                if ((routing[1] & 1) != 0 || segmentsLeft > count || (routing.Length - RoutingField.Addresses) < count * AddressLength)
                {
                    return false;
                }

                if (segmentsLeft == 0)
                {
                    return true;
                }

                // RFC 8200 §4.4: each hop swaps the destination with Address[n - SegmentsLeft + 1]. At the final
                // destination the list holds the destination and the addresses visited so far, in order, and the
                // destination field the last address.
                Span<byte> addresses = routing.Slice(RoutingField.Addresses, count * AddressLength);
                int visited = count - segmentsLeft;
                Span<byte> final = stackalloc byte[AddressLength];
                addresses[((count - 1) * AddressLength)..].CopyTo(final);
                addresses.Slice(visited * AddressLength, (segmentsLeft - 1) * AddressLength).CopyTo(addresses[((visited + 1) * AddressLength)..]);
                destination.CopyTo(addresses[(visited * AddressLength)..]);
                final.CopyTo(destination);
                routing[RoutingField.SegmentsLeft] = 0;
                return true;
            }

            case SegmentRoutingHeaderType:
            {
                int entries = routing[RoutingField.LastEntry] + 1;
                int tlvStart = RoutingField.SegmentList + (entries * AddressLength);
                if (tlvStart > routing.Length || segmentsLeft > entries)
                {
                    return false;
                }

                // RFC 8754 §4.3: the destination is always the active segment, Segment List[Segments Left]; the list
                // itself never changes. At the final destination that is Segment List[0].
                routing.Slice(RoutingField.SegmentList, AddressLength).CopyTo(destination);
                routing[RoutingField.SegmentsLeft] = 0;
                return TryZeroSrhTlvs(routing[tlvStart..]);
            }

            default:
                // Unknown routing types cannot be predicted; with no segments left they arrive as they are.
                return segmentsLeft == 0;
        }
    }

    /// <summary>RFC 8754 §2.1: TLVs whose type has the high-order bit set may change en route; their data is zeroed.</summary>
    private static bool TryZeroSrhTlvs(Span<byte> tlvs)
    {
        const byte Pad1 = 0;
        const byte MayChangeFlag = 0x80;
        int offset = 0;
        while (offset < tlvs.Length)
        {
            byte type = tlvs[offset];
            if (type == Pad1)
            {
                offset++;
                continue;
            }

            if (tlvs.Length - offset < 2 || tlvs[offset + 1] + 2 > tlvs.Length - offset)
            {
                return false;
            }

            int dataLength = tlvs[offset + 1];
            if ((type & MayChangeFlag) != 0)
            {
                tlvs.Slice(offset + 2, dataLength).Clear();
            }

            offset += 2 + dataLength;
        }

        return true;
    }
}
