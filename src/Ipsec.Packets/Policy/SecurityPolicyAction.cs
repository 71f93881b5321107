namespace Ipsec.Packets;

/// <summary>What an SPD entry does with matching traffic (RFC 4301 §4.4.1).</summary>
public enum SecurityPolicyAction
{
    /// <summary>Drop the traffic.</summary>
    Discard = 0,

    /// <summary>Let the traffic pass without IPsec.</summary>
    Bypass,

    /// <summary>Protect the traffic with the policy's security association (or bundle); inbound, require that it arrived protected.</summary>
    Protect,
}
