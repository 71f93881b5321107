using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Ipsec.Packets.Policy;

/// <summary>
/// An immutable index over an ordered policy list. Each policy is ranked (priority, then insertion order) and placed in a
/// binary trie over the remote address, at the nodes of the prefixes that exactly cover its remote range (a prefix is one
/// node; a range is split into at most 2w prefixes). A lookup walks the one path of the packet's remote address
/// (at most 33 nodes for IPv4, 129 for IPv6): the policies on that path are exactly those whose remote range holds the
/// address, so the lowest-ranked one that also matches the other selectors is the answer a linear scan would give.
/// Policies with a wildcard remote address sit at the root(s) and form the fallback list. Each node's list is in rank
/// order, and a node is left as soon as its next rank cannot beat the best match so far.
/// </summary>
internal sealed class PolicyIndex
{
    public static readonly PolicyIndex Empty = new(Array.Empty<SecurityPolicy>());

    private readonly Node _ipv4 = new();
    private readonly Node _ipv6 = new();

    /// <summary>Builds the index; <paramref name="ordered"/> is sorted by rank already.</summary>
    public PolicyIndex(SecurityPolicy[] ordered)
    {
        Ordered = ordered;
        var prefixes = new List<(UInt128 Value, int Length)>();
        for (int rank = 0; rank < ordered.Length; rank++)
        {
            var rule = new Rule(rank, ordered[rank]);
            IPAddressRange remote = ordered[rank].Selector.RemoteAddress;
            if (remote.IsAny)
            {
                _ipv4.Add(rule);
                _ipv6.Add(rule);
                continue;
            }

            prefixes.Clear();
            remote.AppendPrefixes(prefixes);
            Node root = remote.Family == AddressValue.IPv4 ? _ipv4 : _ipv6;
            int width = AddressValue.Width(remote.Family);
            foreach ((UInt128 value, int length) in prefixes)
            {
                Node node = root;
                for (int depth = 0; depth < length; depth++)
                {
                    bool one = ((value >> (width - 1 - depth)) & UInt128.One) != UInt128.Zero;
                    node = one ? node.One ??= new Node() : node.Zero ??= new Node();
                }

                node.Add(rule);
            }
        }

        _ipv4.Freeze();
        _ipv6.Freeze();
    }

    /// <summary>The policies in rank order.</summary>
    public SecurityPolicy[] Ordered { get; }

    /// <summary>The first policy in rank order that matches, or null.</summary>
    public SecurityPolicy? Find(in TrafficFlow flow)
    {
        bool ipv4 = flow.Family == AddressValue.IPv4;
        Node? node = ipv4 ? _ipv4 : _ipv6;
        int width = ipv4 ? 32 : 128;
        UInt128 remote = flow.Remote;
        Rule? best = null;
        int bestRank = int.MaxValue;
        for (int depth = 0; node is not null; depth++)
        {
            Rule[] rules = node.Rules;
            for (int i = 0; i < rules.Length; i++)
            {
                Rule rule = rules[i];
                if (rule.Rank >= bestRank)
                {
                    break;
                }

                if (rule.Selector.MatchesExceptRemoteAddress(flow))
                {
                    best = rule;
                    bestRank = rule.Rank;
                    break;
                }
            }

            if (depth == width)
            {
                break;
            }

            node = Bit(remote, width - 1 - depth) ? node.One : node.Zero;
        }

        return best?.Policy;
    }

    /// <summary>How many rules lie on the flow's path (the most a lookup can examine): a diagnostic for tests.</summary>
    internal int CountCandidates(in TrafficFlow flow)
    {
        bool ipv4 = flow.Family == AddressValue.IPv4;
        Node? node = ipv4 ? _ipv4 : _ipv6;
        int width = ipv4 ? 32 : 128;
        int count = 0;
        for (int depth = 0; node is not null; depth++)
        {
            count += node.Rules.Length;
            if (depth == width)
            {
                break;
            }

            node = Bit(flow.Remote, width - 1 - depth) ? node.One : node.Zero;
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Bit(UInt128 value, int position) => ((value >> position) & UInt128.One) != UInt128.Zero;

    private sealed class Rule(int rank, SecurityPolicy policy)
    {
        public readonly int Rank = rank;
        public readonly TrafficSelector Selector = policy.Selector;
        public readonly SecurityPolicy Policy = policy;
    }

    private sealed class Node
    {
        private List<Rule>? _pending;

        public Node? Zero;
        public Node? One;
        public Rule[] Rules = Array.Empty<Rule>();

        public void Add(Rule rule) => (_pending ??= new List<Rule>()).Add(rule);

        public void Freeze()
        {
            if (_pending is not null)
            {
                Rules = _pending.ToArray();
                _pending = null;
            }

            Zero?.Freeze();
            One?.Freeze();
        }
    }
}
