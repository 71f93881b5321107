namespace Ipsec.Packets;

/// <summary>What one RFC 8229 frame on a TCP-encapsulation stream carries.</summary>
public enum EspInTcpFrameKind
{
    /// <summary>An ESP packet, from the SPI to the ICV.</summary>
    Esp,

    /// <summary>An IKE message (the 4-octet non-ESP marker already removed).</summary>
    Ike,

    /// <summary>A one-octet 0xFF NAT-keepalive; carries nothing and is dropped.</summary>
    Keepalive,
}
