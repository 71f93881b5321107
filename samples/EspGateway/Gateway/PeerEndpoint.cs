using System.Net;
using System.Threading;
using EspGateway.Linux;

namespace EspGateway.Gateway;

/// <summary>
/// Where ESP goes: the peer's outer address and UDP port. Follows the peer when an authenticated packet arrives from a new
/// address or port (NAT rebinding, RFC 3948 §3.5): the new endpoint is published as a new immutable object, which the
/// senders pick up at their next batch. Forged, replayed or unknown-SPI packets never move it: only a packet that the SA
/// accepted does.
/// </summary>
internal sealed class PeerEndpoint
{
    private Holder _current;

    public PeerEndpoint(IPEndPoint initial) => _current = new Holder(UdpSocket.ToSockAddr(initial));

    public Holder Current => Volatile.Read(ref _current);

    public IPEndPoint EndPoint => UdpSocket.ToEndPoint(Current.Address);

    /// <summary>Moves to <paramref name="source"/> if it differs; returns whether it moved.</summary>
    public bool Follow(in Native.SockAddr source)
    {
        Holder current = Volatile.Read(ref _current);
        if (UdpSocket.SameEndpoint(current.Address, source))
        {
            return false;
        }

        // Rare (a NAT mapping changed): the only allocation on the receive path.
        Interlocked.CompareExchange(ref _current, new Holder(source), current);
        return true;
    }

    internal sealed class Holder(Native.SockAddr address)
    {
        public readonly Native.SockAddr Address = address;

        public uint Length => Address.Family == Native.AF_INET6 ? 28u : 16u;
    }
}
