using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Net;
using System.Threading;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

[NonParallelizable]
public class MetricsTests
{
    private static readonly byte[] Dst = IPAddress.Parse("192.0.2.1").GetAddressBytes();

    /// <summary>Collects measurements of the "Ipsec.Packets" meter, summed per instrument and tag set.</summary>
    private sealed class Collector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _sums = new();

        public Collector()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SecurityAssociationDatabase.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var key = instrument.Name;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    key += $" {tag.Key}={tag.Value}";
                }

                lock (_sums)
                {
                    _sums[key] = instrument is ObservableGauge<long> ? value : _sums.GetValueOrDefault(key) + value;
                }
            });
            _listener.Start();
        }

        public long this[string key]
        {
            get
            {
                lock (_sums)
                {
                    return _sums.GetValueOrDefault(key);
                }
            }
        }

        public void Observe() => _listener.RecordObservableInstruments();

        public void Dispose() => _listener.Dispose();
    }

    [Test]
    public void PacketsBytesAndDropsAreCountedWithTags()
    {
        using var collector = new Collector();
        using var sad = new SecurityAssociationDatabase();
        SecurityAssociationHandle inbound = sad.Add(new FakeSecurityAssociation(0x1000), SecurityAssociationDirection.Inbound,
            lifetime: new SecurityAssociationLifetime { HardPacketLimit = 2 });
        SecurityAssociationHandle outbound = sad.Add(new FakeSecurityAssociation(0x1001), SecurityAssociationDirection.Outbound);

        Assert.That(inbound.Acquire(out SecurityAssociationLease lease), Is.EqualTo(IpsecStatus.Success));
        using (lease)
        {
            lease.RecordUse(100);
            lease.RecordUse(50);
            lease.RecordUse(10);
        }

        Assert.That(outbound.Acquire(out SecurityAssociationLease outLease), Is.EqualTo(IpsecStatus.Success));
        using (outLease)
        {
            outLease.RecordUse(1400);
        }

        sad.FindInbound(0xDEAD, Dst, default, out _);
        sad.FindInbound(0xDEAD, Dst, default, out _);
        inbound.CheckInbound(TrafficFlow.CreateWithoutPorts(Dst, Dst, 50));
        SecurityAssociationDatabase.RecordDrop(IpsecStatus.AuthenticationFailed, SecurityAssociationDirection.Inbound);

        Assert.Multiple(() =>
        {
            Assert.That(collector["ipsec.packets ipsec.direction=inbound"], Is.EqualTo(2));
            Assert.That(collector["ipsec.bytes ipsec.direction=inbound"], Is.EqualTo(150));
            Assert.That(collector["ipsec.packets ipsec.direction=outbound"], Is.EqualTo(1));
            Assert.That(collector["ipsec.bytes ipsec.direction=outbound"], Is.EqualTo(1400));
            Assert.That(collector["ipsec.drops ipsec.direction=inbound ipsec.drop.reason=sa_expired"], Is.EqualTo(1));
            Assert.That(collector["ipsec.drops ipsec.direction=inbound ipsec.drop.reason=unknown_spi"], Is.EqualTo(2));
            Assert.That(collector["ipsec.drops ipsec.direction=inbound ipsec.drop.reason=policy_mismatch"], Is.EqualTo(1));
            Assert.That(collector["ipsec.drops ipsec.direction=inbound ipsec.drop.reason=authentication_failed"], Is.EqualTo(1));
        });

        sad.Poll();
        Assert.That(collector["ipsec.sa.lifetime_events ipsec.lifetime=hard"], Is.EqualTo(1));
    }

    [Test]
    public void SaCountGaugeFollowsAddAndRemove()
    {
        using var collector = new Collector();
        collector.Observe();
        long before = collector["ipsec.sa.count ipsec.direction=inbound"];
        long beforeOut = collector["ipsec.sa.count ipsec.direction=outbound"];
        using var sad = new SecurityAssociationDatabase();
        SecurityAssociationHandle a = sad.Add(new FakeSecurityAssociation(0x2000), SecurityAssociationDirection.Inbound);
        sad.Add(new FakeSecurityAssociation(0x2001), SecurityAssociationDirection.Inbound);
        sad.Add(new FakeSecurityAssociation(0x2002), SecurityAssociationDirection.Outbound);
        collector.Observe();
        Assert.That(collector["ipsec.sa.count ipsec.direction=inbound"], Is.EqualTo(before + 2));
        Assert.That(collector["ipsec.sa.count ipsec.direction=outbound"], Is.EqualTo(beforeOut + 1));
        sad.Remove(a);
        collector.Observe();
        Assert.That(collector["ipsec.sa.count ipsec.direction=inbound"], Is.EqualTo(before + 1));
        sad.Dispose();
        collector.Observe();
        Assert.That(collector["ipsec.sa.count ipsec.direction=inbound"], Is.EqualTo(before));
        Assert.That(collector["ipsec.sa.count ipsec.direction=outbound"], Is.EqualTo(beforeOut));
    }

    [Test]
    public void DataPathDoesNotAllocateWithoutAListener()
    {
        using var sad = new SecurityAssociationDatabase();
        sad.Add(new FakeSecurityAssociation(0x3000), SecurityAssociationDirection.Inbound);
        long allocated = Allocations.Measure(DataPath(sad), 1000);
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void DataPathDoesNotAllocateWithAListener()
    {
        long measurements = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SecurityAssociationDatabase.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref measurements));
        listener.Start();

        using var sad = new SecurityAssociationDatabase();
        sad.Add(new FakeSecurityAssociation(0x3000), SecurityAssociationDirection.Inbound);
        long allocated = Allocations.Measure(DataPath(sad), 1000);
        Assert.That(allocated, Is.Zero);
        Assert.That(Interlocked.Read(ref measurements), Is.GreaterThan(0), "the listener did receive the measurements");
    }

    private static Action DataPath(SecurityAssociationDatabase sad) => () =>
    {
        sad.FindInbound(0x3000, Dst, default, out SecurityAssociationHandle? handle);
        sad.FindInbound(0x3001, Dst, default, out _);
        handle!.Acquire(out SecurityAssociationLease lease);
        using (lease)
        {
            lease.RecordUse(100);
        }

        handle.CheckInbound(TrafficFlow.CreateWithoutPorts(Dst, Dst, 50));
    };
}
