namespace Ipsec.Packets;

/// <summary>Where a security association is in its life. States only move forward.</summary>
public enum SecurityAssociationState
{
    /// <summary>Usable; no soft limit reached yet.</summary>
    Active = 0,

    /// <summary>Still usable, but a soft limit was reached and <see cref="SecurityAssociationDatabase.SoftLifetimeExpired"/> raised: rekey now.</summary>
    SoftExpired = 1,

    /// <summary>A hard limit was reached: the SA processes no more packets (<see cref="IpsecStatus.SaExpired"/>); its keys are zeroed once the last lease is released.</summary>
    Expired = 2,

    /// <summary>No longer in the database; its keys are zeroed once the last lease is released.</summary>
    Removed = 3,
}
