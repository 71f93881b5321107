namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>Mode and address families of an interop SA: transport over IPv4 or IPv6, or tunnel with inner in outer.</summary>
public enum InteropLayout
{
    TransportV4,
    TransportV6,
    Tunnel4In4,
    Tunnel4In6,
    Tunnel6In4,
    Tunnel6In6,
}
