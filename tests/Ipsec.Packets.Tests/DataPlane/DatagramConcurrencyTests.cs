using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.DataPlane;

/// <summary>Batches on one SA from several threads: every sequence number once, none skipped, every packet decryptable.</summary>
public class DatagramConcurrencyTests
{
    [Test]
    public void ConcurrentBatchesShareTheSequenceSpaceWithoutGapsOrRepeats()
    {
        const int Threads = 3, Rounds = 200, Batch = 16, Slot = 256;
        // The window spans every packet of the test, so a thread descheduled between protect and unprotect is never too late.
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair(replayWindow: 1 << 14);
        var numbers = new ConcurrentBag<ulong>();
        var failures = new ConcurrentBag<string>();
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            byte[] inner = Tunnels.Inner(40, seed: t);
            var buffer = new byte[Batch * Slot];
            var datagrams = new IpsecDatagram[Batch];
            for (int round = 0; round < Rounds; round++)
            {
                for (int i = 0; i < Batch; i++)
                {
                    inner.CopyTo(buffer, i * Slot + 32);
                    datagrams[i] = IpsecDatagram.Outgoing(i * Slot + 32, inner.Length);
                }

                // Half the rounds one packet at a time, so single calls and batches interleave on the same counter.
                int protectedCount = round % 2 == 0
                    ? sender.ProtectDatagrams(buffer, datagrams)
                    : Enumerable.Range(0, Batch).Count(i => sender.ProtectDatagram(buffer, ref datagrams[i]) == IpsecStatus.Success);
                if (protectedCount != Batch)
                {
                    failures.Add($"protect {protectedCount}");
                }

                for (int i = 0; i < Batch; i++)
                {
                    numbers.Add(datagrams[i].SequenceNumber);
                    datagrams[i] = IpsecDatagram.Received(datagrams[i].Offset, datagrams[i].Length, default, default, 0);
                }

                if (receiver.UnprotectDatagrams(buffer, datagrams) != Batch)
                {
                    failures.Add($"unprotect: {string.Join(",", datagrams.Select(d => d.Status))}");
                }
            }
        });

        Assert.That(failures, Is.Empty);
        ulong[] sorted = numbers.OrderBy(n => n).ToArray();
        Assert.That(sorted, Is.EqualTo(Enumerable.Range(1, Threads * Rounds * Batch).Select(n => (ulong)n).ToArray()));
        Assert.That(receiver.SecurityAssociation.Statistics.PacketsUnprotected, Is.EqualTo(Threads * Rounds * Batch));
        Assert.That(sender.SecurityAssociation.Statistics.PacketsProtected, Is.EqualTo(Threads * Rounds * Batch));
    }

    [Test]
    public void RawEspCrossesTheProcessorsSocketPath()
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair(udp: false);
        using var sad = new SecurityAssociationDatabase();
        sad.Add(receiver, SecurityAssociationDirection.Inbound);
        var processor = new IpsecPacketProcessor(sad, new SecurityPolicyDatabase());
        byte[] inner = Tunnels.Inner(64);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.Success));
        Assert.That(datagram.RemoteEndpoint.Port, Is.Zero, "raw ESP has no port");
        var received = IpsecDatagram.Received(datagram.Offset, datagram.Length, datagram.RemoteEndpoint, datagram.LocalEndpoint, 0);
        // The SA serves no policy here, so the processor's inbound policy check refuses what the SA accepted.
        Assert.That(processor.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.That(receiver.SecurityAssociation.Statistics.PacketsUnprotected, Is.EqualTo(1), "counted like the whole-packet path");
    }
}
