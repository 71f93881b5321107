using System;

namespace Ipsec.Packets.Wire;

/// <summary>
/// Where a transport-mode ESP (RFC 4303 §3.1.1) or AH (RFC 4302 §3.1.1) header goes in an IPv6 packet: after the
/// hop-by-hop, routing and fragment headers, and after destination options headers per
/// <see cref="IPv6DestinationOptionsPlacement"/>.
/// </summary>
public readonly struct IPv6InsertionPoint
{
    private IPv6InsertionPoint(int offset, int nextHeaderFieldOffset, IPProtocol nextHeader)
    {
        Offset = offset;
        NextHeaderFieldOffset = nextHeaderFieldOffset;
        NextHeader = nextHeader;
    }

    /// <summary>The offset, from the start of the packet, at which the security header is inserted.</summary>
    public int Offset { get; }

    /// <summary>
    /// The offset of the Next Header byte to rewrite to ESP (50) or AH (51): 6 when no extension header stays before the
    /// security header, otherwise the first byte of the last one that does.
    /// </summary>
    public int NextHeaderFieldOffset { get; }

    /// <summary>The value that byte holds now: it goes into the ESP trailer's or the AH header's Next Header.</summary>
    public IPProtocol NextHeader { get; }

    /// <summary>Finds the transport-mode insertion point in an IPv6 packet.</summary>
    /// <param name="packet">The IPv6 packet, cut at 40 + Payload Length.</param>
    /// <param name="point">The insertion point, or <see langword="default"/> on failure.</param>
    /// <param name="placement">Which side of a trailing destination options header the security header goes.</param>
    /// <returns>
    /// <see langword="false"/> when the packet is shorter than 40 bytes or its extension-header chain is truncated,
    /// malformed or longer than <see cref="IPv6ExtensionHeaderWalker.MaxHeaderCount"/>.
    /// </returns>
    public static bool TryFind(ReadOnlySpan<byte> packet, out IPv6InsertionPoint point,
        IPv6DestinationOptionsPlacement placement = IPv6DestinationOptionsPlacement.BeforeSecurityHeader)
    {
        point = default;
        var walker = new IPv6ExtensionHeaderWalker(packet);
        if (walker.Status != IPv6ExtensionHeaderWalkStatus.InProgress)
        {
            return false;
        }

        int offset = IPv6Header.Length;
        int fieldOffset = IPv6Header.Field.NextHeader;
        IPProtocol nextHeader = (IPProtocol)packet[fieldOffset];

        // A trailing destination options header that may move after the security header.
        bool pending = false;
        int pendingOffset = 0, pendingField = 0;
        IPProtocol pendingNext = 0;
        bool stopped = false;

        while (walker.TryNext(out IPv6ExtensionHeader header))
        {
            if (stopped)
            {
                continue;
            }

            switch (header.Type)
            {
                case IPProtocol.HopByHop:
                case IPProtocol.Routing:
                case IPProtocol.Fragment:
                    // Destination options followed by any of these stay before the security header.
                    pending = false;
                    break;
                case IPProtocol.DestinationOptions:
                    if (!pending)
                    {
                        pending = true;
                        pendingOffset = header.Offset;
                        pendingField = header.NextHeaderFieldOffset;
                        pendingNext = header.Type;
                    }

                    break;
                default:
                    // An AH already present: the new header goes before it. Keep walking to validate the chain.
                    stopped = true;
                    continue;
            }

            offset = header.Offset + header.Length;
            fieldOffset = header.Offset;
            nextHeader = header.NextHeader;
        }

        if (walker.Status != IPv6ExtensionHeaderWalkStatus.Complete)
        {
            return false;
        }

        point = placement == IPv6DestinationOptionsPlacement.AfterSecurityHeader && pending
            ? new IPv6InsertionPoint(pendingOffset, pendingField, pendingNext)
            : new IPv6InsertionPoint(offset, fieldOffset, nextHeader);
        return true;
    }
}
