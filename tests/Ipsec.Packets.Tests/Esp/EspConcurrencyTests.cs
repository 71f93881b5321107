using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>
/// One ESP SA shared by several threads: sequence numbers stay unique on send, and on receive every packet is accepted
/// exactly once however duplicates and reordering interleave across threads, as a single-threaded model says.
/// </summary>
[NonParallelizable]
public class EspConcurrencyTests
{
    private const int Threads = 4;
    private const int PacketsPerThread = 250_000;

    [Test]
    public void SendersOnOneSaNeverShareASequenceNumber()
    {
        var config = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null);
        using EspSecurityAssociation sender = config.Create();
        var seen = new ulong[Threads][];
        Parallel.For(0, Threads, t =>
        {
            var mine = new ulong[PacketsPerThread];
            var payload = new byte[32];
            var packet = new byte[128];
            var receiverView = new byte[8];
            for (int i = 0; i < PacketsPerThread; i++)
            {
                Assert.That(sender.Protect(payload, 17, packet, out _), Is.EqualTo(IpsecStatus.Success));
                mine[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4));
            }

            seen[t] = mine;
        });

        ulong[] all = seen.SelectMany(s => s).ToArray();
        Assert.That(all, Has.Length.EqualTo(Threads * PacketsPerThread));
        Assert.That(all.Distinct().Count(), Is.EqualTo(all.Length), "no sequence number used twice");
        Assert.That(all.Max(), Is.EqualTo((ulong)all.Length), "and none skipped");
        Assert.That(sender.Statistics.PacketsProtected, Is.EqualTo(all.Length));
    }

    [Test]
    public void ReceiversOnOneSaAcceptEachPacketOnceLikeASingleThreadedModel()
    {
        var config = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null, Esn: true);
        const int Unique = 40_000;
        using EspSecurityAssociation sender = config.Create(lastSent: uint.MaxValue - 20_000);   // crosses 2^32
        var packets = new byte[Unique][];
        var payload = new byte[24];
        for (int i = 0; i < Unique; i++)
        {
            packets[i] = new byte[sender.GetProtectedLength(payload.Length, 17)];
            Assert.That(sender.Protect(payload, 17, packets[i], out _), Is.EqualTo(IpsecStatus.Success));
        }

        // A stream with every packet three times, locally reordered within a window of 500 (well inside the replay window).
        var random = new Random(6479);
        var stream = new List<int>();
        for (int copy = 0; copy < 3; copy++)
        {
            stream.AddRange(Enumerable.Range(0, Unique));
        }

        stream.Sort((a, b) => a.CompareTo(b));
        int[] order = stream.ToArray();
        for (int i = 0; i < order.Length; i++)
        {
            int j = Math.Min(order.Length - 1, i + random.Next(0, 1500));
            (order[i], order[j]) = (order[j], order[i]);
        }

        using EspSecurityAssociation receiver = config.Create(replayWindow: 65536, highestReceived: uint.MaxValue - 20_000);
        var accepted = new ConcurrentDictionary<ulong, int>();
        int next = -1;
        Parallel.For(0, Threads, _ =>
        {
            var output = new byte[128];
            int i;
            while ((i = Interlocked.Increment(ref next)) < order.Length)
            {
                IpsecStatus status = receiver.Unprotect(packets[order[i]], output, out EspUnprotectResult result);
                if (status == IpsecStatus.Success)
                {
                    accepted.AddOrUpdate(result.SequenceNumber, 1, (_, n) => n + 1);
                }
                else
                {
                    Assert.That(status, Is.EqualTo(IpsecStatus.Replayed));
                }
            }
        });

        // The single-threaded model: each of the unique packets is accepted exactly once, nothing else.
        Assert.That(accepted, Has.Count.EqualTo(Unique), "nothing lost");
        Assert.That(accepted.Values.All(n => n == 1), Is.True, "nothing accepted twice");
        Assert.That(accepted.Keys.Min(), Is.EqualTo((ulong)uint.MaxValue - 20_000 + 1));
        Assert.That(accepted.Keys.Max(), Is.EqualTo((ulong)uint.MaxValue - 20_000 + Unique));
        Assert.That(receiver.Statistics.ReplayDrops, Is.EqualTo(2L * Unique));
    }
}
