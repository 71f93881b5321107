namespace Ipsec.Packets.Modes;

/// <summary>
/// The endpoints an <see cref="EspProcessor"/> sends with, as one immutable object: an update (NAT rebinding, a moved
/// peer) publishes a new instance with one reference write, so a packet reads either the old endpoints or the new ones,
/// never half of each, and the data path takes no lock.
/// </summary>
internal sealed class TunnelEndpoints
{
    public TunnelEndpoints(IpsecEndpoint local, IpsecEndpoint remote, OuterHeaderTemplate? outer)
    {
        Local = local;
        Remote = remote;
        Outer = outer;
    }

    /// <summary>Our address (tunnel mode) and UDP port (0 for raw ESP).</summary>
    public IpsecEndpoint Local { get; }

    /// <summary>The peer's address (tunnel mode) and UDP port (0 for raw ESP).</summary>
    public IpsecEndpoint Remote { get; }

    /// <summary>The outer header for these addresses in tunnel mode; null in transport mode.</summary>
    public OuterHeaderTemplate? Outer { get; }
}
