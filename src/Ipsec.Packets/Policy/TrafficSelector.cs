using System;
using System.Runtime.CompilerServices;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets;

/// <summary>
/// The selectors of one SPD entry (RFC 4301 §4.4.1.1): local and remote address ranges, next layer protocol and
/// local and remote port ranges (ICMP and ICMPv6: (type &lt;&lt; 8) | code). Every property defaults to "any".
/// Immutable once built.
/// </summary>
public sealed class TrafficSelector
{
    private readonly PortRange _localPorts;
    private readonly PortRange _remotePorts;

    /// <summary>Matches every packet.</summary>
    public static TrafficSelector Any { get; } = new();

    /// <summary>The local address range (the source of outbound packets, the destination of inbound ones).</summary>
    public IPAddressRange LocalAddress { get; init; }

    /// <summary>The remote address range.</summary>
    public IPAddressRange RemoteAddress { get; init; }

    /// <summary>The next layer protocol, or null for any.</summary>
    public byte? Protocol { get; init; }

    /// <summary>
    /// The local ports (or ICMP type and code). Anything but <see cref="PortRange.Any"/> needs a <see cref="Protocol"/> that has
    /// ports: TCP, UDP, SCTP, DCCP, UDP-Lite, ICMP, ICMPv6 or Mobility Header.
    /// </summary>
    /// <exception cref="ArgumentException">The protocol has no ports (checked when the selector is used in a policy).</exception>
    public PortRange LocalPorts
    {
        get => _localPorts;
        init => _localPorts = value;
    }

    /// <summary>The remote ports (or ICMP type and code); the same rule as <see cref="LocalPorts"/>.</summary>
    public PortRange RemotePorts
    {
        get => _remotePorts;
        init => _remotePorts = value;
    }

    /// <summary>Whether the flow matches every selector.</summary>
    /// <param name="flow">The packet's flow.</param>
    /// <returns>True when it does.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in TrafficFlow flow) =>
        RemoteAddress.Contains(flow.Family, flow.Remote) && MatchesExceptRemoteAddress(flow);

    /// <summary>Everything but the remote address, which the policy index has already matched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool MatchesExceptRemoteAddress(in TrafficFlow flow)
    {
        if (Protocol is byte protocol && protocol != flow.Protocol)
        {
            return false;
        }

        if (!LocalAddress.Contains(flow.Family, flow.Local))
        {
            return false;
        }

        if (_localPorts.IsAny && _remotePorts.IsAny)
        {
            return true;
        }

        return flow.HasPorts && _localPorts.Contains(flow.LocalPort) && _remotePorts.Contains(flow.RemotePort);
    }

    /// <summary>Checks the combination of fields; throws a configuration error naming the field.</summary>
    internal void Validate()
    {
        if (!(_localPorts.IsAny && _remotePorts.IsAny) && !(Protocol is byte p && TrafficFlow.HasPortFields(p)))
        {
            throw new ArgumentException(
                $"LocalPorts/RemotePorts: port ranges need a Protocol with ports (TCP, UDP, SCTP, DCCP, UDP-Lite, ICMP, ICMPv6, MH); got {(Protocol is null ? "any" : Protocol.ToString())}.");
        }

        if (!LocalAddress.IsAny && !RemoteAddress.IsAny && LocalAddress.Family != RemoteAddress.Family)
        {
            throw new ArgumentException("LocalAddress/RemoteAddress: the two ranges are of different families and could never match a packet.");
        }
    }

    /// <summary>Returns e.g. "local 10.0.0.0/8 remote any proto 6 ports any-443".</summary>
    /// <returns>The selector as text.</returns>
    public override string ToString() =>
        $"local {LocalAddress} remote {RemoteAddress} proto {(Protocol is null ? "any" : Protocol.ToString())} ports {LocalPorts}->{RemotePorts}";
}
