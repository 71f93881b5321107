using System;
using System.Collections.Generic;
using System.Threading;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets;

/// <summary>
/// The Security Policy Database (RFC 4301 §4.4.1): an ordered list of policies, matched first by priority (lower first)
/// and then by the order they were added.
/// </summary>
/// <remarks>
/// <para>Threading: <see cref="Find"/> is lock-free, allocation-free and may run on any number of threads while others add
/// or remove policies. Writers take a lock among themselves, build a new immutable index and publish it with one volatile
/// write; a lookup sees the policy set before or after a change, never a partial one. Building costs time proportional to
/// the number of policies (times their address prefixes), so batch changes with <see cref="AddRange"/>.</para>
/// <para>Lookups walk a trie over the remote address instead of scanning the list; the answer is always the one a linear
/// scan in priority order would give.</para>
/// </remarks>
public sealed class SecurityPolicyDatabase
{
    private readonly object _writeLock = new();
    private PolicyIndex _index = PolicyIndex.Empty;
    private long _nextSequence;

    /// <summary>The number of policies.</summary>
    public int Count => Volatile.Read(ref _index).Ordered.Length;

    /// <summary>A snapshot of the policies in match order.</summary>
    public IReadOnlyList<SecurityPolicy> Policies => Volatile.Read(ref _index).Ordered;

    /// <summary>Adds a policy after every existing policy of the same priority.</summary>
    /// <param name="policy">The policy.</param>
    /// <exception cref="ArgumentException">The policy already belongs to a database.</exception>
    public void Add(SecurityPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        AddRange(new[] { policy });
    }

    /// <summary>Adds several policies with one rebuild, in the order given.</summary>
    /// <param name="policies">The policies.</param>
    /// <exception cref="ArgumentException">A policy is null or already belongs to a database; then none is added.</exception>
    public void AddRange(IEnumerable<SecurityPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var added = new List<SecurityPolicy>(policies);
        lock (_writeLock)
        {
            for (int i = 0; i < added.Count; i++)
            {
                SecurityPolicy? policy = added[i];
                if (policy is null || !policy.TryClaim(this))
                {
                    for (int j = 0; j < i; j++)
                    {
                        added[j].Release(this);
                    }

                    throw new ArgumentException(
                        policy is null ? "policies: an element is null." : $"policies: {policy} already belongs to a database.", nameof(policies));
                }
            }

            foreach (SecurityPolicy policy in added)
            {
                policy.Sequence = _nextSequence++;
            }

            var all = new List<SecurityPolicy>(_index.Ordered);
            all.AddRange(added);
            Publish(all);
        }
    }

    /// <summary>Removes a policy.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>False when the policy is not in this database.</returns>
    public bool Remove(SecurityPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_writeLock)
        {
            var all = new List<SecurityPolicy>(_index.Ordered);
            if (!all.Remove(policy))
            {
                return false;
            }

            Publish(all);
            policy.Release(this);
            return true;
        }
    }

    /// <summary>
    /// The first policy, in priority then insertion order, whose selectors match the flow: for outbound packets to choose
    /// PROTECT, BYPASS or DISCARD, and for inbound packets that arrived without IPsec.
    /// </summary>
    /// <param name="flow">The packet's flow, in local/remote terms.</param>
    /// <returns>The policy, or null when none matches (RFC 4301: discard).</returns>
    public SecurityPolicy? Find(in TrafficFlow flow) => Volatile.Read(ref _index).Find(flow);

    /// <summary>The number of policies a lookup of <paramref name="flow"/> may examine (diagnostics for tests).</summary>
    internal int CountCandidates(in TrafficFlow flow) => Volatile.Read(ref _index).CountCandidates(flow);

    private void Publish(List<SecurityPolicy> all)
    {
        all.Sort(static (a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority) : a.Sequence.CompareTo(b.Sequence));
        Volatile.Write(ref _index, new PolicyIndex(all.ToArray()));
    }
}
