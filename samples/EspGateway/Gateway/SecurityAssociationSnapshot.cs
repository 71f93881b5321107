using Ipsec.Packets;

namespace EspGateway.Gateway;

/// <summary>An immutable view of the SAs in use, read by the workers without locks: the inbound processors by SPI and
/// the outbound processor (whose remote endpoint is where ESP goes, and whose inner MTU bounds what the tunnel carries).</summary>
internal sealed class SecurityAssociationSnapshot
{
    public static readonly SecurityAssociationSnapshot Empty = new([], null);

    private readonly uint[] _inboundSpis;
    private readonly EspProcessor[] _inbound;

    public SecurityAssociationSnapshot(EspProcessor[] inbound, EspProcessor? outbound)
    {
        _inboundSpis = new uint[inbound.Length];
        _inbound = inbound;
        for (int i = 0; i < inbound.Length; i++)
        {
            _inboundSpis[i] = inbound[i].Spi;
        }

        Outbound = outbound;
        InnerMtu = outbound?.InnerMtu ?? 0;
    }

    public EspProcessor? Outbound { get; }

    /// <summary>The largest inner IP packet whose ESP-in-UDP datagram fits the path MTU (the library's closed form).</summary>
    public int InnerMtu { get; }

    public EspProcessor? FindInbound(uint spi)
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
}
