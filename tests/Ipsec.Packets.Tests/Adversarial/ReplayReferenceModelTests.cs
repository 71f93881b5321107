using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>The reference model itself, on hand-worked deliveries (RFC 4303 §3.4.3 with a window of 4).</summary>
public class ReplayReferenceModelTests
{
    [Test]
    public void AcceptsNewAndInWindowNumbersOnce()
    {
        var model = new ReplayReferenceModel(windowSize: 4, initialHighest: 0);
        (ulong Sequence, bool Accepted)[] deliveries =
        [
            (0, false),   // never valid
            (5, true),    // new: highest 5, window 2..5
            (5, false),   // duplicate
            (2, true),    // 5 - 2 = 3 < 4: inside, first time
            (2, false),
            (1, false),   // 5 - 1 = 4: left of the window
            (9, true),    // highest 9, window 6..9
            (5, false),   // left of the window now
            (6, true),
            (7, true),
            (7, false),
            (10, true),
            (6, false),   // 10 - 6 = 4: left of the window
        ];
        foreach ((ulong sequence, bool accepted) in deliveries)
        {
            Assert.That(model.Deliver(sequence), Is.EqualTo(accepted), $"sequence number {sequence}");
        }
    }

    [Test]
    public void CountsEverythingUpToTheInitialHighestAsReceived()
    {
        var model = new ReplayReferenceModel(windowSize: 64, initialHighest: 100);
        Assert.That(model.Deliver(100), Is.False);
        Assert.That(model.Deliver(99), Is.False);
        Assert.That(model.Deliver(101), Is.True);
        Assert.That(model.Deliver((1UL << 32) + 5), Is.True, "64-bit numbers");
        Assert.That(model.Deliver((1UL << 32) - 1), Is.True, "6 below the highest: inside the window, across 2^32");
        Assert.That(model.Deliver((1UL << 32) - 100), Is.False, "left of the window");
    }
}
