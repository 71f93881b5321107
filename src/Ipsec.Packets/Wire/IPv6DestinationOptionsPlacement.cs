namespace Ipsec.Packets.Wire;

/// <summary>
/// Where a transport-mode ESP or AH header goes relative to a destination options header that no routing header
/// follows (RFC 4303 §3.1.1 and RFC 4302 §3.1.1 allow either side).
/// </summary>
public enum IPv6DestinationOptionsPlacement
{
    /// <summary>
    /// The security header goes after every destination options header (the options stay in clear text). This is what
    /// the Linux kernel (xfrm) and Scapy do, and the default.
    /// </summary>
    BeforeSecurityHeader = 0,

    /// <summary>
    /// The security header goes before a trailing destination options header (one with no routing header after it), so
    /// ESP encrypts those options. Destination options that precede a routing header stay before it either way.
    /// </summary>
    AfterSecurityHeader = 1,
}
