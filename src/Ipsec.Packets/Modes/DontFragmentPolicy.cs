namespace Ipsec.Packets;

/// <summary>The DF bit of an IPv4 tunnel's outer header (RFC 4301 §8.1).</summary>
public enum DontFragmentPolicy
{
    /// <summary>Copy the inner IPv4 packet's DF bit (clear for an IPv6 inner packet).</summary>
    Copy,

    /// <summary>Always set DF.</summary>
    Set,

    /// <summary>Always clear DF.</summary>
    Clear,
}
