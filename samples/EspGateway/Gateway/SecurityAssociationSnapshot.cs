using System;
using Ipsec.Packets;

namespace EspGateway.Gateway;

/// <summary>An immutable view of the SAs in use, read by the workers without locks: inbound SAs by SPI, the outbound SA,
/// and the inner MTU that the outbound SA leaves under the path MTU.</summary>
internal sealed class SecurityAssociationSnapshot
{
    /// <summary>Outer IPv4 header and UDP header.</summary>
    private const int OuterOverheadIPv4 = 20 + 8;

    public static readonly SecurityAssociationSnapshot Empty = new([], null, 1500);

    private readonly uint[] _inboundSpis;
    private readonly EspSecurityAssociation[] _inbound;

    public SecurityAssociationSnapshot(EspProcessor[] inbound, EspProcessor? outbound, int pathMtu)
    {
        _inboundSpis = new uint[inbound.Length];
        _inbound = new EspSecurityAssociation[inbound.Length];
        for (int i = 0; i < inbound.Length; i++)
        {
            _inboundSpis[i] = inbound[i].Spi;
            _inbound[i] = inbound[i].SecurityAssociation;
        }

        Outbound = outbound?.SecurityAssociation;
        InnerMtu = Outbound is null ? 0 : ComputeInnerMtu(Outbound, pathMtu - OuterOverheadIPv4);
    }

    public EspSecurityAssociation? Outbound { get; }

    /// <summary>The largest inner IP packet whose ESP-in-UDP packet fits the path MTU.</summary>
    public int InnerMtu { get; }

    public EspSecurityAssociation? FindInbound(uint spi)
    {
        uint[] spis = _inboundSpis;
        for (int i = 0; i < spis.Length; i++)
        {
            if (spis[i] == spi)
            {
                return _inbound[i];
            }
        }

        return null;
    }

    private static int ComputeInnerMtu(EspSecurityAssociation sa, int espBudget)
    {
        int inner = espBudget;
        while (inner > 0 && sa.GetProtectedLength(inner, 4) > espBudget)
        {
            inner--;
        }

        return Math.Max(inner, 0);
    }
}
