using System;
using Ipsec.Packets.Sequencing;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sequencing;

public class SequenceNumberInferenceTests
{
    // Independent reference: of the candidates in the subspaces around the top, the one the RFC 4303 Appendix A rule picks
    // is the one inside [top - W + 1, top - W + 2^32]; every other candidate lies outside that 2^32-wide range.
    private static ulong Reference(uint low, ulong top, uint w)
    {
        long bottom = (long)(top >> 32 << 32) + (uint)top - w + 1;
        foreach (long high in new long[] { (long)(top >> 32) - 1, (long)(top >> 32), (long)(top >> 32) + 1 })
        {
            if (high < 0 || high > uint.MaxValue)
            {
                continue;
            }

            long candidate = (high << 32) | low;
            if (candidate >= bottom && candidate < bottom + (1L << 32))
            {
                return (ulong)candidate;
            }
        }

        return ((top >> 32) << 32) | low;
    }

    [TestCase(0x0000_0001_0000_0010UL, 64u, 0x0000_0011u, 0x0000_0001_0000_0011UL)]   // case A, ahead
    [TestCase(0x0000_0001_0000_0010UL, 64u, 0xFFFF_FFF0u, 0x0000_0000_FFFF_FFF0UL)]   // case B, from the previous subspace
    [TestCase(0x0000_0001_FFFF_FFF0UL, 64u, 0x0000_0005u, 0x0000_0002_0000_0005UL)]   // case A, wrap into the next subspace
    [TestCase(0x0000_0001_FFFF_FFF0UL, 64u, 0xFFFF_FFE0u, 0x0000_0001_FFFF_FFE0UL)]   // case A, inside the window
    [TestCase(0x0000_0000_0000_0000UL, 64u, 0x0000_0001u, 0x0000_0000_0000_0001UL)]   // first packet
    [TestCase(0x0000_0000_0000_0005UL, 64u, 0xFFFF_FFFFu, 0x0000_0000_FFFF_FFFFUL)]   // no subspace before the first
    // The last subspace (high 32 bits 0xFFFFFFFF): there is no subspace after it, so a low number below the window is
    // placed in the last subspace, where it is old and the window rejects it (RFC 4303 §3.3.3: the counter never wraps).
    [TestCase(0xFFFF_FFFF_FFFF_FFF0UL, 64u, 0x0000_0005u, 0xFFFF_FFFF_0000_0005UL)]   // case A, would wrap past the last subspace
    [TestCase(0xFFFF_FFFF_FFFF_FFF0UL, 64u, 0xFFFF_FFE0u, 0xFFFF_FFFF_FFFF_FFE0UL)]   // case A, inside the window
    [TestCase(0xFFFF_FFFF_FFFF_FFF0UL, 64u, 0xFFFF_FFFFu, 0xFFFF_FFFF_FFFF_FFFFUL)]   // case A, ahead, the very last number
    [TestCase(0xFFFF_FFFF_0000_0010UL, 64u, 0xFFFF_FFF0u, 0xFFFF_FFFE_FFFF_FFF0UL)]   // case B, from the previous subspace
    [TestCase(0xFFFF_FFFF_0000_0010UL, 64u, 0x0000_0020u, 0xFFFF_FFFF_0000_0020UL)]   // case B, ahead
    [TestCase(0xFFFF_FFFF_7FFF_FFFFUL, 0u, 0x0000_0001u, 0xFFFF_FFFF_0000_0001UL)]    // replay off: case A at the half-space edge
    [TestCase(0x0000_0000_FFFF_FFFFUL, 64u, 0x0000_0001u, 0x0000_0001_0000_0001UL)]   // case A, from the first subspace into the second
    [TestCase(0x0000_0001_0000_003EUL, 64u, 0xFFFF_FFFFu, 0x0000_0000_FFFF_FFFFUL)]   // case B edge: tl = W - 2, low at the bottom
    [TestCase(0x0000_0001_0000_003FUL, 64u, 0x0000_0000u, 0x0000_0001_0000_0000UL)]   // case A edge: tl = W - 1, low at the bottom
    [TestCase(0x0000_0001_0000_003FUL, 64u, 0xFFFF_FFFFu, 0x0000_0001_FFFF_FFFFUL)]   // case A edge: the window starts the subspace, all is ahead
    public void KnownCases(ulong top, uint window, uint low, ulong expected)
    {
        Assert.That(SequenceNumberInference.Infer(low, top, (int)window), Is.EqualTo(expected));
    }

    [Test]
    public void RandomCasesMatchTheReference([Values(1, 64, 1024, 65536)] int window)
    {
        var random = new Random(window);
        for (int i = 0; i < 100_000; i++)
        {
            ulong top = ((ulong)(uint)random.Next(1, 1000) << 32) | (uint)random.NextInt64(0, 1L << 32);
            if (random.Next(4) == 0)
            {
                top = (top & 0xFFFF_FFFF_0000_0000UL) | (uint)random.Next(0, window + 2);   // near the subspace start
            }

            uint low = random.Next(3) switch
            {
                0 => (uint)random.NextInt64(0, 1L << 32),
                1 => unchecked((uint)top - (uint)random.Next(0, window + 2)),
                _ => unchecked((uint)top + (uint)random.Next(0, 1000)),
            };
            Assert.That(SequenceNumberInference.Infer(low, top, window), Is.EqualTo(Reference(low, top, (uint)window)), $"top {top:x16} low {low:x8}");
        }
    }

    [Test]
    public void WithReplayOffTheHalfSpaceNearestTheTopIsChosen()
    {
        ulong top = 0x0000_0003_0000_0010UL;
        Assert.That(SequenceNumberInference.Infer(0xF000_0000u, top, 0), Is.EqualTo(0x0000_0002_F000_0000UL));
        Assert.That(SequenceNumberInference.Infer(0x7000_0000u, top, 0), Is.EqualTo(0x0000_0003_7000_0000UL));
    }
}
