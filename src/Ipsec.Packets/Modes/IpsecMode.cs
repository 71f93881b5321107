namespace Ipsec.Packets;

/// <summary>How an SA wraps traffic (RFC 4301 §4.1).</summary>
public enum IpsecMode
{
    /// <summary>Between two hosts: ESP goes after the IP header (and the IPv6 extension headers before it) of the original packet.</summary>
    Transport,

    /// <summary>Between gateways: the whole inner packet is the payload, under a new outer IP header.</summary>
    Tunnel,
}
