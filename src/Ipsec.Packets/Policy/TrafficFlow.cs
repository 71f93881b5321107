using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets;

/// <summary>
/// The selector values of one packet, in the local/remote terms of RFC 4301 §4.4.1: addresses, IP protocol and ports.
/// For ICMP and ICMPv6 both port fields carry (type &lt;&lt; 8) | code, and for the IPv6 Mobility Header the MH type
/// &lt;&lt; 8 (RFC 4301 §4.4.1.1), so a selector may constrain either field. When the ports are not available (a non-initial fragment, or a protocol without ports) <see cref="HasPorts"/>
/// is false and the flow matches only selectors whose ports are <see cref="PortRange.Any"/> (RFC 4301's OPAQUE).
/// </summary>
/// <remarks>Built on the data path without allocating: addresses arrive as 4- or 16-byte spans.</remarks>
public readonly struct TrafficFlow
{
    private TrafficFlow(byte family, UInt128 local, UInt128 remote, byte protocol, ushort localPort, ushort remotePort, bool hasPorts)
    {
        Family = family;
        Local = local;
        Remote = remote;
        Protocol = protocol;
        LocalPort = localPort;
        RemotePort = remotePort;
        HasPorts = hasPorts;
    }

    /// <summary>The IP protocol (next layer protocol) number.</summary>
    public byte Protocol { get; }

    /// <summary>The local port, or for ICMP (type &lt;&lt; 8) | code; 0 when <see cref="HasPorts"/> is false.</summary>
    public ushort LocalPort { get; }

    /// <summary>The remote port, or for ICMP (type &lt;&lt; 8) | code; 0 when <see cref="HasPorts"/> is false.</summary>
    public ushort RemotePort { get; }

    /// <summary>False when the ports are unavailable (OPAQUE): non-initial fragments and protocols without ports.</summary>
    public bool HasPorts { get; }

    /// <summary>The address family of the flow.</summary>
    public AddressFamily AddressFamily => Family == AddressValue.IPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    /// <summary>The local address (allocates; for diagnostics).</summary>
    public IPAddress LocalAddress => AddressValue.ToIPAddress(Family, Local);

    /// <summary>The remote address (allocates; for diagnostics).</summary>
    public IPAddress RemoteAddress => AddressValue.ToIPAddress(Family, Remote);

    internal byte Family { get; }

    internal UInt128 Local { get; }

    internal UInt128 Remote { get; }

    /// <summary>A flow of a protocol that has ports (TCP, UDP, SCTP, DCCP, UDP-Lite) or any other protocol with explicit port values.</summary>
    /// <param name="localAddress">The local address, 4 or 16 bytes.</param>
    /// <param name="remoteAddress">The remote address, of the same length.</param>
    /// <param name="protocol">The IP protocol number.</param>
    /// <param name="localPort">The local port.</param>
    /// <param name="remotePort">The remote port.</param>
    /// <returns>The flow.</returns>
    /// <exception cref="ArgumentException">An address is not 4 or 16 bytes, or the two differ in family.</exception>
    public static TrafficFlow Create(ReadOnlySpan<byte> localAddress, ReadOnlySpan<byte> remoteAddress, byte protocol, ushort localPort, ushort remotePort)
    {
        byte family = ReadPair(localAddress, remoteAddress, out UInt128 local, out UInt128 remote);
        return new TrafficFlow(family, local, remote, protocol, localPort, remotePort, true);
    }

    /// <summary>A flow whose ports are unavailable: a protocol without ports, or a non-initial fragment (OPAQUE).</summary>
    /// <param name="localAddress">The local address, 4 or 16 bytes.</param>
    /// <param name="remoteAddress">The remote address, of the same length.</param>
    /// <param name="protocol">The IP protocol number.</param>
    /// <returns>The flow.</returns>
    /// <exception cref="ArgumentException">An address is not 4 or 16 bytes, or the two differ in family.</exception>
    public static TrafficFlow CreateWithoutPorts(ReadOnlySpan<byte> localAddress, ReadOnlySpan<byte> remoteAddress, byte protocol)
    {
        byte family = ReadPair(localAddress, remoteAddress, out UInt128 local, out UInt128 remote);
        return new TrafficFlow(family, local, remote, protocol, 0, 0, false);
    }

    /// <summary>An ICMP (IPv4) or ICMPv6 (IPv6) flow; the protocol follows from the address family.</summary>
    /// <param name="localAddress">The local address, 4 or 16 bytes.</param>
    /// <param name="remoteAddress">The remote address, of the same length.</param>
    /// <param name="type">The ICMP message type.</param>
    /// <param name="code">The ICMP code.</param>
    /// <returns>The flow, with (type &lt;&lt; 8) | code in both port fields.</returns>
    /// <exception cref="ArgumentException">An address is not 4 or 16 bytes, or the two differ in family.</exception>
    public static TrafficFlow CreateIcmp(ReadOnlySpan<byte> localAddress, ReadOnlySpan<byte> remoteAddress, byte type, byte code)
    {
        byte family = ReadPair(localAddress, remoteAddress, out UInt128 local, out UInt128 remote);
        ushort value = (ushort)((type << 8) | code);
        return new TrafficFlow(family, local, remote, family == AddressValue.IPv4 ? Protocols.Icmp : Protocols.Icmpv6, value, value, true);
    }

    /// <summary>
    /// Reads the flow of an IPv4 or IPv6 packet: addresses, protocol (after IPv6 extension headers) and ports or ICMP type and code.
    /// </summary>
    /// <param name="packet">The packet from its IP header on (for the inbound check: the decapsulated inner packet).</param>
    /// <param name="outbound">True when the packet leaves this host (source is local); false when it arrives (destination is local).</param>
    /// <param name="flow">The flow; default on failure.</param>
    /// <returns>
    /// False when the bytes are not a well-formed IP header, or an initial fragment or unfragmented packet is too short
    /// for its ports or ICMP type and code. Never throws.
    /// </returns>
    public static bool TryParse(ReadOnlySpan<byte> packet, bool outbound, out TrafficFlow flow)
    {
        flow = default;
        if (packet.IsEmpty)
        {
            return false;
        }

        byte family;
        UInt128 source;
        UInt128 destination;
        byte protocol;
        int offset;
        bool laterFragment = false;
        switch (packet[0] >> 4)
        {
            case 4:
            {
                int headerLength = (packet[0] & 0x0F) * 4;
                if (headerLength < 20 || packet.Length < headerLength)
                {
                    return false;
                }

                family = AddressValue.IPv4;
                protocol = packet[9];
                source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
                destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
                laterFragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1FFF) != 0;
                offset = headerLength;
                break;
            }

            case 6:
            {
                if (packet.Length < 40)
                {
                    return false;
                }

                family = AddressValue.IPv6;
                AddressValue.Read(packet.Slice(8, 16), out source, nameof(packet));
                AddressValue.Read(packet.Slice(24, 16), out destination, nameof(packet));
                protocol = packet[6];
                offset = 40;
                if (!SkipIPv6ExtensionHeaders(packet, ref protocol, ref offset, ref laterFragment))
                {
                    return false;
                }

                break;
            }

            default:
                return false;
        }

        UInt128 local = outbound ? source : destination;
        UInt128 remote = outbound ? destination : source;
        if (laterFragment || !HasPortFields(protocol))
        {
            flow = new TrafficFlow(family, local, remote, protocol, 0, 0, false);
            return true;
        }

        ReadOnlySpan<byte> transport = packet[offset..];
        if (protocol is Protocols.Icmp or Protocols.Icmpv6)
        {
            if (transport.Length < 2)
            {
                return false;
            }

            ushort value = BinaryPrimitives.ReadUInt16BigEndian(transport);
            flow = new TrafficFlow(family, local, remote, protocol, value, value, true);
            return true;
        }

        if (protocol == Protocols.MobilityHeader)
        {
            // RFC 4301 §4.4.1.1: the MH type in the high byte of the local port selector, the low byte zero.
            if (transport.Length < 3)
            {
                return false;
            }

            ushort mhType = (ushort)(transport[2] << 8);
            flow = new TrafficFlow(family, local, remote, protocol, mhType, mhType, true);
            return true;
        }

        if (transport.Length < 4)
        {
            return false;
        }

        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
        flow = outbound
            ? new TrafficFlow(family, local, remote, protocol, sourcePort, destinationPort, true)
            : new TrafficFlow(family, local, remote, protocol, destinationPort, sourcePort, true);
        return true;
    }

    /// <summary>Whether RFC 4301 selects on ports (or ICMP type and code) for this protocol.</summary>
    internal static bool HasPortFields(byte protocol) => protocol is Protocols.Tcp or Protocols.Udp or Protocols.Sctp or Protocols.Dccp
        or Protocols.UdpLite or Protocols.Icmp or Protocols.Icmpv6 or Protocols.MobilityHeader;

    private static bool SkipIPv6ExtensionHeaders(ReadOnlySpan<byte> packet, ref byte protocol, ref int offset, ref bool laterFragment)
    {
        // Bounded: each header is at least 8 bytes, so a packet can hold only so many.
        for (int i = 0; i < 16; i++)
        {
            switch (protocol)
            {
                case 0: // Hop-by-Hop Options
                case 43: // Routing
                case 60: // Destination Options
                    if (packet.Length < offset + 8)
                    {
                        return false;
                    }

                    protocol = packet[offset];
                    offset += (packet[offset + 1] + 1) * 8;
                    break;
                case 44: // Fragment
                    if (packet.Length < offset + 8)
                    {
                        return false;
                    }

                    protocol = packet[offset];
                    laterFragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) >> 3) != 0;
                    offset += 8;
                    if (laterFragment)
                    {
                        return true;
                    }

                    break;
                default:
                    return offset <= packet.Length;
            }
        }

        return false;
    }

    private static byte ReadPair(ReadOnlySpan<byte> localAddress, ReadOnlySpan<byte> remoteAddress, out UInt128 local, out UInt128 remote)
    {
        byte family = AddressValue.Read(localAddress, out local, nameof(localAddress));
        if (AddressValue.Read(remoteAddress, out remote, nameof(remoteAddress)) != family)
        {
            Internal.ThrowHelper.ThrowArgument("The local and remote addresses must be of the same family.", nameof(remoteAddress));
        }

        return family;
    }

    /// <summary>Returns e.g. "udp 192.0.2.1:500 -> 198.51.100.7:500".</summary>
    /// <returns>The flow as text.</returns>
    public override string ToString() => HasPorts
        ? $"proto {Protocol} {LocalAddress}:{LocalPort} -> {RemoteAddress}:{RemotePort}"
        : $"proto {Protocol} {LocalAddress} -> {RemoteAddress}";
}
