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
    }

    public GatewayOptions Options { get; }

    public SecurityAssociationSet SecurityAssociations { get; }

    public PeerEndpoint Peer { get; }

    public InnerPolicy Policy { get; }

    public bool TunVnetHeader { get; }

    /// <summary>
    /// Source address of ICMP "too big" replies; empty: the oversize packet's destination, the far end of the tunnel.
    /// (The gateway has no address of its own inside the tunnel, and a reply from the host's own address would be
    /// dropped by the kernel as a martian.)
    /// </summary>
    public byte[] IcmpSourceV4 { get; } = [];

    /// <summary>As <see cref="IcmpSourceV4"/> for ICMPv6.</summary>
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
