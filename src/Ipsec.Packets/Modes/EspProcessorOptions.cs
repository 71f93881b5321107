using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>How an <see cref="EspProcessor"/> puts IP (and UDP) headers around its SA's ESP packets.</summary>
public sealed class EspProcessorOptions
{
    /// <summary>Transport or tunnel mode. Default tunnel.</summary>
    public IpsecMode Mode { get; init; } = IpsecMode.Tunnel;

    /// <summary>Tunnel mode: the outer source address (IPv4 or IPv6; both endpoints of one family).</summary>
    public IPAddress? TunnelSource { get; init; }

    /// <summary>Tunnel mode: the outer destination address.</summary>
    public IPAddress? TunnelDestination { get; init; }

    /// <summary>Tunnel mode: the outer TTL (IPv4) or hop limit (IPv6). Default 64.</summary>
    public byte HopLimit { get; init; } = 64;

    /// <summary>Tunnel mode over IPv4: the outer DF bit. Default copy from the inner packet.</summary>
    public DontFragmentPolicy DontFragment { get; init; } = DontFragmentPolicy.Copy;

    /// <summary>Tunnel mode: copy the inner DSCP to the outer header (RFC 2983 uniform model). Default true.</summary>
    public bool CopyDscp { get; init; } = true;

    /// <summary>Tunnel mode over IPv6: copy an inner IPv6 flow label to the outer header; otherwise the outer label is 0.</summary>
    public bool CopyFlowLabel { get; init; }

    /// <summary>Carry ESP in UDP (RFC 3948, NAT traversal).</summary>
    public bool UdpEncapsulation { get; init; }

    /// <summary>The UDP source port with <see cref="UdpEncapsulation"/>. Default 4500.</summary>
    public ushort UdpSourcePort { get; init; } = Wire.UdpEncapsulation.Port;

    /// <summary>The UDP destination port with <see cref="UdpEncapsulation"/>; inbound, ESP is accepted on this port at either end. Default 4500.</summary>
    public ushort UdpDestinationPort { get; init; } = Wire.UdpEncapsulation.Port;

    /// <summary>
    /// Transport mode with UDP encapsulation, inbound: the peer's original (pre-NAT) source address (NAT-OA, RFC 3948 §3.1.2).
    /// With both original addresses set, the inner TCP/UDP checksum is corrected incrementally; otherwise it is left
    /// as received and the result says it is unverified.
    /// </summary>
    public IPAddress? NatOriginalSource { get; init; }

    /// <summary>Transport mode with UDP encapsulation, inbound: our own original (pre-NAT) destination address (NAT-OA).</summary>
    public IPAddress? NatOriginalDestination { get; init; }

    /// <summary>The largest packet to emit, in bytes; a larger one is refused with <see cref="IpsecStatus.MtuExceeded"/>. 0 for no limit.</summary>
    public int Mtu { get; init; }

    /// <summary>
    /// The SA's traffic selectors (RFC 4301 §4.4.1): after unprotecting, the packet (the inner packet in tunnel mode) must
    /// match one of them, with its destination as the local side; otherwise it is dropped with
    /// <see cref="IpsecStatus.PolicyMismatch"/> and counted (RFC 4301 §5.2). Null or empty: no check here (an
    /// <see cref="IpsecPacketProcessor"/> checks the policy the SA was installed for instead).
    /// </summary>
    public IReadOnlyList<TrafficSelector>? TrafficSelectors { get; init; }

    /// <summary>Transport mode over IPv6: where a destination options header with no routing header after it goes. Default before ESP, as Linux does.</summary>
    public IPv6DestinationOptionsPlacement DestinationOptionsPlacement { get; init; }
}
