using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace EspGateway.Gateway;

/// <summary>What every worker shares: the SAs, the peer endpoint, the inbound policy, the shutdown flag.</summary>
internal sealed class GatewayContext
{
    private volatile bool _stopping;

    public GatewayContext(GatewayOptions options, SecurityAssociationSet sas, bool tunVnetHeader)
    {
        Options = options;
        SecurityAssociations = sas;
        Peer = new PeerEndpoint(options.Peer);
        Policy = new InnerPolicy(options.Routes);
        TunVnetHeader = tunVnetHeader;
        foreach ((IPAddress address, _) in options.Addresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork && IcmpSourceV4.Length == 0)
            {
                IcmpSourceV4 = address.GetAddressBytes();
            }
            else if (address.AddressFamily == AddressFamily.InterNetworkV6 && IcmpSourceV6.Length == 0)
            {
                IcmpSourceV6 = address.GetAddressBytes();
            }
        }
    }

    public GatewayOptions Options { get; }

    public SecurityAssociationSet SecurityAssociations { get; }

    public PeerEndpoint Peer { get; }

    public InnerPolicy Policy { get; }

    public bool TunVnetHeader { get; }

    /// <summary>Source address of ICMP "too big" replies: the first inner IPv4 address (empty: the packet's destination).</summary>
    public byte[] IcmpSourceV4 { get; } = [];

    public byte[] IcmpSourceV6 { get; } = [];

    public bool Stopping => _stopping;

    public void Stop() => _stopping = true;

    /// <summary>Sleeps up to <paramref name="milliseconds"/>, returning early when stopping.</summary>
    public void Nap(int milliseconds)
    {
        for (int slept = 0; slept < milliseconds && !_stopping; slept += 50)
        {
            Thread.Sleep(50);
        }
    }
}
