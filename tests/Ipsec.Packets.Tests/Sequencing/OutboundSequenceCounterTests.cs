using System.Collections.Concurrent;
using System.Threading.Tasks;
using Ipsec.Packets.Sequencing;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sequencing;

public class OutboundSequenceCounterTests
{
    [Test]
    public void ThirtyTwoBitCounterStopsAtTheLastNumberWithoutWrapping()
    {
        var counter = new OutboundSequenceCounter(extended: false, lastUsed: uint.MaxValue - 1);
        Assert.That(counter.TryNext(out ulong seq), Is.True);
        Assert.That(seq, Is.EqualTo((ulong)uint.MaxValue));
        Assert.That(counter.TryNext(out seq), Is.False);
        Assert.That(seq, Is.Zero);
        Assert.That(counter.TryNext(out _), Is.False);
        Assert.That(counter.LastUsed, Is.EqualTo((ulong)uint.MaxValue));
    }

    [Test]
    public void ExtendedCounterCrossesTheThirtyTwoBitBoundaryAndStopsAtTheEnd()
    {
        var counter = new OutboundSequenceCounter(extended: true, lastUsed: uint.MaxValue);
        Assert.That(counter.TryNext(out ulong seq), Is.True);
        Assert.That(seq, Is.EqualTo(1UL << 32));
        var last = new OutboundSequenceCounter(extended: true, lastUsed: ulong.MaxValue - 1);
        Assert.That(last.TryNext(out seq), Is.True);
        Assert.That(seq, Is.EqualTo(ulong.MaxValue));
        Assert.That(last.TryNext(out _), Is.False);
    }

    [Test]
    public void ConcurrentSendersGetUniqueNumbers()
    {
        var counter = new OutboundSequenceCounter(extended: false, lastUsed: 0);
        var seen = new ConcurrentDictionary<ulong, byte>();
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                Assert.That(counter.TryNext(out ulong seq), Is.True);
                Assert.That(seen.TryAdd(seq, 0), Is.True, $"duplicate {seq}");
            }
        });
        Assert.That(seen, Has.Count.EqualTo(400_000));
        Assert.That(counter.LastUsed, Is.EqualTo(400_000UL));
    }
}
