using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

[NonParallelizable]
public class SecurityAssociationDatabaseConcurrencyTests
{
    private static readonly IPAddress Dst = IPAddress.Parse("192.0.2.1");
    private static readonly byte[] DstBytes = Dst.GetAddressBytes();

    [Test]
    public void ReadersNeverSeeATornTableWhileWritersAddUpdateAndRemove()
    {
        using var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        const int Stable = 1000, Churn = 1000, Growth = 20_000;
        var stable = new SecurityAssociationHandle[Stable];
        for (int i = 0; i < Stable; i++)
        {
            stable[i] = sad.Add(new FakeSecurityAssociation((uint)(0x10000 + i)), SecurityAssociationDirection.Inbound, Dst);
        }

        int stop = 0;
        long wrong = 0, lookups = 0;
        var errors = new List<Exception>();
        var readers = new Task[3];
        for (int t = 0; t < readers.Length; t++)
        {
            int seed = t;
            readers[t] = Task.Run(() =>
            {
                var random = new Random(seed);
                try
                {
                    while (Volatile.Read(ref stop) == 0)
                    {
                        int i = random.Next(Stable);
                        uint spi = (uint)(0x10000 + i);
                        if (sad.FindInbound(spi, DstBytes, default, out SecurityAssociationHandle? h) != IpsecStatus.Success ||
                            !ReferenceEquals(h, stable[i]) || h!.SecurityAssociation.Spi != spi)
                        {
                            Interlocked.Increment(ref wrong);
                        }

                        uint churnSpi = (uint)(0x20000 + random.Next(Churn));
                        IpsecStatus status = sad.FindInbound(churnSpi, DstBytes, default, out SecurityAssociationHandle? c);
                        if (!(status == IpsecStatus.Success && c!.Spi == churnSpi) && !(status == IpsecStatus.UnknownSpi && c is null))
                        {
                            Interlocked.Increment(ref wrong);
                        }

                        uint growthSpi = (uint)(0x100000 + random.Next(Growth));
                        status = sad.FindInbound(growthSpi, default, default, out SecurityAssociationHandle? g);
                        if (!(status == IpsecStatus.Success && g!.Spi == growthSpi) && status != IpsecStatus.UnknownSpi)
                        {
                            Interlocked.Increment(ref wrong);
                        }

                        Interlocked.Increment(ref lookups);
                    }
                }
                catch (Exception e)
                {
                    lock (errors)
                    {
                        errors.Add(e);
                    }
                }
            });
        }

        // Writer: grow the table through several resizes, then churn adds, removes and lifetime updates.
        for (int i = 0; i < Growth; i++)
        {
            sad.Add(new FakeSecurityAssociation((uint)(0x100000 + i)), SecurityAssociationDirection.Inbound);
        }

        var random = new Random(99);
        var churn = new SecurityAssociationHandle?[Churn];
        for (int round = 0; round < 100_000; round++)
        {
            int i = random.Next(Churn);
            if (churn[i] is { } existing)
            {
                Assert.That(sad.Remove(existing), Is.True);
                churn[i] = null;
            }
            else
            {
                churn[i] = sad.Add(new FakeSecurityAssociation((uint)(0x20000 + i)), SecurityAssociationDirection.Inbound, Dst);
            }

            if (round % 100 == 0)
            {
                sad.UpdateLifetime(stable[random.Next(Stable)], new SecurityAssociationLifetime { SoftPacketLimit = 1_000_000 });
            }
        }

        Volatile.Write(ref stop, 1);
        Task.WaitAll(readers);
        Assert.That(errors, Is.Empty);
        Assert.That(wrong, Is.Zero);
        Assert.That(lookups, Is.GreaterThan(0));
        Assert.That(sad.Count, Is.EqualTo(Stable + Growth + Array.FindAll(churn, h => h is not null).Length));
    }

    /// <summary>
    /// Packet threads take leases and touch the keys while a control thread removes, re-adds, retires and polls: no SA may
    /// be used after it is disposed, every SA is disposed exactly once, and nothing throws.
    /// </summary>
    [Test]
    public void HammerLeasesAgainstRemovalRetirementAndPolling()
    {
        var clock = new FakeTimeProvider();
        var sad = new SecurityAssociationDatabase(clock);
        const int Slots = 64;
        const int OperationsPerThread = 2_000_000;
        var created = new List<FakeSecurityAssociation>();
        var current = new SecurityAssociationHandle[Slots];
        uint nextSpi = 0x1000;
        for (int i = 0; i < Slots; i++)
        {
            var sa = new FakeSecurityAssociation(nextSpi++);
            created.Add(sa);
            current[i] = sad.Add(sa, SecurityAssociationDirection.Inbound, lifetime: new SecurityAssociationLifetime { HardPacketLimit = 50_000 });
        }

        int running = 3;
        long processed = 0;
        var errors = new List<Exception>();
        var workers = new Task[3];
        for (int t = 0; t < workers.Length; t++)
        {
            int seed = t;
            workers[t] = Task.Run(() =>
            {
                var random = new Random(seed);
                try
                {
                    for (int op = 0; op < OperationsPerThread; op++)
                    {
                        SecurityAssociationHandle handle = Volatile.Read(ref current[random.Next(Slots)]);
                        if (handle.Acquire(out SecurityAssociationLease lease) != IpsecStatus.Success)
                        {
                            continue;
                        }

                        using (lease)
                        {
                            ((FakeSecurityAssociation)lease.SecurityAssociation).Use();
                            if (lease.RecordUse(100) == IpsecStatus.Success)
                            {
                                Interlocked.Increment(ref processed);
                            }

                            ((FakeSecurityAssociation)lease.SecurityAssociation).Use();
                        }
                    }
                }
                catch (Exception e)
                {
                    lock (errors)
                    {
                        errors.Add(e);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            });
        }

        var control = new Random(7);
        while (Volatile.Read(ref running) > 0)
        {
            int slot = control.Next(Slots);
            SecurityAssociationHandle old = current[slot];
            var sa = new FakeSecurityAssociation(nextSpi++);
            created.Add(sa);
            SecurityAssociationHandle replacement = sad.Add(sa, SecurityAssociationDirection.Inbound, lifetime: new SecurityAssociationLifetime { HardPacketLimit = 50_000 });
            Volatile.Write(ref current[slot], replacement);
            switch (control.Next(3))
            {
                case 0:
                    sad.Remove(old);
                    break;
                case 1:
                    sad.Retire(old, TimeSpan.FromMilliseconds(control.Next(3)));
                    break;
                default:
                    sad.Retire(old, TimeSpan.Zero);
                    break;
            }

            clock.Advance(TimeSpan.FromMilliseconds(1));
            sad.Poll();
        }

        Task.WaitAll(workers);
        sad.Dispose();
        Assert.That(errors, Is.Empty);
        Assert.That(processed, Is.GreaterThan(0));
        Assert.That(created.TrueForAll(s => s.UsesAfterDispose == 0), Is.True, "an SA was used after its keys were zeroed");
        Assert.That(created.TrueForAll(s => s.DisposeCount == 1 && s.KeyZeroed), Is.True, "every SA disposed exactly once");
        Assert.That(sad.Count, Is.Zero);
    }

    [Test]
    public void ConcurrentHardLimitNeverAdmitsMoreThanTheLimit()
    {
        using var sad = new SecurityAssociationDatabase(new FakeTimeProvider());
        const long Limit = 100_000;
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x1000), SecurityAssociationDirection.Outbound,
            lifetime: new SecurityAssociationLifetime { HardPacketLimit = Limit });
        long accepted = 0;
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 40_000; i++)
            {
                if (handle.Acquire(out SecurityAssociationLease lease) != IpsecStatus.Success)
                {
                    continue;
                }

                using (lease)
                {
                    if (lease.RecordUse(1) == IpsecStatus.Success)
                    {
                        Interlocked.Increment(ref accepted);
                    }
                }
            }
        });
        Assert.That(accepted, Is.EqualTo(Limit));
        Assert.That(handle.PacketsProcessed, Is.EqualTo(Limit));
        Assert.That(handle.State, Is.EqualTo(SecurityAssociationState.Expired));
    }
}
