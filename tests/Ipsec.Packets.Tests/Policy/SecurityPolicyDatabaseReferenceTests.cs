using System;
using System.Collections.Generic;
using System.Net;
using System.Numerics;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Policy;

/// <summary>
/// The indexed SPD lookup against a plain linear scan with its own matching code, over random policies and packets.
/// </summary>
public class SecurityPolicyDatabaseReferenceTests
{
    private static readonly BigInteger V4Base = new(0x0A000000); // 10.0.0.0
    private static readonly BigInteger V6Base = BigInteger.Parse("20010db8000000000000000000000000", System.Globalization.NumberStyles.HexNumber);
    private static readonly byte[] Protocols = [6, 17, 1, 58, 50];

    /// <summary>A selector as the reference sees it: null ranges are "any".</summary>
    private sealed record RangeSpec(int Family, BigInteger First, BigInteger Last);

    private sealed record RuleSpec(
        int Index, int Priority, RangeSpec? Local, RangeSpec? Remote, byte? Protocol, (int Lo, int Hi)? LocalPorts, (int Lo, int Hi)? RemotePorts,
        SecurityPolicy Policy);

    private sealed record FlowSpec(int Family, BigInteger Local, BigInteger Remote, byte Protocol, int LocalPort, int RemotePort, bool HasPorts, TrafficFlow Flow);

    [TestCase(1, 400)]
    [TestCase(2, 400)]
    [TestCase(3, 60)]
    [TestCase(4, 1500)]
    public void IndexedLookupEqualsLinearScan(int seed, int ruleCount)
    {
        var random = new Random(seed);
        var spd = new SecurityPolicyDatabase();
        var inserted = new List<RuleSpec>(); // the order in which policies reach the database, kept by the test itself
        var batch = new List<RuleSpec>();
        for (int i = 0; i < ruleCount; i++)
        {
            RuleSpec rule = RandomRule(random, i);
            if (random.Next(4) == 0)
            {
                spd.Add(rule.Policy);
                inserted.Add(rule);
            }
            else
            {
                batch.Add(rule);
                if (batch.Count == 25)
                {
                    AddBatch(spd, batch, inserted);
                }
            }
        }

        AddBatch(spd, batch, inserted);
        List<RuleSpec> rules = inserted;
        Assert.That(spd.Count, Is.EqualTo(ruleCount));
        int flows = Math.Min(10_000, 4_000_000 / ruleCount);
        int matched = Compare(random, spd, InsertionOrder(rules), flows);
        Assert.That(matched, Is.GreaterThan(flows / 5), "the random data exercises matches, not only misses");

        // Remove a third and compare again.
        var kept = new List<RuleSpec>();
        foreach (RuleSpec rule in rules)
        {
            if (random.Next(3) == 0)
            {
                Assert.That(spd.Remove(rule.Policy), Is.True);
            }
            else
            {
                kept.Add(rule);
            }
        }

        Assert.That(spd.Count, Is.EqualTo(kept.Count));
        Compare(random, spd, InsertionOrder(kept), flows / 2);
    }

    [Test]
    public void LookupDoesNotScanEveryRule()
    {
        var spd = new SecurityPolicyDatabase();
        var policies = new List<SecurityPolicy>();
        for (int i = 0; i < 10_000; i++)
        {
            var address = new IPAddress(new byte[] { 10, (byte)(i >> 16), (byte)(i >> 8), (byte)i });
            policies.Add(new SecurityPolicy(new TrafficSelector { RemoteAddress = IPAddressRange.FromAddress(address) }, SecurityPolicyAction.Protect));
        }

        policies.Add(new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Discard, priority: 100));
        spd.AddRange(policies);
        TrafficFlow flow = TrafficFlow.Create([192, 0, 2, 1], [10, 0, 0x12, 0x34], 6, 1000, 443);
        Assert.That(spd.Find(flow), Is.SameAs(policies[0x1234]));
        Assert.That(spd.CountCandidates(flow), Is.EqualTo(2), "the /32 on the path and the wildcard fallback, not 10,001 rules");
    }

    [Test]
    public void AnIPv6LookupDoesNotScanEveryRuleEither()
    {
        var spd = new SecurityPolicyDatabase();
        var policies = new List<SecurityPolicy>();
        for (int i = 0; i < 1_000; i++)
        {
            byte[] bytes = IPAddress.Parse("2001:db8::").GetAddressBytes();
            bytes[14] = (byte)(i >> 8);
            bytes[15] = (byte)i;
            policies.Add(new SecurityPolicy(new TrafficSelector { RemoteAddress = IPAddressRange.FromAddress(new IPAddress(bytes)) }, SecurityPolicyAction.Protect));
        }

        policies.Add(new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Discard, priority: 100));
        spd.AddRange(policies);
        byte[] remote = IPAddress.Parse("2001:db8::").GetAddressBytes();
        remote[14] = 0x01;
        remote[15] = 0x23;
        TrafficFlow flow = TrafficFlow.Create(IPAddress.Parse("2001:db8:ffff::1").GetAddressBytes(), remote, 6, 1000, 443);
        Assert.That(spd.Find(flow), Is.SameAs(policies[0x123]));
        Assert.That(spd.CountCandidates(flow), Is.EqualTo(2), "the /128 on the path and the wildcard fallback, not 1,001 rules");
    }

    [Test]
    public void WildcardAddressRulesAreBucketedByProtocol()
    {
        var spd = new SecurityPolicyDatabase();
        var policies = new List<SecurityPolicy>();
        for (int i = 0; i < 3000; i++)
        {
            byte protocol = (byte)(i % 3 == 0 ? 6 : i % 3 == 1 ? 17 : 132);
            policies.Add(new SecurityPolicy(
                new TrafficSelector { Protocol = protocol, RemotePorts = PortRange.Single((ushort)(10_000 + i)) }, SecurityPolicyAction.Protect));
        }

        var anyIcmp = new SecurityPolicy(new TrafficSelector { Protocol = 1 }, SecurityPolicyAction.Bypass);
        var last = new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Discard);
        policies.Add(anyIcmp);
        policies.Add(last);
        spd.AddRange(policies);

        TrafficFlow icmp = TrafficFlow.CreateIcmp([192, 0, 2, 1], [198, 51, 100, 1], 8, 0);
        TrafficFlow esp = TrafficFlow.CreateWithoutPorts([192, 0, 2, 1], [198, 51, 100, 1], 50);
        TrafficFlow udp = TrafficFlow.Create([192, 0, 2, 1], [198, 51, 100, 1], 17, 1, 10_001);
        Assert.That(spd.Find(icmp), Is.SameAs(anyIcmp));
        Assert.That(spd.Find(esp), Is.SameAs(last));
        Assert.That(spd.Find(udp), Is.SameAs(policies[1]));
        Assert.That(spd.CountCandidates(icmp), Is.EqualTo(2), "ICMP meets only its own rule and the wildcard, not 3,000 TCP/UDP/SCTP rules");
        Assert.That(spd.CountCandidates(esp), Is.EqualTo(1));
        Assert.That(spd.CountCandidates(udp), Is.EqualTo(1001));
    }

    private static void AddBatch(SecurityPolicyDatabase spd, List<RuleSpec> batch, List<RuleSpec> inserted)
    {
        var policies = new List<SecurityPolicy>();
        foreach (RuleSpec rule in batch)
        {
            policies.Add(rule.Policy);
        }

        spd.AddRange(policies);
        inserted.AddRange(batch);
        batch.Clear();
    }

    /// <summary>Reference order: by priority, then by insertion (a stable sort of the insertion list).</summary>
    private static List<RuleSpec> InsertionOrder(List<RuleSpec> insertedOrder)
    {
        var result = new List<RuleSpec>(insertedOrder);
        InsertionSortStable(result);
        return result;
    }

    private static void InsertionSortStable(List<RuleSpec> list)
    {
        // Insertion sort: stable, and independent of the library's sort.
        for (int i = 1; i < list.Count; i++)
        {
            RuleSpec item = list[i];
            int j = i - 1;
            while (j >= 0 && list[j].Priority > item.Priority)
            {
                list[j + 1] = list[j];
                j--;
            }

            list[j + 1] = item;
        }
    }

    private static int Compare(Random random, SecurityPolicyDatabase spd, List<RuleSpec> ordered, int flows)
    {
        int matched = 0;
        for (int i = 0; i < flows; i++)
        {
            FlowSpec flow = RandomFlow(random);
            SecurityPolicy? expected = null;
            foreach (RuleSpec rule in ordered)
            {
                if (ReferenceMatch(rule, flow))
                {
                    expected = rule.Policy;
                    break;
                }
            }

            SecurityPolicy? actual = spd.Find(flow.Flow);
            if (!ReferenceEquals(actual, expected))
            {
                Assert.Fail($"flow {flow.Flow}: expected {expected?.ToString() ?? "none"}, got {actual?.ToString() ?? "none"}");
            }

            if (expected is not null)
            {
                matched++;
            }
        }

        return matched;
    }

    private static bool ReferenceMatch(RuleSpec rule, FlowSpec flow)
    {
        if (rule.Protocol is byte p && p != flow.Protocol)
        {
            return false;
        }

        if (!InRange(rule.Local, flow.Family, flow.Local) || !InRange(rule.Remote, flow.Family, flow.Remote))
        {
            return false;
        }

        if (rule.LocalPorts is null && rule.RemotePorts is null)
        {
            return true;
        }

        if (!flow.HasPorts)
        {
            return false; // OPAQUE matches only ANY
        }

        return (rule.LocalPorts is not { } l || (flow.LocalPort >= l.Lo && flow.LocalPort <= l.Hi)) &&
               (rule.RemotePorts is not { } r || (flow.RemotePort >= r.Lo && flow.RemotePort <= r.Hi));
    }

    private static bool InRange(RangeSpec? range, int family, BigInteger value) =>
        range is null || (range.Family == family && value >= range.First && value <= range.Last);

    private static RuleSpec RandomRule(Random random, int index)
    {
        int family = random.Next(10) switch { < 4 => 4, < 8 => 6, _ => 0 };
        RangeSpec? local = family == 0 ? null : RandomRange(random, family);
        RangeSpec? remote = family == 0 ? null : RandomRange(random, family);
        byte? protocol = random.Next(10) < 3 ? null : Protocols[random.Next(Protocols.Length)];
        (int, int)? localPorts = null, remotePorts = null;
        PortRange lp = PortRange.Any, rp = PortRange.Any;
        if (protocol is 6 or 17)
        {
            if (random.Next(2) == 0)
            {
                (localPorts, lp) = RandomPorts(random);
            }

            if (random.Next(2) == 0)
            {
                (remotePorts, rp) = RandomPorts(random);
            }
        }
        else if (protocol is 1 or 58 && random.Next(3) != 0)
        {
            byte type = (byte)random.Next(4);
            if (random.Next(2) == 0)
            {
                lp = PortRange.IcmpType(type);
                localPorts = (type << 8, (type << 8) | 0xFF);
            }
            else
            {
                byte code = (byte)random.Next(3);
                lp = PortRange.IcmpTypeAndCode(type, code);
                localPorts = ((type << 8) | code, (type << 8) | code);
            }
        }

        var selector = new TrafficSelector
        {
            LocalAddress = ToRange(local),
            RemoteAddress = ToRange(remote),
            Protocol = protocol,
            LocalPorts = lp,
            RemotePorts = rp,
        };
        var action = (SecurityPolicyAction)random.Next(3);
        int priority = random.Next(5);
        return new RuleSpec(index, priority, local, remote, protocol, localPorts, remotePorts, new SecurityPolicy(selector, action, priority));
    }

    private static ((int, int), PortRange) RandomPorts(Random random)
    {
        int a = random.Next(20), b = random.Next(20);
        (int lo, int hi) = (Math.Min(a, b), Math.Max(a, b));
        return ((lo, hi), new PortRange((ushort)lo, (ushort)hi));
    }

    private static BigInteger RandomAddress(Random random, int family) => family == 4
        ? V4Base + random.Next(4096)
        : V6Base + (new BigInteger(random.Next(4)) << 64) + random.Next(1024);

    private static RangeSpec? RandomRange(Random random, int family)
    {
        switch (random.Next(10))
        {
            case < 3:
                return null;
            case < 7:
            {
                int width = family == 4 ? 32 : 128;
                int length = family == 4 ? 18 + random.Next(15) : 60 + random.Next(69);
                BigInteger mask = (BigInteger.One << (width - length)) - 1;
                BigInteger first = RandomAddress(random, family) & ~mask & ((BigInteger.One << width) - 1);
                return new RangeSpec(family, first, first | mask);
            }

            default:
            {
                BigInteger a = RandomAddress(random, family), b = RandomAddress(random, family);
                return new RangeSpec(family, BigInteger.Min(a, b), BigInteger.Max(a, b));
            }
        }
    }

    private static IPAddressRange ToRange(RangeSpec? spec)
    {
        if (spec is null)
        {
            return IPAddressRange.Any;
        }

        return IPAddressRange.FromRange(ToAddress(spec.Family, spec.First), ToAddress(spec.Family, spec.Last));
    }

    private static byte[] ToBytes(int family, BigInteger value)
    {
        byte[] bytes = new byte[family == 4 ? 4 : 16];
        byte[] raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        raw.CopyTo(bytes, bytes.Length - raw.Length);
        return bytes;
    }

    private static IPAddress ToAddress(int family, BigInteger value) => new(ToBytes(family, value));

    private static FlowSpec RandomFlow(Random random)
    {
        int family = random.Next(2) == 0 ? 4 : 6;
        BigInteger local = RandomAddress(random, family), remote = RandomAddress(random, family);
        byte[] l = ToBytes(family, local), r = ToBytes(family, remote);
        switch (random.Next(10))
        {
            case < 5:
            {
                byte protocol = random.Next(2) == 0 ? (byte)6 : (byte)17;
                int lp = random.Next(22), rp = random.Next(22);
                return new FlowSpec(family, local, remote, protocol, lp, rp, true, TrafficFlow.Create(l, r, protocol, (ushort)lp, (ushort)rp));
            }

            case < 6:
            {
                byte protocol = random.Next(2) == 0 ? (byte)6 : (byte)17;
                return new FlowSpec(family, local, remote, protocol, 0, 0, false, TrafficFlow.CreateWithoutPorts(l, r, protocol));
            }

            case < 8:
            {
                byte type = (byte)random.Next(5), code = (byte)random.Next(4);
                int value = (type << 8) | code;
                return new FlowSpec(family, local, remote, family == 4 ? (byte)1 : (byte)58, value, value, true, TrafficFlow.CreateIcmp(l, r, type, code));
            }

            default:
                return new FlowSpec(family, local, remote, 50, 0, 0, false, TrafficFlow.CreateWithoutPorts(l, r, 50));
        }
    }
}
