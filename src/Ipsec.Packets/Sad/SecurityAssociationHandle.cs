using System;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Policy;
using Ipsec.Packets.Sad;

namespace Ipsec.Packets;

/// <summary>
/// A security association's entry in a <see cref="SecurityAssociationDatabase"/>: the SA, the addresses it is looked up
/// by, its policy, its lifetime and what it has processed so far.
/// </summary>
/// <remarks>
/// <para>Threading: every member may be called from any thread. The data path (<see cref="Acquire"/>,
/// <see cref="SecurityAssociationLease.RecordUse"/>, <see cref="CheckInbound"/>) uses only interlocked operations on the
/// entry's own counters, never a lock, and does not allocate.</para>
/// <para>Lifetime of the keys: the database holds one reference to the SA and every <see cref="SecurityAssociationLease"/>
/// holds another. When the SA leaves the database (removed, retired after its drain time, or past its hard lifetime) the
/// database drops its reference, and the SA is disposed (its keys zeroed) when the last lease is released. So a packet
/// being processed while the SA is removed completes normally, and no later packet can use the keys.</para>
/// </remarks>
public sealed class SecurityAssociationHandle
{
    internal const long NotUsed = long.MinValue;
    internal const int SoftRaisedFlag = 1;
    internal const int HardRaisedFlag = 2;

    private readonly SecurityAssociationDatabase _database;
    private SecurityAssociationLifetime _lifetime;
    private readonly SecurityAssociationUsage _usage = new();
    private long _firstUseTimestamp = NotUsed;
    private int _state;
    private int _databaseReferenceReleased;

    internal SecurityAssociationHandle(
        SecurityAssociationDatabase database, ISecurityAssociation securityAssociation, SecurityAssociationDirection direction,
        byte destinationFamily, UInt128 destination, byte sourceFamily, UInt128 source, SecurityAssociationLifetime lifetime,
        SecurityPolicy? policy, long addedTimestamp)
    {
        _database = database;
        SecurityAssociation = securityAssociation;
        Spi = securityAssociation.Spi;
        Direction = direction;
        DestinationFamily = destinationFamily;
        DestinationValue = destination;
        SourceFamily = sourceFamily;
        SourceValue = source;
        _lifetime = lifetime;
        Policy = policy;
        AddedTimestamp = addedTimestamp;
        Hash = SecurityAssociationTable.GetHash(Spi, direction, destinationFamily, destination, sourceFamily, source);
    }

    /// <summary>The Security Parameters Index.</summary>
    public uint Spi { get; }

    /// <summary>Inbound or outbound.</summary>
    public SecurityAssociationDirection Direction { get; }

    /// <summary>The SA itself. Use it only while holding a lease (<see cref="Acquire"/>): without one it may be disposed at any moment.</summary>
    public ISecurityAssociation SecurityAssociation { get; }

    /// <summary>The policy the SA serves: inbound, decapsulated packets must match its selectors (<see cref="CheckInbound"/>).</summary>
    public SecurityPolicy? Policy { get; }

    /// <summary>The destination address the SA is looked up by, or null when it is found by SPI alone.</summary>
    public IPAddress? DestinationAddress => DestinationFamily == AddressValue.Any ? null : AddressValue.ToIPAddress(DestinationFamily, DestinationValue);

    /// <summary>The source address the SA is looked up by, or null when the source does not take part.</summary>
    public IPAddress? SourceAddress => SourceFamily == AddressValue.Any ? null : AddressValue.ToIPAddress(SourceFamily, SourceValue);

    /// <summary>The lifetime limits (replaced by <see cref="SecurityAssociationDatabase.UpdateLifetime"/>).</summary>
    public SecurityAssociationLifetime Lifetime => Volatile.Read(ref _lifetime);

    /// <summary>The state.</summary>
    public SecurityAssociationState State => (SecurityAssociationState)Volatile.Read(ref _state);

    /// <summary>True once <see cref="SecurityAssociationDatabase.Retire"/> scheduled the SA's removal.</summary>
    public bool IsRetiring => Volatile.Read(ref RetireAtTimestamp) != long.MaxValue;

    /// <summary>The bytes accepted by <see cref="SecurityAssociationLease.RecordUse"/> so far.</summary>
    public long BytesProcessed => Volatile.Read(ref _usage.Bytes);

    /// <summary>The packets accepted by <see cref="SecurityAssociationLease.RecordUse"/> so far.</summary>
    public long PacketsProcessed => Volatile.Read(ref _usage.Packets);

    /// <summary>True once the SA has processed a packet (the "since first use" lifetimes run from then).</summary>
    public bool HasBeenUsed => Volatile.Read(ref _firstUseTimestamp) != NotUsed;

    /// <summary>True once the SA has been disposed (keys zeroed).</summary>
    public bool IsDisposed => Volatile.Read(ref _usage.References) == 0;

    internal byte DestinationFamily { get; }

    internal UInt128 DestinationValue { get; }

    internal byte SourceFamily { get; }

    internal UInt128 SourceValue { get; }

    internal int Hash { get; }

    internal SecurityAssociationDatabase Database => _database;

    internal long AddedTimestamp { get; }

    internal long FirstUseTimestamp => Volatile.Read(ref _firstUseTimestamp);

    /// <summary>When the drain time of a retired SA ends (a <see cref="TimeProvider"/> timestamp), or long.MaxValue.</summary>
    internal long RetireAtTimestamp = long.MaxValue;

    /// <summary>When <see cref="SecurityAssociationDatabase.Poll"/> saw the SA expire.</summary>
    internal long ExpiredTimestamp;

    /// <summary>Which events were raised; touched only by <see cref="SecurityAssociationDatabase.Poll"/> under its lock.</summary>
    internal int EventFlags;

    /// <summary>The UDP encapsulation ports the database counted for this SA when it was added; null for none.</summary>
    internal ushort[]? UdpPorts;

    /// <summary>
    /// Takes a lease on the SA for processing packets; release it with <see cref="SecurityAssociationLease.Dispose"/> (a
    /// <c>using</c> statement). While the lease is held the SA is not disposed, even if it is removed meanwhile.
    /// </summary>
    /// <param name="lease">The lease; default on failure.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.SaExpired"/> past the hard lifetime;
    /// <see cref="IpsecStatus.UnknownSpi"/> once the SA has left the database. A failure is counted as a drop.
    /// </returns>
    public IpsecStatus Acquire(out SecurityAssociationLease lease)
    {
        lease = default;
        int state = Volatile.Read(ref _state);
        if (state >= (int)SecurityAssociationState.Expired)
        {
            return Refuse(state);
        }

        int references = Volatile.Read(ref _usage.References);
        while (true)
        {
            if (references == 0)
            {
                return Refuse(Volatile.Read(ref _state));
            }

            int seen = Interlocked.CompareExchange(ref _usage.References, references + 1, references);
            if (seen == references)
            {
                lease = new SecurityAssociationLease(this);
                return IpsecStatus.Success;
            }

            references = seen;
        }
    }

    /// <summary>
    /// The inbound policy check after decapsulation (RFC 4301 §5.2 step 4): does the inner packet match the selectors of
    /// the policy this SA serves? A mismatch is counted as a drop.
    /// </summary>
    /// <param name="flow">The inner packet's flow, read with <c>outbound: false</c>.</param>
    /// <returns><see cref="IpsecStatus.Success"/>, or <see cref="IpsecStatus.PolicyMismatch"/> when it does not match or the SA has no Protect policy.</returns>
    public IpsecStatus CheckInbound(in TrafficFlow flow)
    {
        SecurityPolicy? policy = Policy;
        if (policy is not null && policy.Action == SecurityPolicyAction.Protect && policy.Selector.Matches(flow))
        {
            return IpsecStatus.Success;
        }

        IpsecMetrics.RecordDrop(IpsecStatus.PolicyMismatch, Direction);
        return IpsecStatus.PolicyMismatch;
    }

    /// <summary>Describes the entry without key material.</summary>
    /// <returns>e.g. "inbound spi=0x00001000 dst=192.0.2.1 Active".</returns>
    public override string ToString() =>
        $"{(Direction == SecurityAssociationDirection.Inbound ? "inbound" : "outbound")} spi=0x{Spi:x8}" +
        $"{(DestinationFamily == AddressValue.Any ? "" : $" dst={DestinationAddress}")}{(SourceFamily == AddressValue.Any ? "" : $" src={SourceAddress}")} {State}" +
        $"{(IsRetiring ? " retiring" : "")}";

    /// <summary>The data-path accounting behind <see cref="SecurityAssociationLease.RecordUse"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal IpsecStatus RecordUse(int byteCount)
    {
        if (byteCount < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(byteCount), "The byte count must not be negative.");
        }

        if (Volatile.Read(ref _state) >= (int)SecurityAssociationState.Expired)
        {
            IpsecMetrics.RecordDrop(IpsecStatus.SaExpired, Direction);
            return IpsecStatus.SaExpired;
        }

        SecurityAssociationLifetime lifetime = Volatile.Read(ref _lifetime);
        long packets = Interlocked.Increment(ref _usage.Packets);
        long bytes = Interlocked.Add(ref _usage.Bytes, byteCount);
        if (packets > lifetime.HardPackets || bytes > lifetime.HardBytes)
        {
            // Refused: expire first so that no later packet gets in, then take this packet's share back out.
            MarkExpired();
            Interlocked.Decrement(ref _usage.Packets);
            Interlocked.Add(ref _usage.Bytes, -byteCount);
            IpsecMetrics.RecordDrop(IpsecStatus.SaExpired, Direction);
            return IpsecStatus.SaExpired;
        }

        if (Volatile.Read(ref _firstUseTimestamp) == NotUsed)
        {
            Interlocked.CompareExchange(ref _firstUseTimestamp, _database.TimeProvider.GetTimestamp(), NotUsed);
        }

        IpsecMetrics.RecordPacket(Direction, byteCount);
        return IpsecStatus.Success;
    }

    internal void SetLifetime(SecurityAssociationLifetime lifetime) => Volatile.Write(ref _lifetime, lifetime);

    /// <summary>Moves the state forward to at least <paramref name="state"/>; returns true if this call moved it.</summary>
    internal bool Advance(SecurityAssociationState state)
    {
        int current = Volatile.Read(ref _state);
        while (current < (int)state)
        {
            int seen = Interlocked.CompareExchange(ref _state, (int)state, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>
    /// Hard-expires the SA. The thread that moves the state also marks the SAD's slot (under the writers' lock, once per
    /// SA), so lookups answer <see cref="IpsecStatus.SaExpired"/> from the slot; the data path checks the state itself.
    /// </summary>
    internal void MarkExpired()
    {
        if (Advance(SecurityAssociationState.Expired))
        {
            _database.OnExpired(this);
        }
    }

    /// <summary>Drops the database's own reference (once); the SA is disposed when no lease remains.</summary>
    internal void ReleaseDatabaseReference()
    {
        if (Interlocked.Exchange(ref _databaseReferenceReleased, 1) == 0)
        {
            Release();
        }
    }

    internal void Release()
    {
        int remaining = Interlocked.Decrement(ref _usage.References);
        if (remaining == 0)
        {
            SecurityAssociation.Dispose();
        }
        else if (remaining < 0)
        {
            ThrowHelper.ThrowObjectDisposed("SecurityAssociationLease (released twice)");
        }
    }

    private IpsecStatus Refuse(int state)
    {
        IpsecStatus status = state == (int)SecurityAssociationState.Removed ? IpsecStatus.UnknownSpi : IpsecStatus.SaExpired;
        IpsecMetrics.RecordDrop(status, Direction);
        return status;
    }
}
