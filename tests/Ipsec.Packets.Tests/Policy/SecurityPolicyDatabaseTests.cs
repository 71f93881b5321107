using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Policy;

public class SecurityPolicyDatabaseTests
{
    private static readonly byte[] Host4 = [192, 0, 2, 10];
    private static readonly byte[] Peer4 = [198, 51, 100, 20];
    private static readonly byte[] Host6 = IPAddress.Parse("2001:db8::10").GetAddressBytes();
    private static readonly byte[] Peer6 = IPAddress.Parse("2001:db8:1::20").GetAddressBytes();

    private static IPAddressRange Prefix(string text) => IPAddressRange.FromPrefix(IPNetwork.Parse(text));

    [Test]
    public void LowerPriorityFirstThenInsertionOrder()
    {
        var spd = new SecurityPolicyDatabase();
        var later = new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Discard, priority: 10);
        var firstOfTie = new SecurityPolicy(new TrafficSelector { Protocol = 17 }, SecurityPolicyAction.Bypass, priority: 5);
        var secondOfTie = new SecurityPolicy(new TrafficSelector { Protocol = 17 }, SecurityPolicyAction.Protect, priority: 5);
        spd.Add(later);
        spd.Add(firstOfTie);
        spd.Add(secondOfTie);

        Assert.That(spd.Find(TrafficFlow.Create(Host4, Peer4, 17, 500, 500)), Is.SameAs(firstOfTie));
        Assert.That(spd.Find(TrafficFlow.Create(Host4, Peer4, 6, 500, 500)), Is.SameAs(later));
        Assert.That(spd.Policies, Is.EqualTo(new[] { firstOfTie, secondOfTie, later }));
        Assert.That(spd.Remove(firstOfTie), Is.True);
        Assert.That(spd.Find(TrafficFlow.Create(Host4, Peer4, 17, 500, 500)), Is.SameAs(secondOfTie));
        Assert.That(spd.Remove(firstOfTie), Is.False);
    }

    [Test]
    public void NoMatchIsNull()
    {
        var spd = new SecurityPolicyDatabase();
        spd.Add(new SecurityPolicy(new TrafficSelector { RemoteAddress = Prefix("10.0.0.0/8") }, SecurityPolicyAction.Protect));
        Assert.That(spd.Find(TrafficFlow.Create(Host4, Peer4, 6, 1, 2)), Is.Null);
        Assert.That(spd.Find(TrafficFlow.Create(Host6, Peer6, 6, 1, 2)), Is.Null, "an IPv4 rule never matches IPv6");
    }

    [Test]
    public void AddressFamiliesAndPrefixes()
    {
        var spd = new SecurityPolicyDatabase();
        var v6Narrow = new SecurityPolicy(new TrafficSelector { RemoteAddress = Prefix("2001:db8:1::/48"), LocalAddress = Prefix("2001:db8::/64") }, SecurityPolicyAction.Protect);
        var v6Wide = new SecurityPolicy(new TrafficSelector { RemoteAddress = Prefix("2001:db8::/32") }, SecurityPolicyAction.Bypass);
        var v4 = new SecurityPolicy(new TrafficSelector { RemoteAddress = Prefix("198.51.100.0/24") }, SecurityPolicyAction.Protect);
        var all6 = new SecurityPolicy(new TrafficSelector { RemoteAddress = Prefix("::/0") }, SecurityPolicyAction.Discard);
        spd.AddRange([v6Narrow, v6Wide, v4, all6]);

        Assert.That(spd.Find(TrafficFlow.Create(Host6, Peer6, 6, 1, 2)), Is.SameAs(v6Narrow));
        Assert.That(spd.Find(TrafficFlow.Create(IPAddress.Parse("2001:db8:5::1").GetAddressBytes(), Peer6, 6, 1, 2)), Is.SameAs(v6Wide), "local outside /64");
        Assert.That(spd.Find(TrafficFlow.Create(Host6, IPAddress.Parse("2001:dead::1").GetAddressBytes(), 6, 1, 2)), Is.SameAs(all6));
        Assert.That(spd.Find(TrafficFlow.Create(Host4, Peer4, 6, 1, 2)), Is.SameAs(v4));
        Assert.That(spd.Find(TrafficFlow.Create(Host4, [203, 0, 113, 1], 6, 1, 2)), Is.Null, "::/0 is IPv6 only");
    }

    [Test]
    public void IcmpTypeAndCodeSelectors()
    {
        var spd = new SecurityPolicyDatabase();
        var echoRequest = new SecurityPolicy(new TrafficSelector { Protocol = 1, LocalPorts = PortRange.IcmpTypeAndCode(8, 0) }, SecurityPolicyAction.Bypass);
        var unreachable = new SecurityPolicy(new TrafficSelector { Protocol = 58, RemotePorts = PortRange.IcmpType(1) }, SecurityPolicyAction.Bypass);
        var rest = new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Protect, priority: 1);
        spd.AddRange([echoRequest, unreachable, rest]);

        Assert.That(spd.Find(TrafficFlow.CreateIcmp(Host4, Peer4, 8, 0)), Is.SameAs(echoRequest));
        Assert.That(spd.Find(TrafficFlow.CreateIcmp(Host4, Peer4, 8, 1)), Is.SameAs(rest));
        Assert.That(spd.Find(TrafficFlow.CreateIcmp(Host4, Peer4, 0, 0)), Is.SameAs(rest));
        Assert.That(spd.Find(TrafficFlow.CreateIcmp(Host6, Peer6, 1, 4)), Is.SameAs(unreachable), "ICMPv6 type 1, any code, either port field");
        Assert.That(spd.Find(TrafficFlow.CreateIcmp(Host6, Peer6, 2, 0)), Is.SameAs(rest));
    }

    [Test]
    public void OpaquePortsMatchOnlyAnyPorts()
    {
        var spd = new SecurityPolicyDatabase();
        var https = new SecurityPolicy(new TrafficSelector { Protocol = 6, RemotePorts = PortRange.Single(443) }, SecurityPolicyAction.Protect);
        var tcp = new SecurityPolicy(new TrafficSelector { Protocol = 6 }, SecurityPolicyAction.Discard, priority: 1);
        spd.AddRange([https, tcp]);
        Assert.That(spd.Find(TrafficFlow.Create(Host4, Peer4, 6, 40000, 443)), Is.SameAs(https));
        Assert.That(spd.Find(TrafficFlow.CreateWithoutPorts(Host4, Peer4, 6)), Is.SameAs(tcp), "a non-initial fragment cannot match a port selector");
    }

    [Test]
    public void RangesThatAreNotPrefixes()
    {
        var spd = new SecurityPolicyDatabase();
        var range = new SecurityPolicy(new TrafficSelector
        {
            RemoteAddress = IPAddressRange.FromRange(IPAddress.Parse("10.0.0.7"), IPAddress.Parse("10.0.1.3")),
        }, SecurityPolicyAction.Protect);
        spd.Add(range);
        Assert.That(spd.Find(TrafficFlow.Create(Host4, [10, 0, 0, 6], 6, 1, 2)), Is.Null);
        Assert.That(spd.Find(TrafficFlow.Create(Host4, [10, 0, 0, 7], 6, 1, 2)), Is.SameAs(range));
        Assert.That(spd.Find(TrafficFlow.Create(Host4, [10, 0, 0, 255], 6, 1, 2)), Is.SameAs(range));
        Assert.That(spd.Find(TrafficFlow.Create(Host4, [10, 0, 1, 3], 6, 1, 2)), Is.SameAs(range));
        Assert.That(spd.Find(TrafficFlow.Create(Host4, [10, 0, 1, 4], 6, 1, 2)), Is.Null);
    }

    [Test]
    public void ConfigurationErrors()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => _ = new SecurityPolicy(new TrafficSelector { LocalPorts = PortRange.Single(80) }, SecurityPolicyAction.Bypass), "ports need a protocol");
            Assert.Throws<ArgumentException>(() => _ = new SecurityPolicy(new TrafficSelector { Protocol = 50, LocalPorts = PortRange.Single(80) }, SecurityPolicyAction.Bypass), "ESP has no ports");
            Assert.Throws<ArgumentException>(() => _ = new SecurityPolicy(
                new TrafficSelector { LocalAddress = Prefix("10.0.0.0/8"), RemoteAddress = Prefix("2001:db8::/32") }, SecurityPolicyAction.Bypass), "mixed families");
            Assert.Throws<ArgumentException>(() => _ = new PortRange(10, 9));
        });

        var spd = new SecurityPolicyDatabase();
        var policy = new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Bypass);
        spd.Add(policy);
        Assert.Throws<ArgumentException>(() => spd.Add(policy), "a policy belongs to one database");
        Assert.Throws<ArgumentException>(() => new SecurityPolicyDatabase().Add(policy));
        var fresh = new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Bypass);
        Assert.Throws<ArgumentException>(() => spd.AddRange([fresh, policy]), "all or nothing");
        Assert.That(spd.Count, Is.EqualTo(1));
        Assert.DoesNotThrow(() => new SecurityPolicyDatabase().Add(fresh), "the failed batch released its claims");
    }

    [Test]
    public void FindDoesNotAllocate()
    {
        var spd = new SecurityPolicyDatabase();
        for (int i = 0; i < 200; i++)
        {
            spd.Add(new SecurityPolicy(new TrafficSelector
            {
                RemoteAddress = IPAddressRange.FromPrefix(new IPAddress(new byte[] { 10, (byte)i, 0, 0 }), 16),
                Protocol = 6,
                RemotePorts = PortRange.Single((ushort)(1000 + i)),
            }, SecurityPolicyAction.Protect));
        }

        spd.Add(new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Discard, priority: 1));
        TrafficFlow hit = TrafficFlow.Create(Host4, [10, 7, 1, 1], 6, 5555, 1007);
        TrafficFlow miss = TrafficFlow.Create(Host6, Peer6, 17, 5555, 1007);
        SecurityPolicy? found = null;
        long allocated = Allocations.Measure(() =>
        {
            found = spd.Find(hit);
            spd.Find(miss);
            _ = TrafficFlow.Create(Host4, Peer4, 6, 1, 2);
        });
        Assert.That(allocated, Is.Zero);
        Assert.That(found!.Selector.RemotePorts, Is.EqualTo(PortRange.Single(1007)));
    }

    [Test]
    public void ReadersSeeWholeSnapshotsWhileWritersChangePolicies()
    {
        var spd = new SecurityPolicyDatabase();
        var stable = new SecurityPolicy(new TrafficSelector { Protocol = 6, RemotePorts = PortRange.Single(22) }, SecurityPolicyAction.Bypass, priority: -1);
        var fallback = new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Discard, priority: 1000);
        spd.AddRange([stable, fallback]);
        TrafficFlow ssh = TrafficFlow.Create(Host4, [10, 0, 0, 1], 6, 40000, 22);
        TrafficFlow web = TrafficFlow.Create(Host4, [10, 0, 0, 1], 6, 40000, 443);

        int stop = 0;
        long wrong = 0;
        var readers = new Task[2];
        for (int t = 0; t < readers.Length; t++)
        {
            readers[t] = Task.Run(() =>
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    if (!ReferenceEquals(spd.Find(ssh), stable))
                    {
                        Interlocked.Increment(ref wrong);
                    }

                    SecurityPolicy? p = spd.Find(web);
                    if (p is null || (p != fallback && p.Action != SecurityPolicyAction.Protect))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
            });
        }

        var random = new Random(5);
        var churn = new List<SecurityPolicy>();
        for (int round = 0; round < 2000; round++)
        {
            if (churn.Count > 0 && random.Next(2) == 0)
            {
                int i = random.Next(churn.Count);
                Assert.That(spd.Remove(churn[i]), Is.True);
                churn.RemoveAt(i);
            }
            else
            {
                var p = new SecurityPolicy(new TrafficSelector
                {
                    RemoteAddress = IPAddressRange.FromPrefix(new IPAddress(new byte[] { 10, 0, 0, 0 }), random.Next(8, 33)),
                }, SecurityPolicyAction.Protect, priority: random.Next(10));
                spd.Add(p);
                churn.Add(p);
            }
        }

        Volatile.Write(ref stop, 1);
        Task.WaitAll(readers);
        Assert.That(wrong, Is.Zero);
        Assert.That(spd.Count, Is.EqualTo(2 + churn.Count));
    }
}
