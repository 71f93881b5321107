using System;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

[NonParallelizable]
public class MillionEntryTests
{
    /// <summary>The budget per SA listed, excluding the SA object itself: handle, hash node and bucket slots.</summary>
    private const int BytesPerEntryBudget = 500;

    [Test]
    public void MillionSasFitTheMemoryBudgetAndAreAllFound()
    {
        const int Entries = 1_000_000;
        var destinations = new IPAddress[256];
        var destinationBytes = new byte[256][];
        for (int i = 0; i < destinations.Length; i++)
        {
            destinationBytes[i] = [10, 0, 0, (byte)i];
            destinations[i] = new IPAddress(destinationBytes[i]);
        }

        // The SAs themselves are measured separately and left out of the budget.
        var sas = new TinySecurityAssociation[Entries];
        for (int i = 0; i < Entries; i++)
        {
            sas[i] = new TinySecurityAssociation((uint)(0x1000 + i));
        }

        long before = GC.GetTotalMemory(forceFullCollection: true);
        var sad = new SecurityAssociationDatabase();
        for (int i = 0; i < Entries; i++)
        {
            sad.Add(sas[i], SecurityAssociationDirection.Inbound, destinations[i & 255]);
        }

        long after = GC.GetTotalMemory(forceFullCollection: true);
        double perEntry = (after - before) / (double)Entries;
        TestContext.Out.WriteLine($"{perEntry:F1} bytes per SA in the database (SA objects excluded); probes: mean {sad.MeanProbe():F2}, longest {sad.LongestProbe()}");
        Assert.That(sad.Count, Is.EqualTo(Entries));
        Assert.That(perEntry, Is.LessThan(BytesPerEntryBudget));
        Assert.That(sad.MeanProbe(), Is.LessThanOrEqualTo(2.0), "probes stay short, so lookups stay flat");
        Assert.That(sad.LongestProbe(), Is.LessThanOrEqualTo(200), "no probe runs long (a cluster would show here; linear probing at half load expects a longest probe of about 50 to 70 at a million)");

        int found = 0;
        for (int i = 0; i < Entries; i++)
        {
            if (sad.FindInbound((uint)(0x1000 + i), destinationBytes[i & 255], default, out SecurityAssociationHandle? h) == IpsecStatus.Success &&
                ReferenceEquals(h!.SecurityAssociation, sas[i]))
            {
                found++;
            }
        }

        Assert.That(found, Is.EqualTo(Entries));

        // One lifetime pass over the million (reported, not asserted: timings are not tested).
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        sad.Poll();
        TestContext.Out.WriteLine($"Poll over {Entries} SAs: {System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0} ms");
        Assert.That(sad.Count, Is.EqualTo(Entries), "nothing expires without limits");
        Assert.That(sad.FindInbound(0x1000, destinationBytes[1], default, out _), Is.EqualTo(IpsecStatus.UnknownSpi));
        GC.KeepAlive(sad);
        sad.Dispose();
    }
}
