namespace Ipsec.Packets.Wire;

/// <summary>Where an <see cref="IPv6ExtensionHeaderWalker"/> stands.</summary>
public enum IPv6ExtensionHeaderWalkStatus
{
    /// <summary>More headers may follow: call <see cref="IPv6ExtensionHeaderWalker.TryNext"/>.</summary>
    InProgress = 0,

    /// <summary>
    /// The chain ended at a header that is not walked (ESP, No Next Header, an upper-layer protocol, or the data after a
    /// non-first fragment); see <see cref="IPv6ExtensionHeaderWalker.UpperLayerProtocol"/>.
    /// </summary>
    Complete,

    /// <summary>A header runs past the end of the packet (or the packet is shorter than 40 bytes).</summary>
    Truncated,

    /// <summary>A header is invalid where it stands: hop-by-hop not first, or an AH shorter than its 12 fixed bytes.</summary>
    Malformed,

    /// <summary>More than <see cref="IPv6ExtensionHeaderWalker.MaxHeaderCount"/> extension headers.</summary>
    TooManyHeaders,
}
