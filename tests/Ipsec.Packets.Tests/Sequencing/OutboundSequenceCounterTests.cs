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
    public void ReserveHandsOutTheWholeCountWhileItFits()
    {
        var counter = new OutboundSequenceCounter(extended: false, lastUsed: 10);
        Assert.That(counter.Reserve(5, out ulong first), Is.EqualTo(5));
        Assert.That(first, Is.EqualTo(11UL));
        Assert.That(counter.LastUsed, Is.EqualTo(15UL));
    }

    [TestCase(false, (ulong)uint.MaxValue)]
    [TestCase(true, ulong.MaxValue)]
    public void ReserveHandsOutOnlyWhatIsLeftThenNothing(bool extended, ulong maximum)
    {
        // Three numbers left: a reservation of exactly three gets all of them, one of five gets the three left.
        var exact = new OutboundSequenceCounter(extended, lastUsed: maximum - 3);
        Assert.That(exact.Reserve(3, out ulong first), Is.EqualTo(3));
        Assert.That(first, Is.EqualTo(maximum - 2));
        Assert.That(exact.LastUsed, Is.EqualTo(maximum));

        var counter = new OutboundSequenceCounter(extended, lastUsed: maximum - 3);
        Assert.That(counter.Reserve(5, out first), Is.EqualTo(3));
        Assert.That(first, Is.EqualTo(maximum - 2));
        Assert.That(counter.LastUsed, Is.EqualTo(maximum));

        // Exhausted: nothing, first is 0 as documented, and the counter does not move.
        Assert.That(counter.Reserve(5, out first), Is.Zero);
        Assert.That(first, Is.Zero);
        Assert.That(counter.LastUsed, Is.EqualTo(maximum));
        Assert.That(counter.TryNext(out _), Is.False);
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
