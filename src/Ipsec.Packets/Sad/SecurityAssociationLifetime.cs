using System;

namespace Ipsec.Packets;

/// <summary>
/// Soft and hard lifetimes of a security association (RFC 4301 §4.4.2.1): by bytes, by packets, by time since the SA was
/// added and by time since its first use. A null limit is no limit. Reaching a soft limit raises
/// <see cref="SecurityAssociationDatabase.SoftLifetimeExpired"/> once (time to rekey); reaching a hard limit stops the SA.
/// </summary>
/// <remarks>
/// Byte and packet hard limits are enforced exactly on the data path by <see cref="SecurityAssociationLease.RecordUse"/>:
/// at most <see cref="HardPacketLimit"/> packets and <see cref="HardByteLimit"/> bytes are accepted. Time limits, and the
/// events, take effect at the next <see cref="SecurityAssociationDatabase.Poll"/>, so their precision is the poll period.
/// </remarks>
public sealed class SecurityAssociationLifetime
{
    /// <summary>No limits.</summary>
    public static SecurityAssociationLifetime Unlimited { get; } = new();

    /// <summary>Bytes after which to rekey.</summary>
    public long? SoftByteLimit { get; init; }

    /// <summary>Bytes after which the SA stops.</summary>
    public long? HardByteLimit { get; init; }

    /// <summary>Packets after which to rekey.</summary>
    public long? SoftPacketLimit { get; init; }

    /// <summary>Packets after which the SA stops.</summary>
    public long? HardPacketLimit { get; init; }

    /// <summary>Time after the SA was added when to rekey.</summary>
    public TimeSpan? SoftAddExpiry { get; init; }

    /// <summary>Time after the SA was added when it stops.</summary>
    public TimeSpan? HardAddExpiry { get; init; }

    /// <summary>Time after the SA's first packet when to rekey.</summary>
    public TimeSpan? SoftUseExpiry { get; init; }

    /// <summary>Time after the SA's first packet when it stops.</summary>
    public TimeSpan? HardUseExpiry { get; init; }

    /// <summary>False when no limit is set, so <see cref="SecurityAssociationDatabase.Poll"/> can skip the SA.</summary>
    internal bool HasLimits =>
        SoftByteLimit.HasValue || HardByteLimit.HasValue || SoftPacketLimit.HasValue || HardPacketLimit.HasValue ||
        SoftAddExpiry.HasValue || HardAddExpiry.HasValue || SoftUseExpiry.HasValue || HardUseExpiry.HasValue;

    internal long HardBytes => HardByteLimit ?? long.MaxValue;

    internal long HardPackets => HardPacketLimit ?? long.MaxValue;

    /// <summary>Checks that limits are positive and each soft limit is not above its hard limit.</summary>
    /// <exception cref="ArgumentException">A limit is invalid; the message names it.</exception>
    internal void Validate()
    {
        Check(SoftByteLimit, HardByteLimit, nameof(SoftByteLimit), nameof(HardByteLimit));
        Check(SoftPacketLimit, HardPacketLimit, nameof(SoftPacketLimit), nameof(HardPacketLimit));
        Check(SoftAddExpiry?.Ticks, HardAddExpiry?.Ticks, nameof(SoftAddExpiry), nameof(HardAddExpiry));
        Check(SoftUseExpiry?.Ticks, HardUseExpiry?.Ticks, nameof(SoftUseExpiry), nameof(HardUseExpiry));
    }

    /// <summary>Returns e.g. "soft 900 s / 1000000 pkts, hard 1000 s / 1100000 pkts".</summary>
    /// <returns>The limits as text.</returns>
    public override string ToString() =>
        $"soft bytes={SoftByteLimit?.ToString() ?? "-"} packets={SoftPacketLimit?.ToString() ?? "-"} add={SoftAddExpiry?.ToString() ?? "-"} use={SoftUseExpiry?.ToString() ?? "-"}; " +
        $"hard bytes={HardByteLimit?.ToString() ?? "-"} packets={HardPacketLimit?.ToString() ?? "-"} add={HardAddExpiry?.ToString() ?? "-"} use={HardUseExpiry?.ToString() ?? "-"}";

    private static void Check(long? soft, long? hard, string softName, string hardName)
    {
        if (soft <= 0)
        {
            throw new ArgumentException($"{softName} must be positive; got {soft}.", softName);
        }

        if (hard <= 0)
        {
            throw new ArgumentException($"{hardName} must be positive; got {hard}.", hardName);
        }

        if (soft > hard)
        {
            throw new ArgumentException($"{softName} ({soft}) must not exceed {hardName} ({hard}).", softName);
        }
    }
}
