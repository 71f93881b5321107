using System;
using System.Threading;

namespace Ipsec.Packets;

/// <summary>
/// One SPD entry (RFC 4301 §4.4.1): selectors, an action, a priority, and for <see cref="SecurityPolicyAction.Protect"/>
/// the outbound SA bundle currently in use.
/// </summary>
/// <remarks>
/// The selectors, action and priority are fixed. The outbound bundle is swapped atomically by
/// <see cref="SwitchOutbound(SecurityAssociationBundle?)"/> (or <see cref="SecurityAssociationDatabase.SwitchOutbound"/>, which
/// also retires the old SAs): a thread that reads <see cref="Outbound"/> sees either the old bundle or the new one, never a mix.
/// </remarks>
public sealed class SecurityPolicy
{
    private SecurityAssociationBundle? _outbound;
    private object? _owner;

    /// <summary>Creates a policy.</summary>
    /// <param name="selector">The traffic selectors.</param>
    /// <param name="action">What to do with matching traffic.</param>
    /// <param name="priority">The precedence: lower values are matched first; equal values keep the order the policies were added in.</param>
    /// <exception cref="ArgumentException">The selector's fields do not fit together (the message names them).</exception>
    public SecurityPolicy(TrafficSelector selector, SecurityPolicyAction action, int priority = 0)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (action is not (SecurityPolicyAction.Discard or SecurityPolicyAction.Bypass or SecurityPolicyAction.Protect))
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown action.");
        }

        selector.Validate();
        Selector = selector;
        Action = action;
        Priority = priority;
    }

    /// <summary>The traffic selectors.</summary>
    public TrafficSelector Selector { get; }

    /// <summary>The action.</summary>
    public SecurityPolicyAction Action { get; }

    /// <summary>The precedence: lower first.</summary>
    public int Priority { get; }

    /// <summary>The outbound SA bundle in use (null until one is set, and always for actions other than Protect). Lock-free read.</summary>
    public SecurityAssociationBundle? Outbound => Volatile.Read(ref _outbound);

    /// <summary>The order in which the policy was added to its database (ties on priority keep it).</summary>
    internal long Sequence { get; set; }

    /// <summary>Whether a packet's flow matches the selectors.</summary>
    /// <param name="flow">The flow.</param>
    /// <returns>True when it does.</returns>
    public bool Matches(in TrafficFlow flow) => Selector.Matches(flow);

    /// <summary>Installs a new outbound bundle in one atomic step and returns the previous one.</summary>
    /// <param name="bundle">The new bundle, or null to stop outbound traffic (lookups then find no SA).</param>
    /// <returns>The previous bundle, which the caller retires (see <see cref="SecurityAssociationDatabase.Retire"/>).</returns>
    /// <exception cref="InvalidOperationException">The action is not Protect.</exception>
    public SecurityAssociationBundle? SwitchOutbound(SecurityAssociationBundle? bundle)
    {
        if (Action != SecurityPolicyAction.Protect)
        {
            throw new InvalidOperationException($"Only a Protect policy has outbound SAs; this one is {Action}.");
        }

        return Interlocked.Exchange(ref _outbound, bundle);
    }

    /// <summary>Claims the policy for one database; a policy belongs to at most one.</summary>
    internal bool TryClaim(object owner) => Interlocked.CompareExchange(ref _owner, owner, null) is null;

    internal void Release(object owner) => Interlocked.CompareExchange(ref _owner, null, owner);

    /// <summary>Returns e.g. "Protect priority 10: local 10.0.0.0/8 remote any ...".</summary>
    /// <returns>The policy as text.</returns>
    public override string ToString() => $"{Action} priority {Priority}: {Selector}";
}
