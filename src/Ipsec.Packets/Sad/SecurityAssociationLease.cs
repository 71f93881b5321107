namespace Ipsec.Packets;

/// <summary>
/// A hold on a security association while packets are processed with it, from <see cref="SecurityAssociationHandle.Acquire"/>.
/// While any lease is held the SA is not disposed; release the lease with <see cref="Dispose"/> (a <c>using</c> statement).
/// </summary>
/// <remarks>
/// A ref struct: it lives on the stack of the processing thread and costs no allocation. Dispose each lease exactly once:
/// disposing a copy as well would release a hold that another thread may own (the reference count cannot tell copies apart).
/// <c>using (lease) { ... }</c> right after <see cref="SecurityAssociationHandle.Acquire"/> is the intended pattern.
/// </remarks>
public ref struct SecurityAssociationLease
{
    private SecurityAssociationHandle? _handle;

    internal SecurityAssociationLease(SecurityAssociationHandle handle) => _handle = handle;

    /// <summary>True while the lease holds an SA.</summary>
    public readonly bool IsHeld => _handle is not null;

    /// <summary>The SA's entry.</summary>
    /// <exception cref="System.InvalidOperationException">The lease is default or released.</exception>
    public readonly SecurityAssociationHandle Handle => _handle ?? throw new System.InvalidOperationException("The lease is not held.");

    /// <summary>The SA, safe to use until the lease is released.</summary>
    /// <exception cref="System.InvalidOperationException">The lease is default or released.</exception>
    public readonly ISecurityAssociation SecurityAssociation => Handle.SecurityAssociation;

    /// <summary>
    /// Counts one packet of <paramref name="byteCount"/> bytes against the SA's lifetime and the metrics. Call it for each
    /// outbound packet before protecting it, and for each inbound packet after it authenticated (so forged packets cannot
    /// use up the SA). Lock-free and allocation-free: two interlocked adds and two comparisons.
    /// </summary>
    /// <param name="byteCount">The packet's bytes as counted for the byte lifetime (the payload length, like the SA statistics).</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>, or <see cref="IpsecStatus.SaExpired"/> when the SA is past its hard lifetime or this
    /// packet would exceed the hard byte or packet limit; then the packet must be dropped and it is not counted.
    /// </returns>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="byteCount"/> is negative.</exception>
    /// <exception cref="System.InvalidOperationException">The lease is default or released.</exception>
    public readonly IpsecStatus RecordUse(int byteCount) => Handle.RecordUse(byteCount);

    /// <summary>Releases the lease; the SA is disposed here if it has left the database and this was the last lease. Idempotent on this copy.</summary>
    public void Dispose()
    {
        SecurityAssociationHandle? handle = _handle;
        _handle = null;
        handle?.Release();
    }
}
