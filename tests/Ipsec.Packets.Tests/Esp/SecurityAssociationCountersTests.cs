using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Ipsec.Packets.Internal;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>
/// The per-packet counters are striped by thread (a thread owning a slot is its stripe's only writer; the rest share one
/// interlocked stripe), and the snapshot still adds up to every packet and byte exactly.
/// </summary>
[NonParallelizable]
public class SecurityAssociationCountersTests
{
    private const int Threads = 8;
    private const int PacketsPerThread = 20_000;

    [Test]
    public void ThreadsSharingAnSaAreCountedExactly()
    {
        var config = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null);
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create(replayWindow: 0);
        long expectedBytes = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var payload = new byte[16 + t];
            var packet = new byte[sender.GetProtectedLength(payload.Length, 17)];
            var plain = new byte[packet.Length];
            for (int i = 0; i < PacketsPerThread; i++)
            {
                Assert.That(sender.Protect(payload, 17, packet, out _), Is.EqualTo(IpsecStatus.Success));
                Assert.That(receiver.Unprotect(packet, plain, out _), Is.EqualTo(IpsecStatus.Success));
                if ((i & 1023) == 0)
                {
                    Thread.Yield();   // move between processors now and then
                }
            }

            Interlocked.Add(ref expectedBytes, (long)payload.Length * PacketsPerThread);
        });

        SecurityAssociationStatistics sent = sender.Statistics;
        SecurityAssociationStatistics received = receiver.Statistics;
        Assert.That(sent.PacketsProtected, Is.EqualTo(Threads * PacketsPerThread));
        Assert.That(sent.BytesProtected, Is.EqualTo(expectedBytes));
        Assert.That(received.PacketsUnprotected, Is.EqualTo(Threads * PacketsPerThread));
        Assert.That(received.BytesUnprotected, Is.EqualTo(expectedBytes));
        Assert.That(sent.PacketsUnprotected + received.PacketsProtected, Is.Zero, "each side counts only its own direction");
    }

    [Test]
    public void ThreadsAliveTogetherNeverOwnTheSameSlot()
    {
        int threads = ThreadCounterSlot.Count + 3;
        var slots = new int[threads];
        using var barrier = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int index = t;
            workers[t] = new Thread(() =>
            {
                slots[index] = ThreadCounterSlot.Current;
                Assert.That(ThreadCounterSlot.Current, Is.EqualTo(slots[index]), "a thread keeps its slot");
                barrier.SignalAndWait();   // all alive at once
            });
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        int[] owned = Array.FindAll(slots, slot => slot >= 0);
        Assert.That(owned, Is.Unique, "no slot owned by two live threads");
        Assert.That(owned, Has.All.InRange(0, ThreadCounterSlot.Count - 1));
        Assert.That(slots.Length - owned.Length, Is.GreaterThanOrEqualTo(3), "threads beyond the slots get none and share the interlocked stripe");
    }

    [Test]
    public void ASlotReturnsToThePoolWhenItsThreadHasEnded()
    {
        int before = ThreadCounterSlot.FreeSlots;
        int slot = -2, freeWhileAlive = -1;
        var thread = new Thread(() =>
        {
            slot = ThreadCounterSlot.Current;
            freeWhileAlive = ThreadCounterSlot.FreeSlots;
        });
        thread.Start();
        thread.Join();
        if (before == 0)
        {
            Assert.That(slot, Is.EqualTo(-1), "no free slot: the thread counts on the shared stripe");
            return;
        }

        Assert.That(slot, Is.GreaterThanOrEqualTo(0));
        Assert.That(freeWhileAlive, Is.EqualTo(before - 1));
        for (int i = 0; i < 10 && ThreadCounterSlot.FreeSlots != before; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.That(ThreadCounterSlot.FreeSlots, Is.EqualTo(before), "the ended thread's slot is free again");
    }

    [Test]
    public void StripesNeverShareACacheLine()
    {
        Type stripe = typeof(SecurityAssociationCounters).GetNestedType("Stripe", BindingFlags.NonPublic)!;
        int stripeSize = Marshal.SizeOf(stripe);
        int first = int.MaxValue, end = 0;
        foreach (FieldInfo field in stripe.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            int offset = field.GetCustomAttribute<FieldOffsetAttribute>()!.Value;
            first = Math.Min(first, offset);
            end = Math.Max(end, offset + Marshal.SizeOf(field.FieldType));
        }

        // Neighbouring stripes' counters are stripeSize - (end - first) bytes apart: at least a line, at any alignment.
        Assert.That(stripeSize - (end - first), Is.GreaterThanOrEqualTo(64));
        int count = ThreadCounterSlot.Count;
        Assert.That(count & (count - 1), Is.Zero, "a power of two");
        Assert.That(count, Is.GreaterThanOrEqualTo(Math.Min(Environment.ProcessorCount, 16)).And.AtMost(16));
        Assert.That(new SecurityAssociationCounters().StripeCount, Is.EqualTo(count + 1), "one stripe per slot and one shared");
    }
}
