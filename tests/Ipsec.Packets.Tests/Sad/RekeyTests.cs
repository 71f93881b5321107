using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

public class RekeyTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("2001:db8::2");
    private static readonly IPAddress Local = IPAddress.Parse("2001:db8::1");

    private static SecurityPolicy ProtectAll() => new(TrafficSelector.Any, SecurityPolicyAction.Protect);

    [Test]
    public void OldAndNewInboundAreBothAcceptedUntilTheDrainEnds()
    {
        var clock = new FakeTimeProvider();
        using var sad = new SecurityAssociationDatabase(clock);
        SecurityPolicy policy = ProtectAll();
        var oldSa = new FakeSecurityAssociation(0x1000);
        var newSa = new FakeSecurityAssociation(0x2000);
        SecurityAssociationHandle oldHandle = sad.Add(oldSa, SecurityAssociationDirection.Inbound, Local, policy: policy);
        SecurityAssociationHandle newHandle = sad.Add(newSa, SecurityAssociationDirection.Inbound, Local, policy: policy);
        int retired = 0;
        sad.Retired += (_, e) =>
        {
            Assert.That(e.Handle, Is.SameAs(oldHandle));
            retired++;
        };

        sad.Retire(oldHandle, TimeSpan.FromSeconds(30));
        Assert.That(oldHandle.IsRetiring, Is.True);
        byte[] local = Local.GetAddressBytes();
        clock.Advance(TimeSpan.FromSeconds(29));
        sad.Poll();
        Assert.That(sad.FindInbound(0x1000, local, default, out SecurityAssociationHandle? o), Is.EqualTo(IpsecStatus.Success), "old SA during the drain");
        Assert.That(sad.FindInbound(0x2000, local, default, out SecurityAssociationHandle? n), Is.EqualTo(IpsecStatus.Success), "new SA");
        Assert.That(o!.Policy, Is.SameAs(policy));
        Assert.That(n!.Policy, Is.SameAs(policy));

        clock.Advance(TimeSpan.FromSeconds(1));
        sad.Poll();
        Assert.That(retired, Is.EqualTo(1));
        Assert.That(sad.FindInbound(0x1000, local, default, out _), Is.EqualTo(IpsecStatus.UnknownSpi), "old SA gone after the drain");
        Assert.That(sad.FindInbound(0x2000, local, default, out _), Is.EqualTo(IpsecStatus.Success));
        Assert.That(oldSa.DisposeCount, Is.EqualTo(1));
        Assert.That(oldSa.KeyZeroed, Is.True);
        Assert.That(newSa.DisposeCount, Is.Zero);
    }

    [Test]
    public void OutboundSwitchIsAtomicAndRetiresTheOldBundle()
    {
        var clock = new FakeTimeProvider();
        using var sad = new SecurityAssociationDatabase(clock);
        SecurityPolicy policy = ProtectAll();
        Assert.That(sad.FindOutbound(policy, out _), Is.EqualTo(IpsecStatus.NoSecurityAssociation), "no SA negotiated yet");

        // AH over ESP: two SAs per generation; a reader must never see an ESP of one generation with an AH of another.
        var oldEsp = new FakeSecurityAssociation(0x1001);
        var oldAh = new FakeSecurityAssociation(0x1002);
        var oldBundle = new SecurityAssociationBundle(
            sad.Add(oldEsp, SecurityAssociationDirection.Outbound, Peer), sad.Add(oldAh, SecurityAssociationDirection.Outbound, Peer));
        Assert.That(sad.SwitchOutbound(policy, oldBundle, TimeSpan.FromSeconds(5)), Is.Null);

        var newBundle = new SecurityAssociationBundle(
            sad.Add(new FakeSecurityAssociation(0x2001), SecurityAssociationDirection.Outbound, Peer),
            sad.Add(new FakeSecurityAssociation(0x2002), SecurityAssociationDirection.Outbound, Peer));

        int torn = 0;
        int sawNew = 0;
        using var started = new CountdownEvent(2);
        var readers = new Task[2];
        for (int t = 0; t < readers.Length; t++)
        {
            readers[t] = Task.Run(() =>
            {
                int newSeen = 0;
                for (int i = 0; i < 5_000_000 && newSeen < 10_000; i++)
                {
                    if (i == 1000)
                    {
                        started.Signal();
                    }

                    if (sad.FindOutbound(policy, out SecurityAssociationBundle? bundle) != IpsecStatus.Success)
                    {
                        Interlocked.Increment(ref torn);
                        continue;
                    }

                    uint generation = bundle![0].Spi >> 12;
                    if (bundle[1].Spi >> 12 != generation)
                    {
                        Interlocked.Increment(ref torn);
                    }

                    if (generation == 2)
                    {
                        newSeen++;
                    }
                }

                Interlocked.Add(ref sawNew, newSeen);
            });
        }

        // Switch while both readers are in their loops.
        Assert.That(started.Wait(TimeSpan.FromSeconds(30)), Is.True);
        SecurityAssociationBundle? previous = sad.SwitchOutbound(policy, newBundle, TimeSpan.FromSeconds(5));
        Task.WaitAll(readers);

        Assert.That(sawNew, Is.GreaterThan(0), "the readers saw the switch");
        Assert.That(previous, Is.SameAs(oldBundle));
        Assert.That(torn, Is.Zero);
        Assert.That(policy.Outbound, Is.SameAs(newBundle));
        Assert.That(sad.FindOutbound(policy, out SecurityAssociationBundle? now), Is.EqualTo(IpsecStatus.Success));
        Assert.That(now, Is.SameAs(newBundle), "every lookup after the switch sees the new bundle");
        Assert.That(oldBundle[0].IsRetiring && oldBundle[1].IsRetiring, Is.True);
        Assert.That(newBundle[0].IsRetiring || newBundle[1].IsRetiring, Is.False);

        // A packet in flight under the old SA finishes with it after the drain.
        Assert.That(oldBundle[0].Acquire(out SecurityAssociationLease lease), Is.EqualTo(IpsecStatus.Success));
        clock.Advance(TimeSpan.FromSeconds(5));
        sad.Poll();
        Assert.That(sad.Count, Is.EqualTo(2));
        Assert.That(oldAh.DisposeCount, Is.EqualTo(1));
        Assert.That(oldEsp.DisposeCount, Is.Zero, "still leased");
        lease.Dispose();
        Assert.That(oldEsp.DisposeCount, Is.EqualTo(1));
    }

    [Test]
    public void ExpiredBundleIsReportedAndNonProtectPoliciesHaveNone()
    {
        using var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        SecurityPolicy policy = ProtectAll();
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x3000), SecurityAssociationDirection.Outbound, Peer,
            lifetime: new SecurityAssociationLifetime { HardPacketLimit = 1 });
        sad.SwitchOutbound(policy, new SecurityAssociationBundle(handle), TimeSpan.Zero);
        Assert.That(handle.Acquire(out SecurityAssociationLease lease), Is.EqualTo(IpsecStatus.Success));
        using (lease)
        {
            Assert.That(lease.RecordUse(10), Is.EqualTo(IpsecStatus.Success));
            Assert.That(lease.RecordUse(10), Is.EqualTo(IpsecStatus.SaExpired));
        }

        Assert.That(sad.FindOutbound(policy, out SecurityAssociationBundle? bundle), Is.EqualTo(IpsecStatus.SaExpired));
        Assert.That(bundle, Is.Null);
        var bypass = new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Bypass);
        Assert.That(sad.FindOutbound(bypass, out _), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.Throws<InvalidOperationException>(() => bypass.SwitchOutbound(null));
        Assert.Throws<ArgumentException>(() => new SecurityAssociationBundle(sad.Add(new FakeSecurityAssociation(0x3001), SecurityAssociationDirection.Inbound)));
    }

    [Test]
    public void InboundCheckAfterDecapsulation()
    {
        using var sad = new SecurityAssociationDatabase();
        var policy = new SecurityPolicy(new TrafficSelector
        {
            LocalAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("10.1.0.0/16")),
            RemoteAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("10.2.0.0/16")),
            Protocol = 6,
            LocalPorts = PortRange.Single(443),
        }, SecurityPolicyAction.Protect);
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x4000), SecurityAssociationDirection.Inbound, policy: policy);
        SecurityAssociationHandle unbound = sad.Add(new FakeSecurityAssociation(0x4001), SecurityAssociationDirection.Inbound);

        byte[] local = [10, 1, 0, 5], remote = [10, 2, 7, 7], stranger = [10, 3, 0, 1];
        Assert.That(handle.CheckInbound(TrafficFlow.Create(local, remote, 6, 443, 50000)), Is.EqualTo(IpsecStatus.Success));
        Assert.That(handle.CheckInbound(TrafficFlow.Create(local, stranger, 6, 443, 50000)), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.That(handle.CheckInbound(TrafficFlow.Create(local, remote, 17, 443, 50000)), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.That(handle.CheckInbound(TrafficFlow.Create(local, remote, 6, 80, 50000)), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.That(unbound.CheckInbound(TrafficFlow.Create(local, remote, 6, 443, 50000)), Is.EqualTo(IpsecStatus.PolicyMismatch), "fail closed without a policy");
    }
}
