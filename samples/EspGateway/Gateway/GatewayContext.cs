using System.Threading;

namespace EspGateway.Gateway;

/// <summary>What every worker shares: the SAs (with the peer endpoint in the outbound processor), the inbound policy, the shutdown flag.</summary>
internal sealed class GatewayContext
{
    private volatile bool _stopping;

    public GatewayContext(GatewayOptions options, SecurityAssociationSet sas, bool tunVnetHeader)
    {
        Options = options;
        SecurityAssociations = sas;
        Policy = new InnerPolicy(options.Routes);
        TunVnetHeader = tunVnetHeader;
    }

    public GatewayOptions Options { get; }

    public SecurityAssociationSet SecurityAssociations { get; }

    public InnerPolicy Policy { get; }

    public bool TunVnetHeader { get; }

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
