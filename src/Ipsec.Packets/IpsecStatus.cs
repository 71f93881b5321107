namespace Ipsec.Packets;

/// <summary>
/// The outcome of processing one packet. Bytes from the network never raise exceptions: every way a packet can
/// fail is one of these values, and on any value other than <see cref="Success"/> the security association's
/// state is exactly as it was and any output written has been cleared.
/// </summary>
public enum IpsecStatus
{
    /// <summary>The packet was processed.</summary>
    Success = 0,

    /// <summary>The packet is shorter than its headers, IV, trailer or ICV require.</summary>
    Truncated,

    /// <summary>A header field is inconsistent (a length that disagrees with the buffer, a bad alignment, a bad checksum, ...).</summary>
    Malformed,

    /// <summary>No security association matches the packet's SPI (and addresses, where the lookup uses them).</summary>
    UnknownSpi,

    /// <summary>The sequence number was already received or lies left of the anti-replay window.</summary>
    Replayed,

    /// <summary>The ICV does not verify: the packet was forged, corrupted or protected with another key.</summary>
    AuthenticationFailed,

    /// <summary>The ICV verified but the decrypted padding is not 1, 2, 3, ... or the pad length exceeds the payload.</summary>
    BadPadding,

    /// <summary>The outbound sequence number space is used up; the SA must be rekeyed (sequence numbers never wrap).</summary>
    SequenceExhausted,

    /// <summary>The destination buffer is too small for the result; nothing was consumed.</summary>
    DestinationTooSmall,

    /// <summary>A valid dummy packet (Next Header 59, RFC 4303 §2.6): authenticated, counted and dropped.</summary>
    DummyPacket,

    /// <summary>The decapsulated packet does not match the SA's traffic selectors (RFC 4301 §5.2).</summary>
    PolicyMismatch,

    /// <summary>The outer packet is an IP fragment; the caller must reassemble it first.</summary>
    Fragment,

    /// <summary>The protected packet would exceed the configured MTU.</summary>
    MtuExceeded,

    /// <summary>The packet is not IPsec (or not for this processor): for example an IKE message or NAT keepalive on UDP 4500.</summary>
    NotIpsec,

    /// <summary>The security association has passed its hard lifetime and no longer processes packets.</summary>
    SaExpired,

    /// <summary>The packet's next-header or protocol value cannot be processed in this mode.</summary>
    UnsupportedProtocol,

    /// <summary>Dropped at tunnel decapsulation by RFC 6040 §4.2: the outer header says CE but the inner packet is Not-ECT.</summary>
    EcnDrop,

    /// <summary>The policy database says BYPASS: the packet passes unprotected and unchanged.</summary>
    Bypassed,

    /// <summary>The policy database says DISCARD, or no policy matches the packet (RFC 4301 §5.1).</summary>
    Discarded,

    /// <summary>A PROTECT policy matched but no outbound SA is installed for it yet (IKE must negotiate one).</summary>
    NoSecurityAssociation,
}
