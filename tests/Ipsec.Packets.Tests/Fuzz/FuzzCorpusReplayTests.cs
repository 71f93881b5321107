using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Fuzz.Seeds;
using Ipsec.Packets.Fuzz.Targets;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Fuzz;

/// <summary>
/// The fuzz targets as normal tests: every committed seed runs through its target without an unexpected exception, and
/// the seeds are what they claim to be (valid packets are accepted, valid files are read, near-misses are refused).
/// </summary>
public class FuzzCorpusReplayTests
{
    private static IEnumerable<string> Targets() => FuzzTargets.Names;

    [TestCaseSource(nameof(Targets))]
    public void EverySeedRunsWithoutAnUnexpectedException(string name)
    {
        IFuzzTarget target = FuzzTargets.Create(name);
        string[] files = FuzzCorpus.Files(name);
        Assert.That(files, Has.Length.GreaterThanOrEqualTo(5), "a handful of seeds per target");
        foreach (string file in files)
        {
            byte[] input = File.ReadAllBytes(file);
            Assert.DoesNotThrow(() => target.Run(input), Path.GetFileName(file));
        }
    }

    [Test]
    public void TheCorpusStaysSmall()
    {
        long bytes = 0;
        foreach (string name in FuzzTargets.Names)
        {
            foreach (string file in FuzzCorpus.Files(name))
            {
                bytes += new FileInfo(file).Length;
            }
        }

        Assert.That(bytes, Is.LessThan(200 * 1024));
    }

    [Test]
    public void EachValidInboundSeedIsAcceptedByExactlyOnePathAndTheNearMissesByNone()
    {
        using var target = new InboundTarget(freshStatePerInput: true);
        int valid = 0;
        foreach (string file in FuzzCorpus.Files(InboundTarget.TargetName))
        {
            string name = Path.GetFileName(file);
            int accepted = target.Process(File.ReadAllBytes(file));
            bool isValid = name.StartsWith("valid-", StringComparison.Ordinal);
            Assert.That(accepted, Is.EqualTo(isValid ? 1 : 0), name);
            valid += isValid ? 1 : 0;
        }

        Assert.That(valid, Is.EqualTo(InboundSaSpec.All.Length + 2), "one seed per SA, and one after the 2^32 wrap for each ESN SA");
    }

    [Test]
    public void ValidCapturesDeliverTheirFramesAndTheTruncatedOneIsRefused()
    {
        var frames = new Dictionary<string, long>();
        foreach (string file in FuzzCorpus.Files(PcapTarget.TargetName))
        {
            frames[Path.GetFileName(file)] = PcapTarget.Process(File.ReadAllBytes(file));
        }

        Assert.That(frames, Is.EquivalentTo(new Dictionary<string, long>
        {
            ["big-endian.pcapng"] = 3,
            ["ethernet-big-endian.pcap"] = 3,
            ["raw-microseconds.pcap"] = 4,
            ["raw-nanoseconds.pcap"] = 2,
            ["truncated-record.pcap"] = -1,
            ["two-interfaces.pcapng"] = 5,
        }));
    }

    [Test]
    public void ValidSaFilesBuildEverySaAndTheNearMissesAreRefused()
    {
        var sas = new Dictionary<string, int>();
        foreach (string file in FuzzCorpus.Files(SaFileTarget.TargetName))
        {
            sas[Path.GetFileName(file)] = SaFileTarget.Process(File.ReadAllBytes(file));
        }

        Assert.That(sas, Is.EquivalentTo(new Dictionary<string, int>
        {
            ["cbc-without-auth.xfrm"] = 1, // confidentiality-only ESP: accepted with a warning (issue 18, point 6)
            ["harness-sas.json"] = 8,
            ["harness-sas.xfrm"] = 8,
            ["one-sa-bare-array.json"] = 1,
            ["one-sa.xfrm"] = 1,
            ["short-key.json"] = -1,
        }));
    }

    [Test]
    public void TheCommittedCorpusHasEverySeedTheGeneratorWrites()
    {
        string generated = Path.Combine(Path.GetTempPath(), "ipsec-fuzz-corpus-" + Guid.NewGuid().ToString("N"));
        try
        {
            CorpusGenerator.Write(generated);
            foreach (string name in FuzzTargets.Names)
            {
                string[] expected = Array.ConvertAll(Directory.GetFiles(Path.Combine(generated, name)), Path.GetFileName)!;
                string[] committed = Array.ConvertAll(FuzzCorpus.Files(name), Path.GetFileName)!;
                Assert.That(committed, Is.EquivalentTo(expected), name);
            }
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
        }
    }
}
