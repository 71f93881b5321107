using System;

namespace Ipsec.Packets;

/// <summary>
/// The outbound SAs a <see cref="SecurityPolicyAction.Protect"/> policy applies, in processing order: the first SA
/// protects the packet first (innermost). AH over ESP (RFC 4301 §4.5) is therefore { ESP SA, AH SA }. Immutable.
/// </summary>
public sealed class SecurityAssociationBundle
{
    private readonly SecurityAssociationHandle[] _handles;

    /// <summary>Creates a bundle.</summary>
    /// <param name="handles">One or more outbound SAs, innermost first.</param>
    /// <exception cref="ArgumentException">The list is empty, has a null, or has an inbound SA.</exception>
    public SecurityAssociationBundle(params SecurityAssociationHandle[] handles)
    {
        ArgumentNullException.ThrowIfNull(handles);
        if (handles.Length == 0)
        {
            throw new ArgumentException("handles: a bundle holds at least one SA.", nameof(handles));
        }

        _handles = (SecurityAssociationHandle[])handles.Clone();
        foreach (SecurityAssociationHandle? handle in _handles)
        {
            if (handle is null || handle.Direction != SecurityAssociationDirection.Outbound)
            {
                throw new ArgumentException("handles: every SA of a bundle must be an outbound SA.", nameof(handles));
            }
        }
    }

    /// <summary>The number of SAs.</summary>
    public int Count => _handles.Length;

    /// <summary>The SAs, innermost first.</summary>
    public ReadOnlySpan<SecurityAssociationHandle> Handles => _handles;

    /// <summary>The SA at <paramref name="index"/>, innermost first.</summary>
    /// <param name="index">The position.</param>
    public SecurityAssociationHandle this[int index] => _handles[index];

    /// <summary>Whether <paramref name="handle"/> is one of the SAs.</summary>
    /// <param name="handle">The SA.</param>
    /// <returns>True when it is.</returns>
    public bool Contains(SecurityAssociationHandle handle) => Array.IndexOf(_handles, handle) >= 0;

    /// <summary>Lists the SPIs, innermost first.</summary>
    /// <returns>e.g. "bundle [0x00001000, 0x00002000]".</returns>
    public override string ToString()
    {
        var spis = new string[_handles.Length];
        for (int i = 0; i < spis.Length; i++)
        {
            spis[i] = $"0x{_handles[i].Spi:x8}";
        }

        return $"bundle [{string.Join(", ", spis)}]";
    }
}
