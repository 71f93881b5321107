namespace Ipsec.Packets.Wire;

/// <summary>What a UDP-encapsulated (RFC 3948) datagram on the NAT-T port carries.</summary>
public enum UdpEncapsulatedKind
{
    /// <summary>Too short or otherwise not any of the forms below: drop it.</summary>
    Malformed = 0,

    /// <summary>An ESP packet: a non-zero SPI in the first four bytes and at least the 8 bytes of SPI and sequence number.</summary>
    Esp,

    /// <summary>An IKE message behind the four-byte Non-ESP Marker (four zero bytes, RFC 3948 §2.2).</summary>
    IkeNonEspMarker,

    /// <summary>A NAT-keepalive: exactly one byte, 0xFF (RFC 3948 §2.3).</summary>
    NatKeepalive,
}
