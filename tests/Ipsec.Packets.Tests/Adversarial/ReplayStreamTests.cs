using System;
using System.Collections.Generic;
using Ipsec.Packets.Tests.Ah;
using Ipsec.Packets.Tests.Esp;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// Random streams of reordered, dropped, duplicated and replayed packets, from fixed seeds, through a sending and a
/// receiving SA: the receiver accepts exactly the packets <see cref="ReplayReferenceModel"/> accepts, and each accepted
/// packet gives back the payload that was sent with its sequence number.
/// </summary>
[Parallelizable(ParallelScope.All)]
public class ReplayStreamTests
{
    /// <summary>Where the sequence numbers start: from 0, near the end of the 32-bit space, or (ESN) across 2^32.</summary>
    public enum Start
    {
        Zero,
        NearThirtyTwoBitEnd,
        EsnFromZero,
        EsnAcrossTwoToTheThirtyTwo,
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (int seed in new[] { 1, 2, 3 })
        {
            foreach (int window in new[] { 32, 64, 1024, 4096 })
            {
                foreach (Start start in Enum.GetValues<Start>())
                {
                    yield return new TestCaseData(seed, window, start).SetArgDisplayNames($"seed {seed}", $"window {window}", start.ToString());
                }
            }
        }
    }

    private static int PacketCount(int window) => Math.Max(600, (2 * window) + 256);

    private static bool Esn(Start start) => start is Start.EsnFromZero or Start.EsnAcrossTwoToTheThirtyTwo;

    /// <summary>The last sequence number used before the stream (the first packet carries the next one).</summary>
    private static ulong FirstMinusOne(Start start, int count) => start switch
    {
        Start.NearThirtyTwoBitEnd => uint.MaxValue - (ulong)count - 5,
        Start.EsnAcrossTwoToTheThirtyTwo => uint.MaxValue - ((ulong)count / 2),
        _ => 0,
    };

    /// <summary>
    /// The delivery order of packets 0..count-1: most arrive nearly in order, some late by up to half or twice the
    /// window, some are lost, some arrive twice at once, and some are replayed much later.
    /// </summary>
    internal static List<int> Deliveries(int count, int window, int seed)
    {
        var random = new Random(seed * 1_000_003 + window);
        var keyed = new List<(long Key, int Order, int Index)>();
        int order = 0;
        for (int i = 0; i < count; i++)
        {
            double roll = random.NextDouble();
            if (roll < 0.02)
            {
                continue;   // lost
            }

            long delay = roll < 0.72 ? random.Next(0, 4) : roll < 0.92 ? random.Next(0, (window / 2) + 1) : random.Next(0, (2 * window) + 1);
            keyed.Add((i + delay, order++, i));
            double copy = random.NextDouble();
            if (copy < 0.05)
            {
                keyed.Add((i + delay, order++, i));                                  // duplicated on the way
            }
            else if (copy < 0.15)
            {
                keyed.Add((i + delay + random.Next(1, (3 * window) + 1), order++, i)); // replayed later by an attacker
            }
        }

        keyed.Sort((a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Order.CompareTo(b.Order));
        var deliveries = new List<int>(keyed.Count);
        foreach ((_, _, int index) in keyed)
        {
            deliveries.Add(index);
        }

        return deliveries;
    }

    private static EspConfiguration EspConfig(int seed, bool esn) => seed switch
    {
        1 => new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null, Esn: esn),
        2 => new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha2_256_128, Esn: esn),
        _ => new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null, Esn: esn),
    };

    private static IntegrityAlgorithm AhAlgorithm(int seed) => seed switch
    {
        1 => IntegrityAlgorithm.HmacSha2_256_128,
        2 => IntegrityAlgorithm.AesGmac128,
        _ => IntegrityAlgorithm.AesXcbc96,
    };

    [TestCaseSource(nameof(Cases))]
    public void EspAcceptsExactlyWhatTheReferenceModelAccepts(int seed, int window, Start start)
    {
        int count = PacketCount(window);
        ulong first = FirstMinusOne(start, count);
        EspConfiguration config = EspConfig(seed, Esn(start));
        using EspSecurityAssociation sender = config.Create(lastSent: first);
        using EspSecurityAssociation receiver = config.Create(highestReceived: first, replayWindow: window);
        var random = new Random(seed);
        var payloads = new byte[count][];
        var packets = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            payloads[i] = SamplePackets.Random(random.Next(0, 61), seed * 100_000 + i);
            packets[i] = new byte[sender.GetProtectedLength(payloads[i].Length, 6)];
            if (sender.Protect(payloads[i], 6, packets[i], out _) != IpsecStatus.Success)
            {
                Assert.Fail($"protecting packet {i}");
            }
        }

        Assert.That(sender.OutboundSequenceNumber, Is.EqualTo(first + (ulong)count));
        var model = new ReplayReferenceModel(window, first);
        var output = new byte[200];
        int accepted = 0, refused = 0;
        foreach (int index in Deliveries(count, window, seed))
        {
            ulong sequenceNumber = first + 1 + (ulong)index;
            IpsecStatus status = receiver.Unprotect(packets[index], output, out EspUnprotectResult result);
            bool expected = model.Deliver(sequenceNumber);
            if ((status == IpsecStatus.Success) != expected)
            {
                Assert.Fail($"packet {index} (sequence number {sequenceNumber:x}): {status}, the model says {(expected ? "accept" : "refuse")}");
            }

            if (expected)
            {
                accepted++;
                if (result.SequenceNumber != sequenceNumber || !output.AsSpan(0, result.PayloadLength).SequenceEqual(payloads[index]))
                {
                    Assert.Fail($"packet {index}: sequence number {result.SequenceNumber:x} or payload differs from what was sent");
                }
            }
            else
            {
                refused++;
                if (status != IpsecStatus.Replayed && !(config.Esn && status == IpsecStatus.AuthenticationFailed))
                {
                    Assert.Fail($"packet {index}: refused with {status}");   // ESN: a packet too old is inferred into the next epoch and fails its ICV
                }
            }
        }

        Assert.That(accepted, Is.GreaterThan(count / 2));
        Assert.That(refused, Is.GreaterThan(count / 20), "the stream holds replays");
        Assert.That(receiver.Statistics.PacketsUnprotected, Is.EqualTo(accepted));
    }

    [TestCaseSource(nameof(Cases))]
    public void AhAcceptsExactlyWhatTheReferenceModelAccepts(int seed, int window, Start start)
    {
        int count = PacketCount(window);
        ulong first = FirstMinusOne(start, count);
        using var pair = new AhPair(AhAlgorithm(seed), IpsecMode.Transport, esn: Esn(start), initialSequenceNumber: first, replayWindowSize: window, seed: seed);
        var originals = new byte[count][];
        var packets = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            originals[i] = i % 2 == 0 ? SamplePackets.IPv4Udp(seed: i) : SamplePackets.IPv6Udp(seed: i);
            int headroom = pair.Sender.MaximumHeadroom;
            var buffer = new byte[headroom + originals[i].Length];
            originals[i].CopyTo(buffer, headroom);
            if (pair.Sender.Protect(buffer, headroom, originals[i].Length, out AhProcessResult sent) != IpsecStatus.Success)
            {
                Assert.Fail($"protecting packet {i}");
            }

            packets[i] = buffer.AsSpan(sent.Offset, sent.Length).ToArray();
        }

        var model = new ReplayReferenceModel(window, first);
        var work = new byte[200];
        int accepted = 0, refused = 0;
        foreach (int index in Deliveries(count, window, seed))
        {
            ulong sequenceNumber = first + 1 + (ulong)index;
            byte[] packet = packets[index];
            packet.CopyTo(work, 0);
            IpsecStatus status = pair.Receiver.Unprotect(work, 0, packet.Length, out AhProcessResult result);
            bool expected = model.Deliver(sequenceNumber);
            if ((status == IpsecStatus.Success) != expected)
            {
                Assert.Fail($"packet {index} (sequence number {sequenceNumber:x}): {status}, the model says {(expected ? "accept" : "refuse")}");
            }

            if (expected)
            {
                accepted++;
                if (result.SequenceNumber != sequenceNumber || !work.AsSpan(result.Offset, result.Length).SequenceEqual(originals[index]))
                {
                    Assert.Fail($"packet {index}: sequence number {result.SequenceNumber:x} or packet differs from what was sent");
                }
            }
            else
            {
                refused++;
                if (status != IpsecStatus.Replayed && !(Esn(start) && status == IpsecStatus.AuthenticationFailed))
                {
                    Assert.Fail($"packet {index}: refused with {status}");
                }
            }
        }

        Assert.That(accepted, Is.GreaterThan(count / 2));
        Assert.That(refused, Is.GreaterThan(count / 20), "the stream holds replays");
        Assert.That(pair.Receiver.Statistics.PacketsUnprotected, Is.EqualTo(accepted));
    }
}
