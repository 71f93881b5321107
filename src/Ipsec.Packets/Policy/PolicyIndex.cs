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
/// order, and a node is left as soon as its next rank cannot beat the best match so far. A node with many policies
/// (typically the wildcard root) also splits them by protocol, so a lookup there merges only the wildcard-protocol list
/// with the list for the packet's protocol.
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
            if (node.ByProtocol is { } byProtocol)
            {
                ScanMerged(node.AnyProtocol, byProtocol[flow.Protocol], flow, ref best, ref bestRank);
            }
            else
            {
                Scan(node.Rules, flow, ref best, ref bestRank);
            }

            if (depth == width)
            {
                break;
            }

            node = Bit(remote, width - 1 - depth) ? node.One : node.Zero;
        }

        return best?.Policy;
    }

    /// <summary>The first rule of a rank-ordered list that beats <paramref name="bestRank"/> and matches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scan(Rule[] rules, in TrafficFlow flow, ref Rule? best, ref int bestRank)
    {
        for (int i = 0; i < rules.Length; i++)
        {
            Rule rule = rules[i];
            if (rule.Rank >= bestRank)
            {
                return;
            }

            if (rule.Selector.MatchesExceptRemoteAddress(flow))
            {
                best = rule;
                bestRank = rule.Rank;
                return;
            }
        }
    }

    /// <summary>Scans two rank-ordered lists (wildcard protocol, and the flow's protocol) in merged rank order.</summary>
    private static void ScanMerged(Rule[] anyProtocol, Rule[] protocol, in TrafficFlow flow, ref Rule? best, ref int bestRank)
    {
        int i = 0, j = 0;
        while (true)
        {
            Rule rule;
            if (i < anyProtocol.Length && (j >= protocol.Length || anyProtocol[i].Rank < protocol[j].Rank))
            {
                rule = anyProtocol[i++];
            }
            else if (j < protocol.Length)
            {
                rule = protocol[j++];
            }
            else
            {
                return;
            }

            if (rule.Rank >= bestRank)
            {
                return;
            }

            if (rule.Selector.MatchesExceptRemoteAddress(flow))
            {
                best = rule;
                bestRank = rule.Rank;
                return;
            }
        }
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
            count += node.ByProtocol is { } byProtocol ? node.AnyProtocol.Length + byProtocol[flow.Protocol].Length : node.Rules.Length;
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
        /// <summary>Nodes with more rules than this also bucket them by protocol.</summary>
        private const int BucketThreshold = 8;

        private List<Rule>? _pending;

        public Node? Zero;
        public Node? One;
        public Rule[] Rules = Array.Empty<Rule>();

        /// <summary>For big nodes: the rules with a wildcard protocol, in rank order.</summary>
        public Rule[] AnyProtocol = Array.Empty<Rule>();

        /// <summary>For big nodes: per protocol number, the rules for exactly that protocol, in rank order; null for small nodes.</summary>
        public Rule[][]? ByProtocol;

        public void Add(Rule rule) => (_pending ??= new List<Rule>()).Add(rule);

        public void Freeze()
        {
            if (_pending is not null)
            {
                Rules = _pending.ToArray();
                _pending = null;
                if (Rules.Length > BucketThreshold)
                {
                    BuildProtocolBuckets();
                }
            }

            Zero?.Freeze();
            One?.Freeze();
        }

        private void BuildProtocolBuckets()
        {
            var any = new List<Rule>();
            var lists = new List<Rule>?[256];
            foreach (Rule rule in Rules)
            {
                if (rule.Selector.Protocol is byte protocol)
                {
                    (lists[protocol] ??= new List<Rule>()).Add(rule);
                }
                else
                {
                    any.Add(rule);
                }
            }

            var buckets = new Rule[256][];
            for (int p = 0; p < buckets.Length; p++)
            {
                buckets[p] = lists[p]?.ToArray() ?? Array.Empty<Rule>();
            }

            AnyProtocol = any.ToArray();
            ByProtocol = buckets;
        }
    }
}
