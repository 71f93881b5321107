using System;
using System.Collections.Generic;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

public class SecurityAssociationLifetimeTests
{
    private static readonly byte[] Dst = IPAddress.Parse("192.0.2.1").GetAddressBytes();

    private sealed class Recorder
    {
        public readonly List<string> Events = new();

        public Recorder(SecurityAssociationDatabase sad)
        {
            sad.SoftLifetimeExpired += (_, e) => Events.Add($"soft {e.Handle.Spi:x}");
            sad.HardLifetimeExpired += (_, e) => Events.Add($"hard {e.Handle.Spi:x}");
            sad.Retired += (_, e) => Events.Add($"retired {e.Handle.Spi:x}");
        }
    }

    private static IpsecStatus Use(SecurityAssociationHandle handle, int bytes)
    {
        IpsecStatus status = handle.Acquire(out SecurityAssociationLease lease);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        using (lease)
        {
            return lease.RecordUse(bytes);
        }
    }

    [Test]
    public void PacketLimitsSoftOnceHardStops()
    {
        var clock = new FakeTimeProvider();
        using var sad = new SecurityAssociationDatabase(clock);
        var recorder = new Recorder(sad);
        var sa = new FakeSecurityAssociation(0x1000);
        SecurityAssociationHandle handle = sad.Add(sa, SecurityAssociationDirection.Inbound, IPAddress.Parse("192.0.2.1"),
            lifetime: new SecurityAssociationLifetime { SoftPacketLimit = 3, HardPacketLimit = 5 });

        for (int i = 0; i < 3; i++)
        {
            Assert.That(Use(handle, 100), Is.EqualTo(IpsecStatus.Success));
        }

        Assert.That(recorder.Events, Is.Empty, "events come only from Poll, never from the data path");
        sad.Poll();
        sad.Poll();
        Assert.That(recorder.Events, Is.EqualTo(new[] { "soft 1000" }), "soft raised once across polls");
        Assert.That(handle.State, Is.EqualTo(SecurityAssociationState.SoftExpired));

        Assert.That(Use(handle, 100), Is.EqualTo(IpsecStatus.Success));
        Assert.That(Use(handle, 100), Is.EqualTo(IpsecStatus.Success), "the fifth packet is still within the hard limit");
        Assert.That(Use(handle, 100), Is.EqualTo(IpsecStatus.SaExpired), "the sixth is refused on the data path at once");
        Assert.That(handle.PacketsProcessed, Is.EqualTo(5), "the refused packet is not counted");
        Assert.That(handle.BytesProcessed, Is.EqualTo(500));
        Assert.That(sad.FindInbound(0x1000, Dst, default, out SecurityAssociationHandle? found), Is.EqualTo(IpsecStatus.SaExpired));
        Assert.That(found, Is.Null);
        Assert.That(handle.Acquire(out _), Is.EqualTo(IpsecStatus.SaExpired));

        sad.Poll();
        sad.Poll();
        Assert.That(recorder.Events, Is.EqualTo(new[] { "soft 1000", "hard 1000" }), "hard raised once");
        Assert.That(sa.DisposeCount, Is.EqualTo(1), "keys released at hard expiry");
        Assert.That(sa.KeyZeroed, Is.True);
        Assert.That(sad.Count, Is.EqualTo(1), "listed as expired for the retention time");

        clock.Advance(sad.ExpiredRetention);
        sad.Poll();
        Assert.That(sad.Count, Is.Zero);
        Assert.That(sad.FindInbound(0x1000, Dst, default, out _), Is.EqualTo(IpsecStatus.UnknownSpi));
        Assert.That(handle.State, Is.EqualTo(SecurityAssociationState.Removed));
        Assert.That(sa.DisposeCount, Is.EqualTo(1));
    }

    [Test]
    public void ByteLimitRefusesThePacketThatWouldCrossIt()
    {
        using var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x1001), SecurityAssociationDirection.Outbound,
            lifetime: new SecurityAssociationLifetime { HardByteLimit = 1000 });
        Assert.That(Use(handle, 600), Is.EqualTo(IpsecStatus.Success));
        Assert.That(Use(handle, 401), Is.EqualTo(IpsecStatus.SaExpired));
        Assert.That(Use(handle, 1), Is.EqualTo(IpsecStatus.SaExpired), "once expired, always expired");
        Assert.That(handle.BytesProcessed, Is.EqualTo(600));
        Assert.That(handle.State, Is.EqualTo(SecurityAssociationState.Expired));
    }

    [Test]
    public void ReachingTheHardByteLimitExactlyExpiresAtThePoll()
    {
        using var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        var recorder = new Recorder(sad);
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x1002), SecurityAssociationDirection.Outbound,
            lifetime: new SecurityAssociationLifetime { SoftByteLimit = 500, HardByteLimit = 1000 });
        Assert.That(Use(handle, 1000), Is.EqualTo(IpsecStatus.Success));
        sad.Poll();
        Assert.That(recorder.Events, Is.EqualTo(new[] { "hard 1002" }), "a hard limit reached before any poll skips the soft event");
    }

    [Test]
    public void TimeSinceAddedUsesTheClock()
    {
        var clock = new FakeTimeProvider();
        using var sad = new SecurityAssociationDatabase(clock);
        var recorder = new Recorder(sad);
        var sa = new FakeSecurityAssociation(0x2000);
        SecurityAssociationHandle handle = sad.Add(sa, SecurityAssociationDirection.Inbound,
            lifetime: new SecurityAssociationLifetime { SoftAddExpiry = TimeSpan.FromMinutes(50), HardAddExpiry = TimeSpan.FromMinutes(60) });

        clock.Advance(TimeSpan.FromMinutes(50) - TimeSpan.FromTicks(1));
        sad.Poll();
        Assert.That(recorder.Events, Is.Empty);
        clock.Advance(TimeSpan.FromTicks(1));
        sad.Poll();
        Assert.That(recorder.Events, Is.EqualTo(new[] { "soft 2000" }));
        Assert.That(Use(handle, 10), Is.EqualTo(IpsecStatus.Success), "soft-expired SAs still work");

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.That(Use(handle, 10), Is.EqualTo(IpsecStatus.Success), "time limits take effect at the next poll");
        sad.Poll();
        Assert.That(recorder.Events, Is.EqualTo(new[] { "soft 2000", "hard 2000" }));
        Assert.That(Use(handle, 10), Is.EqualTo(IpsecStatus.SaExpired));
        Assert.That(sad.FindInbound(0x2000, default, default, out _), Is.EqualTo(IpsecStatus.SaExpired));
        Assert.That(sa.KeyZeroed, Is.True);
    }

    [Test]
    public void TimeSinceFirstUseStartsAtTheFirstPacket()
    {
        var clock = new FakeTimeProvider();
        using var sad = new SecurityAssociationDatabase(clock);
        var recorder = new Recorder(sad);
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x3000), SecurityAssociationDirection.Inbound,
            lifetime: new SecurityAssociationLifetime { SoftUseExpiry = TimeSpan.FromSeconds(30), HardUseExpiry = TimeSpan.FromSeconds(60) });

        clock.Advance(TimeSpan.FromHours(5));
        sad.Poll();
        Assert.That(recorder.Events, Is.Empty, "an unused SA does not age by use");
        Assert.That(handle.HasBeenUsed, Is.False);

        Assert.That(Use(handle, 1), Is.EqualTo(IpsecStatus.Success));
        Assert.That(handle.HasBeenUsed, Is.True);
        clock.Advance(TimeSpan.FromSeconds(29));
        sad.Poll();
        Assert.That(recorder.Events, Is.Empty);
        clock.Advance(TimeSpan.FromSeconds(1));
        sad.Poll();
        Assert.That(recorder.Events, Is.EqualTo(new[] { "soft 3000" }));
        clock.Advance(TimeSpan.FromSeconds(30));
        sad.Poll();
        Assert.That(recorder.Events, Is.EqualTo(new[] { "soft 3000", "hard 3000" }));
    }

    [Test]
    public void TimerDrivenPolling()
    {
        var clock = new FakeTimeProvider();
        var sad = new SecurityAssociationDatabase(clock);
        var recorder = new Recorder(sad);
        sad.Add(new FakeSecurityAssociation(0x4000), SecurityAssociationDirection.Inbound,
            lifetime: new SecurityAssociationLifetime { HardAddExpiry = TimeSpan.FromSeconds(10) });
        sad.StartPolling(TimeSpan.FromSeconds(1));
        Assert.Throws<InvalidOperationException>(() => sad.StartPolling(TimeSpan.FromSeconds(1)));
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.That(recorder.Events, Is.Empty);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(recorder.Events, Is.EqualTo(new[] { "hard 4000" }));
        sad.Dispose();
        Assert.That(clock.ActiveTimers, Is.Zero, "Dispose stops the timer");
    }

    [Test]
    public void UpdateLifetimeAppliesToTheNextPacket()
    {
        using var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x5000), SecurityAssociationDirection.Inbound);
        Assert.That(Use(handle, 1), Is.EqualTo(IpsecStatus.Success));
        Assert.That(Use(handle, 1), Is.EqualTo(IpsecStatus.Success));
        sad.UpdateLifetime(handle, new SecurityAssociationLifetime { HardPacketLimit = 2 });
        Assert.That(handle.Lifetime.HardPacketLimit, Is.EqualTo(2));
        Assert.That(Use(handle, 1), Is.EqualTo(IpsecStatus.SaExpired));
    }

    [Test]
    public void LeaseKeepsKeysAliveUntilReleased()
    {
        using var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        var sa = new FakeSecurityAssociation(0x6000);
        SecurityAssociationHandle handle = sad.Add(sa, SecurityAssociationDirection.Inbound);
        Assert.That(handle.Acquire(out SecurityAssociationLease lease), Is.EqualTo(IpsecStatus.Success));
        Assert.That(sad.Remove(handle), Is.True);
        Assert.That(sa.DisposeCount, Is.Zero, "a packet in flight keeps the keys");
        Assert.That(handle.Acquire(out _), Is.EqualTo(IpsecStatus.UnknownSpi), "no new lease once removed");
        Assert.That(lease.SecurityAssociation, Is.SameAs(sa));
        lease.Dispose();
        lease.Dispose();
        Assert.That(sa.DisposeCount, Is.EqualTo(1));
        Assert.That(sa.KeyZeroed, Is.True);
        Assert.That(handle.IsDisposed, Is.True);
    }

    [Test]
    public void DisposingTheDatabaseZeroesEveryKey()
    {
        var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        var sas = new List<FakeSecurityAssociation>();
        for (uint spi = 0x7000; spi < 0x7010; spi++)
        {
            var sa = new FakeSecurityAssociation(spi);
            sas.Add(sa);
            sad.Add(sa, SecurityAssociationDirection.Inbound);
        }

        sad.Dispose();
        Assert.That(sas.TrueForAll(s => s.DisposeCount == 1 && s.KeyZeroed), Is.True);
        Assert.That(sad.FindInbound(0x7000, default, default, out _), Is.EqualTo(IpsecStatus.UnknownSpi));
        Assert.Throws<ObjectDisposedException>(() => sad.Add(new FakeSecurityAssociation(0x8000), SecurityAssociationDirection.Inbound));
    }

    [Test]
    public void InvalidLifetimesNameTheField()
    {
        using var sad = new SecurityAssociationDatabase();
        ArgumentException? e = Assert.Throws<ArgumentException>(() => sad.Add(new FakeSecurityAssociation(0x9000), SecurityAssociationDirection.Inbound,
            lifetime: new SecurityAssociationLifetime { HardByteLimit = 0 }));
        Assert.That(e!.Message, Does.Contain("HardByteLimit"));
        e = Assert.Throws<ArgumentException>(() => sad.Add(new FakeSecurityAssociation(0x9000), SecurityAssociationDirection.Inbound,
            lifetime: new SecurityAssociationLifetime { SoftAddExpiry = TimeSpan.FromHours(2), HardAddExpiry = TimeSpan.FromHours(1) }));
        Assert.That(e!.Message, Does.Contain("SoftAddExpiry"));
    }
}
