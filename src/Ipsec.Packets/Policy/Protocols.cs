namespace Ipsec.Packets.Policy;

/// <summary>IANA protocol numbers the selectors treat specially.</summary>
internal static class Protocols
{
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Dccp = 33;
    public const byte Icmpv6 = 58;
    public const byte Sctp = 132;
    public const byte MobilityHeader = 135;
    public const byte UdpLite = 136;
}
