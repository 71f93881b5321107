namespace Ipsec.Packets.Tool.Captures;

/// <summary>The LINKTYPE_ values (tcpdump.org link-layer header types) the tool reads.</summary>
internal static class LinkType
{
    /// <summary>BSD loopback: a 4-byte address family in the capturing host's byte order.</summary>
    public const int Null = 0;

    /// <summary>Ethernet II, with any number of 802.1Q / 802.1ad tags.</summary>
    public const int Ethernet = 1;

    /// <summary>Raw IP as some BSDs number it (DLT_RAW 12).</summary>
    public const int RawBsd = 12;

    /// <summary>Raw IP as OpenBSD numbers it (DLT_RAW 14).</summary>
    public const int RawOpenBsd = 14;

    /// <summary>Raw IP, version from the first nibble.</summary>
    public const int Raw = 101;

    /// <summary>OpenBSD loopback: like <see cref="Null"/> in network byte order.</summary>
    public const int Loop = 108;

    /// <summary>Linux cooked capture v1 (16-byte header).</summary>
    public const int LinuxSll = 113;

    /// <summary>Raw IPv4.</summary>
    public const int IPv4 = 228;

    /// <summary>Raw IPv6.</summary>
    public const int IPv6 = 229;

    /// <summary>Linux cooked capture v2 (20-byte header).</summary>
    public const int LinuxSll2 = 276;
}
