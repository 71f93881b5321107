namespace Ipsec.Packets.Wire;

/// <summary>
/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used in the IPv4 Protocol field, the IPv6 Next Header
/// field, the extension-header chain, the ESP trailer and the AH Next Header field.
/// </summary>
public enum IPProtocol : byte
{
    /// <summary>IPv6 Hop-by-Hop Options header (RFC 8200 §4.3).</summary>
    HopByHop = 0,

    /// <summary>Internet Control Message Protocol (RFC 792).</summary>
    Icmp = 1,

    /// <summary>IPv4 encapsulation (IP-in-IP, RFC 2003); the next header of an IPv4 tunnel-mode ESP/AH payload.</summary>
    IPv4 = 4,

    /// <summary>Transmission Control Protocol (RFC 9293).</summary>
    Tcp = 6,

    /// <summary>User Datagram Protocol (RFC 768).</summary>
    Udp = 17,

    /// <summary>IPv6 encapsulation (RFC 2473); the next header of an IPv6 tunnel-mode ESP/AH payload.</summary>
    IPv6 = 41,

    /// <summary>IPv6 Routing header (RFC 8200 §4.4).</summary>
    Routing = 43,

    /// <summary>IPv6 Fragment header (RFC 8200 §4.5).</summary>
    Fragment = 44,

    /// <summary>Encapsulating Security Payload (RFC 4303).</summary>
    Esp = 50,

    /// <summary>Authentication Header (RFC 4302).</summary>
    Ah = 51,

    /// <summary>ICMP for IPv6 (RFC 4443).</summary>
    IcmpV6 = 58,

    /// <summary>No Next Header for IPv6 (RFC 8200 §4.7); also the ESP dummy-packet next header (RFC 4303 §2.6).</summary>
    NoNextHeader = 59,

    /// <summary>IPv6 Destination Options header (RFC 8200 §4.6).</summary>
    DestinationOptions = 60,
}
