namespace Ipsec.Packets.Tool.Commands;

/// <summary>What an IP packet carries, as far as the tool cares.</summary>
internal enum IpsecPacketKind
{
    /// <summary>Not a complete IP header.</summary>
    Malformed,

    /// <summary>IP, but neither ESP nor AH.</summary>
    NotIpsec,

    /// <summary>An IP fragment: what it carries is unknown until reassembly, which the tool does not do.</summary>
    Fragment,

    /// <summary>ESP directly in IP (protocol 50).</summary>
    Esp,

    /// <summary>ESP in UDP (RFC 3948).</summary>
    EspInUdp,

    /// <summary>AH (protocol 51).</summary>
    Ah,
}
