using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Fuzz.Targets;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Fuzz;

/// <summary>
/// The inbound target over one long-lived fixture: once warmed up, garbage, unknown SPIs, near-misses and replays of
/// the valid seeds (rejected by the replay windows after their first run) cost no allocation on any inbound path.
/// </summary>
public class InboundFuzzAllocationTests
{
    private static IEnumerable<TestCaseData> Inputs()
    {
        foreach (string file in FuzzCorpus.Files(InboundTarget.TargetName))
        {
            yield return new TestCaseData(File.ReadAllBytes(file)).SetArgDisplayNames(Path.GetFileName(file));
        }

        var random = new Random(8);
        foreach (int length in new[] { 0, 1, 19, 20, 40, 64, 333, 1500 })
        {
            var garbage = new byte[length];
            random.NextBytes(garbage);
            yield return new TestCaseData(garbage).SetArgDisplayNames($"random-{length}-bytes");
            if (length >= 20)
            {
                // Version 4 with a 20-byte header and the ESP protocol, the rest noise: past the first parsing checks.
                garbage = (byte[])garbage.Clone();
                garbage[0] = 0x45;
                garbage[9] = 50;
                yield return new TestCaseData(garbage).SetArgDisplayNames($"random-esp-v4-{length}-bytes");
            }
        }
    }

    [TestCaseSource(nameof(Inputs))]
    public void WarmedUpReplaysAllocateNothing(byte[] input)
    {
        using var target = new InboundTarget(freshStatePerInput: false);
        int accepted = 0;
        long bytes = Allocations.Measure(() => accepted += target.Process(input));
        Assert.Multiple(() =>
        {
            Assert.That(bytes, Is.Zero);
            Assert.That(accepted, Is.LessThanOrEqualTo(1), "a valid packet is accepted once, then refused as a replay");
        });
    }
}
