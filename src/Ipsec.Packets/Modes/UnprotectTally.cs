namespace Ipsec.Packets.Modes;

/// <summary>
/// The packets an SA accepted during a batch, counted into its statistics once at the end instead of with two interlocked
/// adds per packet. Not deferred: every packet is counted as it is accepted.
/// </summary>
internal struct UnprotectTally
{
    public UnprotectTally(bool deferred) => Deferred = deferred;

    /// <summary>True when the batch counts at the end.</summary>
    public readonly bool Deferred;

    /// <summary>Packets accepted so far.</summary>
    public int Packets;

    /// <summary>Their payload bytes.</summary>
    public long Bytes;
}
