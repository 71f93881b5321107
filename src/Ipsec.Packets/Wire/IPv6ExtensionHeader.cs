namespace Ipsec.Packets.Wire;

/// <summary>
/// One IPv6 extension header found by <see cref="IPv6ExtensionHeaderWalker"/>: where it is, how long it is, and which
/// byte points at it. Offsets count from the first byte of the IPv6 fixed header.
/// </summary>
public readonly struct IPv6ExtensionHeader
{
    internal IPv6ExtensionHeader(IPProtocol type, int offset, int length, int nextHeaderFieldOffset, IPProtocol nextHeader)
    {
        Type = type;
        Offset = offset;
        Length = length;
        NextHeaderFieldOffset = nextHeaderFieldOffset;
        NextHeader = nextHeader;
    }

    /// <summary>The header type: <see cref="IPProtocol.HopByHop"/>, <see cref="IPProtocol.Routing"/>,
    /// <see cref="IPProtocol.Fragment"/>, <see cref="IPProtocol.DestinationOptions"/> or <see cref="IPProtocol.Ah"/>.</summary>
    public IPProtocol Type { get; }

    /// <summary>The offset of the header's first byte (its own Next Header field) from the start of the packet.</summary>
    public int Offset { get; }

    /// <summary>
    /// The header length in bytes: (Hdr Ext Len + 1) × 8 for hop-by-hop, routing and destination options; 8 for fragment;
    /// (Payload Len + 2) × 4 for AH.
    /// </summary>
    public int Length { get; }

    /// <summary>
    /// The offset of the Next Header byte that names this header: 6 (the fixed header's) for the first one, otherwise the
    /// first byte of the previous extension header. Rewrite it to insert a header before this one.
    /// </summary>
    public int NextHeaderFieldOffset { get; }

    /// <summary>The type of the header that follows this one (this header's Next Header field).</summary>
    public IPProtocol NextHeader { get; }
}
