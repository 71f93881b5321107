using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>
/// The per-packet counters are striped by processor (threads sharing an SA do not write one line per packet), and the
/// snapshot still adds up to every packet and byte exactly, however the threads move between processors.
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
    public void StripesNeverShareACacheLine()
    {
        Type counters = typeof(EspSecurityAssociation).Assembly.GetType("Ipsec.Packets.SecurityAssociationCounters", throwOnError: true)!;
        Type stripe = counters.GetNestedType("Stripe", BindingFlags.NonPublic)!;
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
        int count = (int)counters.GetField("StripeCount", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!;
        Assert.That(count & (count - 1), Is.Zero, "a power of two, so the processor number is masked");
        Assert.That(count, Is.GreaterThanOrEqualTo(Math.Min(Environment.ProcessorCount, 16)));
    }
}
