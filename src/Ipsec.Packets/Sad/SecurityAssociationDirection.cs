namespace Ipsec.Packets;

/// <summary>Which way a security association carries traffic.</summary>
public enum SecurityAssociationDirection
{
    /// <summary>Packets arriving from the peer: the SPI was chosen by this host.</summary>
    Inbound = 0,

    /// <summary>Packets sent to the peer: the SPI was chosen by the peer.</summary>
    Outbound = 1,
}
