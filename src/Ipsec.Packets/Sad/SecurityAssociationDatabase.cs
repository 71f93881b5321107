using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Policy;
using Ipsec.Packets.Sad;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// The Security Association Database (RFC 4301 §4.4.2): inbound and outbound SAs found by SPI, by SPI and destination, or
/// by SPI, destination and source, with soft and hard lifetimes, overlapping SAs during rekeying, and metrics.
/// </summary>
/// <remarks>
/// <para><b>Threading model.</b> The data path — <see cref="FindInbound"/>, <see cref="FindOutbound(uint, ReadOnlySpan{byte}, out SecurityAssociationHandle?)"/>,
/// <see cref="FindOutbound(SecurityPolicy, out SecurityAssociationBundle?)"/>, <see cref="SecurityAssociationHandle.Acquire"/>,
/// <see cref="SecurityAssociationLease.RecordUse"/> and <see cref="SecurityAssociationHandle.CheckInbound"/> — is lock-free,
/// allocation-free and safe on any number of threads at once. Its lookups cost a hash and a short chain walk whatever the
/// number of SAs. Writers (<see cref="Add"/>, <see cref="Remove"/>, <see cref="UpdateLifetime"/>, <see cref="Retire"/>,
/// <see cref="SwitchOutbound"/>, <see cref="Poll"/>) take a lock among themselves only; a reader sees the database before or
/// after each write, never half of one.</para>
/// <para><b>Metrics.</b> Every failure status returned by the data-path members above is already counted in
/// <c>ipsec.drops</c>; count other drops (a failed ICV, a replay) with <see cref="RecordDrop"/>.</para>
/// <para><b>Lifetimes.</b> The data path only counts (interlocked adds) and compares against the hard byte and packet
/// limits. Everything else — time limits, soft limits, the events, retiring and purging — happens in <see cref="Poll"/>,
/// which the caller runs periodically or has run on a timer by <see cref="StartPolling"/>. Events are raised on the thread
/// running <see cref="Poll"/>, after the pass and outside the writers' lock (handlers may add, remove, retire and switch
/// SAs), in the order soft, hard, retired; polls do not overlap.</para>
/// <para><b>Rekeying.</b> Any number of inbound SAs may serve one policy at once: add the new inbound SA, then
/// <see cref="Retire"/> the old one with a drain time, during which both are accepted. Outbound,
/// <see cref="SwitchOutbound"/> swaps the policy's SA bundle atomically and retires the old SAs after their drain time.
/// A retired or expired SA is disposed (keys zeroed) once it has left the database and its last lease is released.</para>
/// </remarks>
public sealed class SecurityAssociationDatabase : IDisposable
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> carrying the library's metrics.</summary>
    public const string MeterName = IpsecMetrics.MeterName;

    /// <summary>The lowest SPI that may be used; 0 is invalid and 1–255 are reserved by IANA (RFC 4303 §2.1).</summary>
    public const uint MinimumSpi = 256;

    private readonly SecurityAssociationTable _table = new();
    private readonly object _writeLock = new();
    private readonly Dictionary<ushort, int> _udpPortCounts = new();
    private ushort[] _udpPorts = [UdpEncapsulation.Port];
    private readonly object _pollLock = new();
    private readonly TimeProvider _timeProvider;
    private ITimer? _timer;
    private TimeSpan _expiredRetention = TimeSpan.FromMinutes(1);
    private bool _disposed;

    /// <summary>Creates an empty database.</summary>
    /// <param name="timeProvider">The clock for time lifetimes and drain times; <see cref="TimeProvider.System"/> when null.</param>
    public SecurityAssociationDatabase(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// A soft lifetime was reached: start rekeying. Raised once per SA, from <see cref="Poll"/>. An SA that reaches its hard
    /// limit before a poll saw the soft one raises only <see cref="HardLifetimeExpired"/>.
    /// </summary>
    public event EventHandler<SecurityAssociationEventArgs>? SoftLifetimeExpired;

    /// <summary>
    /// A hard lifetime was reached: the SA no longer processes packets and its keys are zeroed once its last lease is
    /// released. It stays listed (lookups report <see cref="IpsecStatus.SaExpired"/>) for <see cref="ExpiredRetention"/>.
    /// Raised once per SA, from <see cref="Poll"/>.
    /// </summary>
    public event EventHandler<SecurityAssociationEventArgs>? HardLifetimeExpired;

    /// <summary>A retired SA's drain time ended and it left the database. Raised from <see cref="Poll"/>.</summary>
    public event EventHandler<SecurityAssociationEventArgs>? Retired;

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider => _timeProvider;

    /// <summary>The number of SAs listed, expired ones included.</summary>
    public int Count => _table.Count;

    /// <summary>How long an SA past its hard lifetime stays listed, so that lookups report it as expired rather than unknown. Default one minute.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan ExpiredRetention
    {
        get => _expiredRetention;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _expiredRetention = value;
        }
    }

    /// <summary>
    /// Adds an SA. Inbound SAs are found by SPI and, when given, destination and source (RFC 4301 §4.1: the most specific
    /// entry wins); outbound SAs by their policy, or by SPI and destination.
    /// </summary>
    /// <param name="securityAssociation">The SA; the database disposes it when it leaves (see <see cref="ISecurityAssociation"/>).</param>
    /// <param name="direction">Inbound or outbound.</param>
    /// <param name="destination">The destination address to match, or null to match by SPI alone.</param>
    /// <param name="source">The source address to match as well (multicast SAs), or null; needs <paramref name="destination"/>.</param>
    /// <param name="lifetime">The lifetime limits; unlimited when null.</param>
    /// <param name="policy">The Protect policy the SA serves; inbound traffic is checked against it.</param>
    /// <returns>The SA's entry.</returns>
    /// <exception cref="ArgumentException">
    /// The SPI is reserved (below 256); an SA with the same SPI, direction and addresses is already listed; a source is given
    /// without a destination or of another family; the lifetime is invalid; or the policy's action is not Protect.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The database was disposed.</exception>
    public SecurityAssociationHandle Add(
        ISecurityAssociation securityAssociation, SecurityAssociationDirection direction, IPAddress? destination = null, IPAddress? source = null,
        SecurityAssociationLifetime? lifetime = null, SecurityPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(securityAssociation);
        if (direction is not (SecurityAssociationDirection.Inbound or SecurityAssociationDirection.Outbound))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown direction.");
        }

        uint spi = securityAssociation.Spi;
        if (spi < MinimumSpi)
        {
            throw new ArgumentException($"Spi: {spi} is reserved; SPIs 0 to 255 are not used for SAs (RFC 4303 §2.1).", nameof(securityAssociation));
        }

        byte destinationFamily = AddressValue.Any;
        byte sourceFamily = AddressValue.Any;
        UInt128 destinationValue = default;
        UInt128 sourceValue = default;
        if (destination is not null)
        {
            destinationFamily = AddressValue.FromIPAddress(destination, out destinationValue, nameof(destination));
        }

        if (source is not null)
        {
            if (destination is null)
            {
                throw new ArgumentException("source: an SA matched by source must be matched by destination too (RFC 4301 §4.1).", nameof(source));
            }

            sourceFamily = AddressValue.FromIPAddress(source, out sourceValue, nameof(source));
            if (sourceFamily != destinationFamily)
            {
                throw new ArgumentException("source: the source and destination must be of the same family.", nameof(source));
            }
        }

        lifetime ??= SecurityAssociationLifetime.Unlimited;
        lifetime.Validate();
        if (policy is not null && policy.Action != SecurityPolicyAction.Protect)
        {
            throw new ArgumentException($"policy: an SA serves a Protect policy; this one is {policy.Action}.", nameof(policy));
        }

        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var handle = new SecurityAssociationHandle(
                this, securityAssociation, direction, destinationFamily, destinationValue, sourceFamily, sourceValue, lifetime, policy,
                _timeProvider.GetTimestamp());
            if (!_table.TryAdd(handle))
            {
                throw new ArgumentException($"securityAssociation: an {direction} SA with SPI 0x{spi:x8} and the same addresses is already listed.", nameof(securityAssociation));
            }

            if (securityAssociation is EspProcessor { UdpEncapsulation: true } processor)
            {
                handle.UdpPorts = [processor.LocalEndpoint.Port, processor.RemoteEndpoint.Port];
                CountUdpPortsLocked(handle.UdpPorts, 1);
            }

            IpsecMetrics.AdjustSaCount(direction, 1);
            return handle;
        }
    }

    /// <summary>Removes an SA at once; it is disposed when its last lease is released.</summary>
    /// <param name="handle">The SA's entry.</param>
    /// <returns>False when it was not listed (already removed, or from another database).</returns>
    public bool Remove(SecurityAssociationHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        lock (_writeLock)
        {
            return RemoveLocked(handle);
        }
    }

    /// <summary>
    /// Replaces an SA's lifetime limits, e.g. when the peer proposes other lifetimes. Counts and ages carry on; events
    /// already raised are not raised again.
    /// </summary>
    /// <param name="handle">The SA's entry.</param>
    /// <param name="lifetime">The new limits.</param>
    /// <exception cref="ArgumentException">The handle belongs to another database, or the lifetime is invalid.</exception>
    public void UpdateLifetime(SecurityAssociationHandle handle, SecurityAssociationLifetime lifetime)
    {
        CheckOwned(handle);
        ArgumentNullException.ThrowIfNull(lifetime);
        lifetime.Validate();
        lock (_writeLock)
        {
            handle.SetLifetime(lifetime);
        }
    }

    /// <summary>
    /// Schedules an SA's removal after <paramref name="drainTime"/>: meanwhile it keeps working (inbound, packets already
    /// in flight under the old SPI are still accepted), then <see cref="Poll"/> removes it and raises <see cref="Retired"/>.
    /// Retiring again moves the deadline.
    /// </summary>
    /// <param name="handle">The SA's entry.</param>
    /// <param name="drainTime">How long the SA stays usable; zero removes it at the next poll.</param>
    /// <exception cref="ArgumentException">The handle belongs to another database.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="drainTime"/> is negative.</exception>
    public void Retire(SecurityAssociationHandle handle, TimeSpan drainTime)
    {
        CheckOwned(handle);
        ArgumentOutOfRangeException.ThrowIfLessThan(drainTime, TimeSpan.Zero);
        long deadline = _timeProvider.GetTimestamp() + ToTimestampTicks(drainTime);
        Volatile.Write(ref handle.RetireAtTimestamp, deadline);
    }

    /// <summary>
    /// Rekeys a policy's outbound side: installs <paramref name="bundle"/> in one atomic step, so every packet after the
    /// switch uses the new SAs and none uses a mix, and retires the old SAs not in the new bundle after <paramref name="drainTime"/>.
    /// </summary>
    /// <param name="policy">A Protect policy.</param>
    /// <param name="bundle">The new outbound SAs (already added to this database), or null to stop outbound traffic.</param>
    /// <param name="drainTime">How long the old SAs remain (for packets being processed with them) before they are removed.</param>
    /// <returns>The previous bundle, or null.</returns>
    /// <exception cref="ArgumentException">An SA of the bundle belongs to another database or is not listed.</exception>
    /// <exception cref="InvalidOperationException">The policy's action is not Protect.</exception>
    public SecurityAssociationBundle? SwitchOutbound(SecurityPolicy policy, SecurityAssociationBundle? bundle, TimeSpan drainTime)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(drainTime, TimeSpan.Zero);
        if (bundle is not null)
        {
            foreach (SecurityAssociationHandle handle in bundle.Handles)
            {
                CheckOwned(handle);
                if (handle.State == SecurityAssociationState.Removed)
                {
                    throw new ArgumentException($"bundle: {handle} is no longer in the database.", nameof(bundle));
                }
            }
        }

        SecurityAssociationBundle? previous = policy.SwitchOutbound(bundle);
        if (previous is not null)
        {
            foreach (SecurityAssociationHandle old in previous.Handles)
            {
                if ((bundle is null || !bundle.Contains(old)) && ReferenceEquals(old.Database, this))
                {
                    Retire(old, drainTime);
                }
            }
        }

        return previous;
    }

    /// <summary>
    /// Finds the inbound SA for a packet (RFC 4301 §4.1): first an SA keyed by SPI, destination and source, then one keyed
    /// by SPI and destination, then one keyed by SPI alone. Lock-free, allocation-free, constant time. A failure is counted
    /// as a drop (<c>ipsec.drops</c>); do not count it again.
    /// </summary>
    /// <param name="spi">The packet's SPI.</param>
    /// <param name="destination">The outer destination address (4 or 16 bytes), or empty to match SPI-only SAs alone.</param>
    /// <param name="source">The outer source address (same family), or empty to skip source-keyed SAs.</param>
    /// <param name="handle">The SA's entry; null on failure.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.UnknownSpi"/> when no SA matches;
    /// <see cref="IpsecStatus.SaExpired"/> when the best match is past its hard lifetime.
    /// </returns>
    /// <exception cref="ArgumentException">An address is neither empty nor 4 or 16 bytes.</exception>
    public IpsecStatus FindInbound(uint spi, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> source, out SecurityAssociationHandle? handle) =>
        Find(spi, SecurityAssociationDirection.Inbound, destination, source, out handle);

    /// <summary>Finds an outbound SA by SPI and destination (the SPI is the peer's), or by SPI alone with an empty destination.</summary>
    /// <param name="spi">The SPI.</param>
    /// <param name="destination">The peer's address (4 or 16 bytes), or empty.</param>
    /// <param name="handle">The SA's entry; null on failure.</param>
    /// <returns>As for <see cref="FindInbound"/>.</returns>
    /// <exception cref="ArgumentException">The address is neither empty nor 4 or 16 bytes.</exception>
    public IpsecStatus FindOutbound(uint spi, ReadOnlySpan<byte> destination, out SecurityAssociationHandle? handle) =>
        Find(spi, SecurityAssociationDirection.Outbound, destination, default, out handle);

    /// <summary>The outbound SA bundle for a packet that matched <paramref name="policy"/>. Lock-free and allocation-free.</summary>
    /// <param name="policy">The policy the SPD lookup returned.</param>
    /// <param name="bundle">The bundle, to <see cref="SecurityAssociationHandle.Acquire"/> SA by SA; null on failure.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.PolicyMismatch"/> when the policy is not Protect;
    /// <see cref="IpsecStatus.NoSecurityAssociation"/> when it has no SAs yet (before the first <see cref="SwitchOutbound"/>: time
    /// to negotiate some); <see cref="IpsecStatus.SaExpired"/>
    /// when one of its SAs is past its hard lifetime or gone.
    /// </returns>
    public IpsecStatus FindOutbound(SecurityPolicy policy, out SecurityAssociationBundle? bundle)
    {
        ArgumentNullException.ThrowIfNull(policy);
        bundle = null;
        IpsecStatus status;
        if (policy.Action != SecurityPolicyAction.Protect)
        {
            status = IpsecStatus.PolicyMismatch;
        }
        else if (policy.Outbound is not { } current || current.Count == 0)
        {
            status = IpsecStatus.NoSecurityAssociation;
        }
        else
        {
            status = IpsecStatus.Success;
            foreach (SecurityAssociationHandle handle in current.Handles)
            {
                if (handle.State >= SecurityAssociationState.Expired)
                {
                    status = IpsecStatus.SaExpired;
                    break;
                }
            }

            if (status == IpsecStatus.Success)
            {
                bundle = current;
                return status;
            }
        }

        IpsecMetrics.RecordDrop(status, SecurityAssociationDirection.Outbound);
        return status;
    }

    /// <summary>Counts a dropped packet in the <c>ipsec.drops</c> metric, for drops decided outside this database (e.g. a failed ICV).</summary>
    /// <param name="reason">Why the packet was dropped.</param>
    /// <param name="direction">The direction of the packet.</param>
    public static void RecordDrop(IpsecStatus reason, SecurityAssociationDirection direction) => IpsecMetrics.RecordDrop(reason, direction);

    /// <summary>A snapshot of the entries, for management and diagnostics (allocates).</summary>
    /// <returns>The entries, in no particular order.</returns>
    public IReadOnlyList<SecurityAssociationHandle> GetHandles()
    {
        var list = new List<SecurityAssociationHandle>(_table.Count);
        _table.CopyTo(list);
        return list;
    }

    /// <summary>
    /// Applies lifetimes and drain times as of now: marks SAs whose time limits passed, raises
    /// <see cref="SoftLifetimeExpired"/> and <see cref="HardLifetimeExpired"/> once per SA, removes retired SAs whose
    /// drain time ended (raising <see cref="Retired"/>) and expired SAs listed longer than <see cref="ExpiredRetention"/>.
    /// Runs one at a time; handlers run on the calling thread after the database's state is updated and should not throw
    /// (from the <see cref="StartPolling"/> timer an exception would end the process, like any unhandled timer exception).
    /// The pass visits every entry (SAs without limits or drain time cost only a few reads each).
    /// </summary>
    public void Poll()
    {
        lock (_pollLock)
        {
            var scan = new PollScan(this, _timeProvider.GetTimestamp());
            _table.ForEach(ref scan, static (ref PollScan state, SecurityAssociationHandle handle) => state.Visit(handle));
            if (scan.Removals is { } removals)
            {
                lock (_writeLock)
                {
                    foreach (SecurityAssociationHandle handle in removals)
                    {
                        RemoveLocked(handle);
                    }
                }
            }

            Raise(SoftLifetimeExpired, scan.Soft, hard: false);
            Raise(HardLifetimeExpired, scan.Hard, hard: true);
            Raise(Retired, scan.Retired, null);
        }
    }

    /// <summary>Runs <see cref="Poll"/> every <paramref name="period"/> on a timer of the <see cref="TimeProvider"/>, until disposal.</summary>
    /// <param name="period">The period, e.g. one second.</param>
    /// <exception cref="ArgumentOutOfRangeException">The period is not positive.</exception>
    /// <exception cref="InvalidOperationException">Polling was started already.</exception>
    public void StartPolling(TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_timer is not null)
            {
                throw new InvalidOperationException("Polling was started already.");
            }

            _timer = _timeProvider.CreateTimer(static state => ((SecurityAssociationDatabase)state!).PollFromTimer(), this, period, period);
        }
    }

    /// <summary>Stops polling and removes every SA; each is disposed when its last lease is released. Lookups then find nothing.</summary>
    public void Dispose()
    {
        ITimer? timer;
        var all = new List<SecurityAssociationHandle>();
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            timer = _timer;
            _timer = null;
            _table.CopyTo(all);
            _table.Clear();
            foreach (SecurityAssociationHandle handle in all)
            {
                handle.Advance(SecurityAssociationState.Removed);
                IpsecMetrics.AdjustSaCount(handle.Direction, -1);
            }
        }

        timer?.Dispose();
        foreach (SecurityAssociationHandle handle in all)
        {
            handle.ReleaseDatabaseReference();
        }
    }

    /// <summary>The longest probe of the hash table, in slots (diagnostics for tests).</summary>
    internal int LongestProbe() => _table.LongestProbe();

    /// <summary>The mean probe of the hash table, in slots (diagnostics for tests).</summary>
    internal double MeanProbe() => _table.MeanProbe();

    private IpsecStatus Find(uint spi, SecurityAssociationDirection direction, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> source, out SecurityAssociationHandle? handle)
    {
        handle = null;
        SecurityAssociationHandle? found = null;
        bool expired = false;
        if (!destination.IsEmpty)
        {
            byte destinationFamily = AddressValue.Read(destination, out UInt128 destinationValue, nameof(destination));
            if (!source.IsEmpty && _table.HasKind(direction, 2))
            {
                byte sourceFamily = AddressValue.Read(source, out UInt128 sourceValue, nameof(source));
                if (sourceFamily != destinationFamily)
                {
                    ThrowHelper.ThrowArgument("The source and destination addresses must be of the same family.", nameof(source));
                }

                found = _table.Find(spi, direction, destinationFamily, destinationValue, sourceFamily, sourceValue, out expired);
            }

            if (found is null && _table.HasKind(direction, 1))
            {
                found = _table.Find(spi, direction, destinationFamily, destinationValue, AddressValue.Any, default, out expired);
            }
        }

        if (found is null && _table.HasKind(direction, 0))
        {
            found = _table.Find(spi, direction, AddressValue.Any, default, AddressValue.Any, default, out expired);
        }

        if (found is null)
        {
            IpsecMetrics.RecordDrop(IpsecStatus.UnknownSpi, direction);
            return IpsecStatus.UnknownSpi;
        }

        if (expired)
        {
            IpsecMetrics.RecordDrop(IpsecStatus.SaExpired, direction);
            return IpsecStatus.SaExpired;
        }

        handle = found;
        return IpsecStatus.Success;
    }

    /// <summary>Mirrors a hard expiry into the lookup table, so lookups answer it without reading the entry.</summary>
    internal void OnExpired(SecurityAssociationHandle handle)
    {
        lock (_writeLock)
        {
            if (handle.State < SecurityAssociationState.Removed)
            {
                _table.MarkExpired(handle);
            }
        }
    }

    /// <summary>
    /// The UDP ports on which <see cref="IpsecPacketProcessor"/> looks for ESP in whole packets: 4500 and the local and
    /// remote ports of every UDP-encapsulated <see cref="EspProcessor"/> listed (as configured when it was added).
    /// Lock-free read of an immutable array.
    /// </summary>
    internal ReadOnlySpan<ushort> UdpEncapsulationPorts => Volatile.Read(ref _udpPorts);

    private void CountUdpPortsLocked(ushort[] ports, int delta)
    {
        foreach (ushort port in ports)
        {
            _udpPortCounts[port] = _udpPortCounts.GetValueOrDefault(port) + delta;
            if (_udpPortCounts[port] <= 0)
            {
                _udpPortCounts.Remove(port);
            }
        }

        var published = new List<ushort> { UdpEncapsulation.Port };
        foreach (ushort port in _udpPortCounts.Keys)
        {
            if (port != UdpEncapsulation.Port)
            {
                published.Add(port);
            }
        }

        Volatile.Write(ref _udpPorts, [.. published]);
    }

    private bool RemoveLocked(SecurityAssociationHandle handle)
    {
        if (!ReferenceEquals(handle.Database, this) || !_table.Remove(handle))
        {
            return false;
        }

        handle.Advance(SecurityAssociationState.Removed);
        if (handle.UdpPorts is { } ports)
        {
            CountUdpPortsLocked(ports, -1);
        }

        IpsecMetrics.AdjustSaCount(handle.Direction, -1);
        handle.ReleaseDatabaseReference();
        return true;
    }

    private void CheckOwned(SecurityAssociationHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!ReferenceEquals(handle.Database, this))
        {
            throw new ArgumentException($"handle: {handle} belongs to another database.", nameof(handle));
        }
    }

    private void PollFromTimer()
    {
        if (!Volatile.Read(ref _disposed))
        {
            Poll();
        }
    }

    private void Raise(EventHandler<SecurityAssociationEventArgs>? handler, List<SecurityAssociationHandle>? handles, bool? hard)
    {
        if (handles is null)
        {
            return;
        }

        foreach (SecurityAssociationHandle handle in handles)
        {
            if (hard is bool isHard)
            {
                IpsecMetrics.RecordLifetimeEvent(isHard);
            }

            handler?.Invoke(this, new SecurityAssociationEventArgs(handle));
        }
    }

    private long ToTimestampTicks(TimeSpan time)
    {
        double ticks = time.Ticks * ((double)_timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond);
        return ticks >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)ticks;
    }

    /// <summary>One pass of <see cref="Poll"/> over the entries; collects what to do, which is done after the pass.</summary>
    private struct PollScan(SecurityAssociationDatabase database, long now)
    {
        public List<SecurityAssociationHandle>? Soft;
        public List<SecurityAssociationHandle>? Hard;
        public List<SecurityAssociationHandle>? Retired;
        public List<SecurityAssociationHandle>? Removals;

        public void Visit(SecurityAssociationHandle handle)
        {
            SecurityAssociationState state = handle.State;
            if (state == SecurityAssociationState.Removed)
            {
                return;
            }

            SecurityAssociationLifetime lifetime = handle.Lifetime;
            if (state < SecurityAssociationState.Expired && !lifetime.HasLimits && Volatile.Read(ref handle.RetireAtTimestamp) == long.MaxValue)
            {
                return;
            }

            TimeProvider time = database._timeProvider;
            TimeSpan sinceAdded = time.GetElapsedTime(handle.AddedTimestamp, now);
            long firstUse = handle.FirstUseTimestamp;
            TimeSpan? sinceFirstUse = firstUse == SecurityAssociationHandle.NotUsed ? null : time.GetElapsedTime(firstUse, now);
            long packets = handle.PacketsProcessed;
            long bytes = handle.BytesProcessed;

            if (state < SecurityAssociationState.Expired &&
                (packets >= lifetime.HardPackets || bytes >= lifetime.HardBytes || sinceAdded >= lifetime.HardAddExpiry || sinceFirstUse >= lifetime.HardUseExpiry))
            {
                handle.MarkExpired();
                state = SecurityAssociationState.Expired;
            }

            if (state == SecurityAssociationState.Expired)
            {
                if ((handle.EventFlags & SecurityAssociationHandle.HardRaisedFlag) == 0)
                {
                    handle.EventFlags |= SecurityAssociationHandle.HardRaisedFlag;
                    handle.ExpiredTimestamp = now;
                    handle.ReleaseDatabaseReference();
                    (Hard ??= new()).Add(handle);
                }
                else if (time.GetElapsedTime(handle.ExpiredTimestamp, now) >= database._expiredRetention)
                {
                    (Removals ??= new()).Add(handle);
                }

                return;
            }

            if ((handle.EventFlags & SecurityAssociationHandle.SoftRaisedFlag) == 0 &&
                (packets >= lifetime.SoftPacketLimit || bytes >= lifetime.SoftByteLimit || sinceAdded >= lifetime.SoftAddExpiry || sinceFirstUse >= lifetime.SoftUseExpiry))
            {
                handle.EventFlags |= SecurityAssociationHandle.SoftRaisedFlag;
                handle.Advance(SecurityAssociationState.SoftExpired);
                (Soft ??= new()).Add(handle);
            }

            if (now >= Volatile.Read(ref handle.RetireAtTimestamp))
            {
                (Removals ??= new()).Add(handle);
                (Retired ??= new()).Add(handle);
            }
        }
    }
}
