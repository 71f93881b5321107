using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Ipsec.Packets.Sequencing;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sequencing;

public class AntiReplayWindowTests
{
    /// <summary>The reference model: a set of everything accepted and the highest number; a number is acceptable when it is new and within the window.</summary>
    private sealed class ReferenceWindow(int size)
    {
        private readonly HashSet<ulong> _seen = new();
        private ulong _top;

        public bool Accept(ulong seq)
        {
            if (seq == 0)
            {
                return false;
            }

            if (size != 0 && seq <= _top && _top - seq >= (ulong)size)
            {
                return false;
            }

            if (size != 0 && !_seen.Add(seq))
            {
                return false;
            }

            _top = Math.Max(_top, seq);
            return true;
        }
    }

    [TestCase(1, 1)]
    [TestCase(32, 2)]
    [TestCase(64, 3)]
    [TestCase(65, 4)]
    [TestCase(1000, 5)]
    [TestCase(4096, 6)]
    [TestCase(65536, 7)]
    [TestCase(1 << 20, 8)]
    public void RandomStreamsMatchTheReferenceModel(int size, int seed)
    {
        var random = new Random(seed);
        var window = new AntiReplayWindow(size);
        var model = new ReferenceWindow(size);
        ulong next = 1;
        for (int i = 0; i < 200_000; i++)
        {
            ulong seq;
            switch (random.Next(6))
            {
                case 0: seq = next++; break;                                                         // in order
                case 1: seq = next + (ulong)random.Next(1, 3 * size + 100); next = seq + 1; break;   // jump ahead
                case 2: seq = next > 1 ? (ulong)random.NextInt64(1, (long)next) : 1; break;         // anything old
                case 3: seq = next > (ulong)size ? next - (ulong)size + (ulong)random.Next(-2, 3) : 1; break; // around the left edge
                case 4: seq = next - 1; break;                                                       // duplicate of the newest
                default: seq = next + (ulong)random.Next(0, 64); break;
            }

            bool checkOk = window.Check(seq);
            bool accepted = checkOk && window.TryAccept(seq);
            Assert.That(accepted, Is.EqualTo(model.Accept(seq)), $"seq {seq} at step {i}");
        }
    }

    [Test]
    public void CheckNeverChangesTheWindow()
    {
        var window = new AntiReplayWindow(64);
        Assert.That(window.Check(10), Is.True);
        Assert.That(window.Check(10), Is.True);
        Assert.That(window.Highest, Is.EqualTo(0UL));
        Assert.That(window.TryAccept(10), Is.True);
        Assert.That(window.Check(10), Is.False);
        Assert.That(window.TryAccept(10), Is.False);
    }

    [Test]
    public void SequenceNumberZeroIsNeverAccepted()
    {
        Assert.That(new AntiReplayWindow(64).Check(0), Is.False);
        Assert.That(new AntiReplayWindow(0).TryAccept(0), Is.False);
    }

    [Test]
    public void WindowEdgesAreExact()
    {
        var window = new AntiReplayWindow(64);
        Assert.That(window.TryAccept(1000), Is.True);
        Assert.That(window.Check(1000 - 63), Is.True, "the oldest number inside the window");
        Assert.That(window.Check(1000 - 64), Is.False, "the first number left of the window");
    }

    [Test]
    public void ZeroSizeTurnsReplayProtectionOff()
    {
        var window = new AntiReplayWindow(0);
        Assert.That(window.TryAccept(5), Is.True);
        Assert.That(window.Check(5), Is.True);
        Assert.That(window.TryAccept(5), Is.True);
        Assert.That(window.TryAccept(1), Is.True);
        Assert.That(window.Highest, Is.EqualTo(5UL));
    }

    [Test]
    public void AnImportedStateTreatsEverythingUpToTheTopAsSeen()
    {
        var window = new AntiReplayWindow(128, highestReceived: 500);
        Assert.That(window.Check(500), Is.False);
        Assert.That(window.Check(450), Is.False);
        Assert.That(window.Check(501), Is.True);
    }

    [TestCase(128, 500UL)]      // the top in the middle of its 64-bit block
    [TestCase(128, 511UL)]      // the top on the last bit of its block
    [TestCase(128, 512UL)]      // the top on the first bit of its block
    [TestCase(1000, 70_000UL)]  // a window spanning many blocks
    [TestCase(64, 1UL)]         // a top below the window size
    public void AnImportedStateTreatsTheWholeWindowBelowTheTopAsSeen(int size, ulong highest)
    {
        // RFC 4303 §3.4.3: after an import (a rekeyed or restored receiver) every number in the window up to the top is
        // refused, in every block the window covers, and everything above the top is new.
        var window = new AntiReplayWindow(size, highestReceived: highest);
        Assert.That(window.Highest, Is.EqualTo(highest));
        ulong bottom = highest >= (ulong)size ? highest - (ulong)size + 1 : 1;
        for (ulong seq = bottom; seq <= highest; seq++)
        {
            Assert.That(window.Check(seq), Is.False, $"seq {seq} at or below the imported top {highest}");
            Assert.That(window.TryAccept(seq), Is.False, $"seq {seq} at or below the imported top {highest}");
        }

        for (ulong seq = highest + 1; seq <= highest + 130; seq++)
        {
            Assert.That(window.Check(seq), Is.True, $"seq {seq} above the imported top {highest}");
        }

        // Accepted newest first: each one slides the window, and the others stay inside it.
        for (ulong seq = highest + (ulong)Math.Min(size, 130); seq > highest; seq--)
        {
            Assert.That(window.TryAccept(seq), Is.True, $"seq {seq} above the imported top {highest}");
        }
    }

    [Test]
    public void TryAcceptAloneRefusesANumberThatFellOutOfTheWindow()
    {
        // The window update runs after the ICV check; by then other packets may have slid the window past a number that
        // passed Check. TryAccept must refuse it on its own (RFC 4303 §3.4.3: a number left of the window is rejected).
        var window = new AntiReplayWindow(64);
        Assert.That(window.Check(900), Is.True);
        Assert.That(window.TryAccept(1000), Is.True);
        Assert.That(window.TryAccept(1000 - 64), Is.False, "the first number left of the window");
        Assert.That(window.TryAccept(900), Is.False, "checked before the slide, left of the window now");
        Assert.That(window.TryAccept(1000 - 63), Is.True, "the oldest number inside the window");
        Assert.That(window.TryAccept(1000 - 63), Is.False, "a duplicate");
        Assert.That(window.Highest, Is.EqualTo(1000UL));
    }

    [Test]
    public void TryAcceptAloneRefusesDuplicatesAcrossBlocks()
    {
        var window = new AntiReplayWindow(256);
        foreach (ulong seq in new ulong[] { 300, 200, 63, 64, 127, 128, 256 })
        {
            Assert.That(window.TryAccept(seq), Is.True, $"seq {seq} first time");
        }

        foreach (ulong seq in new ulong[] { 300, 200, 63, 64, 127, 128, 256 })
        {
            Assert.That(window.TryAccept(seq), Is.False, $"seq {seq} again");
        }

        Assert.That(window.TryAccept(62), Is.True);
        Assert.That(window.TryAccept(45), Is.True, "the oldest number inside the window");
        Assert.That(window.TryAccept(45), Is.False);
        Assert.That(window.TryAccept(44), Is.False, "left of the window");
    }

    [Test]
    public void AJumpFarAheadClearsEveryBlockTheNewWindowCovers()
    {
        // Old bits must not alias into the new window's positions (the ring is reused): after a jump of many window
        // lengths, the numbers just below the new top were never received and are accepted.
        var window = new AntiReplayWindow(128);
        for (ulong seq = 1; seq <= 256; seq++)
        {
            Assert.That(window.TryAccept(seq), Is.True);
        }

        ulong top = 256 + (1UL << 20);
        Assert.That(window.TryAccept(top), Is.True);
        for (ulong seq = top - 127; seq < top; seq++)
        {
            Assert.That(window.Check(seq), Is.True, $"seq {seq} was never received");
        }

        for (ulong seq = top - 127; seq < top; seq++)
        {
            Assert.That(window.TryAccept(seq), Is.True, $"seq {seq} was never received");
        }
    }

    [Test]
    public void ASlideOfExactlyOneRingClearsTheOldBits()
    {
        var window = new AntiReplayWindow(64);   // 2 blocks of 64 bits
        for (ulong seq = 1; seq <= 127; seq++)
        {
            Assert.That(window.TryAccept(seq), Is.True);
        }

        // 128..255 map onto the same ring positions as 0..127.
        Assert.That(window.TryAccept(255), Is.True);
        for (ulong seq = 192; seq < 255; seq++)
        {
            Assert.That(window.Check(seq), Is.True, $"seq {seq} was never received");
            Assert.That(window.TryAccept(seq), Is.True, $"seq {seq} was never received");
        }
    }

    [Test]
    public void ConcurrentReceiversAcceptEachNumberExactlyOnce()
    {
        var window = new AntiReplayWindow(4096);
        const int count = 200_000;
        int accepted = 0;
        Parallel.For(0, 4, _ =>
        {
            for (ulong seq = 1; seq <= count; seq++)
            {
                if (window.Check(seq) && window.TryAccept(seq))
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        });
        Assert.That(accepted, Is.EqualTo(count));
    }

    [TestCase(0)]
    [TestCase(AntiReplayWindow.MaximumSize)]
    public void OnceANumberIsAcceptedTheTopIsAtLeastThatNumber(int size)
    {
        // Threads accept interleaved numbers (thread t takes t + 1, t + 1 + threads, ...), so they raise the top at the
        // same time with different values: a thread whose compare-and-swap loses to a smaller number must try again. Each
        // thread checks the top right after each of its own acceptances (a top left below an accepted number would leave
        // the window's left edge behind), and the final top must be the highest number accepted. Without replay protection
        // (size 0) an acceptance is only the raise of the top, so the threads race on it most often. The race needs two
        // threads running at once, so it runs in rounds that start together; only counts are asserted.
        const int rounds = 20;
        const int perRound = 50_000;
        var window = new AntiReplayWindow(size);
        int threads = Math.Max(4, Environment.ProcessorCount);
        var accepted = new int[threads];
        var topBelowAccepted = new int[threads];
        var highestAccepted = new ulong[threads];
        using var start = new Barrier(threads);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int acceptedHere = 0;
            int belowHere = 0;
            ulong highestHere = 0;
            for (int round = 0; round < rounds; round++)
            {
                start.SignalAndWait();
                for (int i = round * perRound; i < (round + 1) * perRound; i++)
                {
                    ulong seq = ((ulong)i * (ulong)threads) + (ulong)t + 1;
                    if (window.TryAccept(seq))
                    {
                        acceptedHere++;
                        highestHere = seq;
                        belowHere += window.Highest < seq ? 1 : 0;
                    }
                }
            }

            accepted[t] = acceptedHere;
            topBelowAccepted[t] = belowHere;
            highestAccepted[t] = highestHere;
        });

        Assert.That(accepted.Sum(), Is.GreaterThan(rounds * perRound), "the threads accept most of their numbers");
        Assert.That(topBelowAccepted.Sum(), Is.Zero, "acceptances after which the top was still below the accepted number");
        Assert.That(window.Highest, Is.EqualTo(highestAccepted.Max()));
    }

    [TestCase(64, 11)]
    [TestCase(1000, 12)]
    [TestCase(4096, 13)]
    public void ManyThreadsRacingOnTheSameNumbersAcceptEachAtMostOnce(int size, int seed)
    {
        // Every thread walks the same stream: mostly in order with local reordering, duplicates, and jumps of up to
        // four windows ahead, so slots are claimed for new blocks while other threads still set bits in old ones.
        var random = new Random(seed);
        const int length = 60_000;
        var stream = new ulong[length];
        ulong next = 1;
        for (int i = 0; i < length; i++)
        {
            int kind = random.Next(20);
            if (kind == 0)
            {
                next += (ulong)random.Next(1, 4 * size);
            }

            stream[i] = kind == 1 && next > 10 ? next - (ulong)random.Next(1, 10) : next++;
        }

        var window = new AntiReplayWindow(size);
        var acceptedCount = new int[next + 1];
        int threads = Math.Max(4, Environment.ProcessorCount * 2);
        using var start = new Barrier(threads);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var local = new Random(seed * 31 + t);
            start.SignalAndWait();
            for (int i = 0; i < length; i++)
            {
                // each thread takes the stream with its own small local shuffles
                int j = Math.Min(length - 1, i + local.Next(3));
                ulong seq = stream[j];
                if (window.Check(seq) && window.TryAccept(seq))
                {
                    Interlocked.Increment(ref acceptedCount[seq]);
                }
            }
        });

        int accepted = 0;
        ulong highestAccepted = 0;
        for (ulong seq = 0; seq <= next; seq++)
        {
            Assert.That(acceptedCount[seq], Is.LessThanOrEqualTo(1), $"sequence number {seq} was accepted more than once");
            accepted += acceptedCount[seq];
            highestAccepted = acceptedCount[seq] == 1 ? seq : highestAccepted;
        }

        Assert.That(accepted, Is.GreaterThan(length / 2), "the racing threads still accept the stream's numbers");
        Assert.That(window.Highest, Is.EqualTo(highestAccepted), "the top is the highest number accepted");
    }

    [Test]
    public void AcceptRefusesANumberThatFellOutOfTheWindowAfterItsCheck()
    {
        // Check passes, then another packet moves the top a whole window ahead before this one is accepted.
        var window = new AntiReplayWindow(64);
        Assert.That(window.TryAccept(100), Is.True);
        Assert.That(window.Check(90), Is.True);
        Assert.That(window.TryAccept(90 + 64), Is.True);
        Assert.That(window.TryAccept(90), Is.False, "90 is exactly one window below the new top");
        Assert.That(window.TryAccept(91), Is.True, "91 is the oldest number still inside the window");
    }

    [Test]
    public void ANumberWhoseBlockWasRecycledIsRefusedEvenIfItsCheckRanEarlier()
    {
        // The top jumps far ahead (its block takes the slot that described 1..32); a late accept of 5 must fail.
        var window = new AntiReplayWindow(64);
        Assert.That(window.TryAccept(1), Is.True);
        Assert.That(window.Check(5), Is.True);
        Assert.That(window.TryAccept(1_000_001), Is.True);
        Assert.That(window.TryAccept(5), Is.False);
        Assert.That(window.Check(1), Is.False);
        Assert.That(window.Check(1_000_000), Is.True);
        Assert.That(window.Check(1_000_001), Is.False);
    }

    [Test]
    public void AnImportedStateMarksEveryNumberOfTheWindowSeenInEveryBlock()
    {
        // Every number of the whole window below an imported top counts as seen, not only those in the top's own block.
        const int size = 1024;
        const ulong top = 100_000;
        var window = new AntiReplayWindow(size, highestReceived: top);
        for (ulong seq = top - size + 1; seq <= top; seq++)
        {
            Assert.That(window.Check(seq), Is.False, $"sequence number {seq} below the imported top");
        }

        Assert.That(window.Check(top - size), Is.False, "left of the window");
        for (ulong seq = top + 1; seq <= top + 70; seq++)
        {
            Assert.That(window.Check(seq), Is.True, $"sequence number {seq} above the imported top");
        }
    }

    [Test]
    public void AnImportedTopBelowOneRingMarksEveryEarlierNumberSeenDownToOne()
    {
        // The top's block is below the ring's size: the import walks down to block 0 and stops there.
        var window = new AntiReplayWindow(1024, highestReceived: 100);
        for (ulong seq = 1; seq <= 100; seq++)
        {
            Assert.That(window.Check(seq), Is.False, $"sequence number {seq} below the imported top");
            Assert.That(window.TryAccept(seq), Is.False, $"sequence number {seq} accepted again");
        }

        Assert.That(window.Check(101), Is.True);
        Assert.That(window.Highest, Is.EqualTo(100UL));
    }

    [Test]
    public void AnImportedTopWithReplayProtectionOffOnlySetsTheTop()
    {
        var window = new AntiReplayWindow(0, highestReceived: 500);
        Assert.That(window.Highest, Is.EqualTo(500UL));
        Assert.That(window.Check(1), Is.True, "replay protection is off");
        Assert.That(window.TryAccept(500), Is.True, "replay protection is off");
        Assert.That(window.TryAccept(600), Is.True);
        Assert.That(window.Highest, Is.EqualTo(600UL));
        Assert.That(window.TryAccept(550), Is.True);
        Assert.That(window.Highest, Is.EqualTo(600UL), "a lower number never lowers the top");
    }

    [Test]
    public void CheckAndAcceptDoNotAllocate()
    {
        var window = new AntiReplayWindow(65536);
        ulong seq = 1;
        long bytes = Allocations.Measure(() =>
        {
            window.Check(seq);
            window.TryAccept(seq);
            seq += 3;
        });
        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public void ResetForgetsEverySequenceNumberReceived()
    {
        var window = new AntiReplayWindow(1024);
        for (ulong seq = 1; seq <= 5000; seq++)
        {
            Assert.That(window.TryAccept(seq), Is.True);
        }

        window.Reset();
        Assert.That(window.Highest, Is.Zero);
        for (ulong seq = 1; seq <= 5000; seq++)
        {
            Assert.That(window.Check(seq) && window.TryAccept(seq), Is.True, $"sequence number {seq} after the reset");
        }

        Assert.That(window.Check(4999), Is.False, "the window works again after a reset");
    }

    [Test]
    public void SizesOutsideTheRangeAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new AntiReplayWindow(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new AntiReplayWindow(AntiReplayWindow.MaximumSize + 1));
    }
}
