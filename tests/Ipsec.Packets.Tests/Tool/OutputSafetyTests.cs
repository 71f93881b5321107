using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tests.Adversarial;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>
/// The tool never destroys a user's file (issue 18, point 4): an OUTPUT that is the INPUT or the SA file (same path,
/// symbolic link, hard link) is refused before anything is written; outputs go through a temporary file renamed on
/// success; a failed run leaves an existing OUTPUT byte for byte and no temporary file. The Wireshark export is 0600 (point 11).
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class OutputSafetyTests
{
    private const string Sa =
        "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x0000c0de reqid 1 mode tunnel\n\treplay-window 32\n" +
        "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n";

    private string _dir = "";
    private byte[] _plain = [];

    [SetUp]
    public void SetUp()
    {
        _dir = ToolRunner.TempDirectory();
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < 8; i++)
        {
            frames.Add(new(1_700_000_000 + i, 0, CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, SamplePackets.Random(40 + i, i))));
        }

        _plain = CaptureBuilder.Pcap(frames, 101);
        File.WriteAllBytes(PathOf("plain.pcap"), _plain);
        File.WriteAllText(PathOf("sa.txt"), Sa);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    public static IEnumerable<TestCaseData> SameFileCases()
    {
        foreach (string command in new[] { "encrypt", "decrypt" })
        {
            yield return new TestCaseData(command, "same path").SetArgDisplayNames(command, "same path");
            yield return new TestCaseData(command, "symlink").SetArgDisplayNames(command, "symlink");
            yield return new TestCaseData(command, "hard link").SetArgDisplayNames(command, "hard link");
            yield return new TestCaseData(command, "dot path").SetArgDisplayNames(command, "dot path");
        }
    }

    [TestCaseSource(nameof(SameFileCases))]
    public void OutputThatIsTheInput_IsRefusedAndTheInputSurvives(string command, string how)
    {
        string input = PathOf("plain.pcap");
        string output = how switch
        {
            "same path" => input,
            "dot path" => Path.Combine(_dir, ".", "plain.pcap"),
            _ => PathOf("link.pcap"),
        };
        if (how == "symlink")
        {
            File.CreateSymbolicLink(output, input);
        }
        else if (how == "hard link")
        {
            Assert.That(Link(input, output), Is.Zero, "link(2)");
        }

        var run = ToolRunner.Run(command, "--sa", PathOf("sa.txt"), input, output);
        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.Error, Does.StartWith("ipsec-packets: OUTPUT '").And.Contain("is the same file as INPUT").And.EndWith("refusing to overwrite it\n"));
        Assert.That(File.ReadAllBytes(input), Is.EqualTo(_plain), "the input is untouched");
        Assert.That(Directory.GetFiles(_dir, "*.tmp"), Is.Empty);
    }

    [Test]
    public void OutputThatIsTheSaFile_IsRefused()
    {
        var run = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("sa.txt"));
        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.Error, Does.Contain("is the same file as SAFILE"));
        Assert.That(File.ReadAllText(PathOf("sa.txt")), Is.EqualTo(Sa));

        var export = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), "--export-wireshark", PathOf("plain.pcap"), PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(export.ExitCode, Is.EqualTo(1));
        Assert.That(export.Error, Does.Contain("--export-wireshark '").And.Contain("is the same file as INPUT"));
        Assert.That(File.ReadAllBytes(PathOf("plain.pcap")), Is.EqualTo(_plain));
    }

    [Test]
    public void FailureMidRun_LeavesAnExistingOutputUntouchedAndNoTemporaryFile()
    {
        byte[] previous = "an earlier, precious result"u8.ToArray();
        File.WriteAllBytes(PathOf("out.pcap"), previous);
        // A capture cut in the middle of its sixth record: the run fails after writing five packets.
        File.WriteAllBytes(PathOf("cut.pcap"), _plain[..(_plain.Length - 100)]);
        var run = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("cut.pcap"), PathOf("out.pcap"));
        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.Error, Does.Contain("truncated"));
        Assert.That(File.ReadAllBytes(PathOf("out.pcap")), Is.EqualTo(previous));
        Assert.That(Directory.GetFiles(_dir, ".*"), Is.Empty, "the temporary file is gone");
    }

    [Test]
    public void Success_ReplacesTheOutputAtomically_KeepingItsModeAndSymlink()
    {
        File.WriteAllBytes(PathOf("real.pcap"), [1, 2, 3]);
        File.SetUnixFileMode(PathOf("real.pcap"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.CreateSymbolicLink(PathOf("out.pcap"), PathOf("real.pcap"));
        var run = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(new FileInfo(PathOf("out.pcap")).LinkTarget, Is.EqualTo(PathOf("real.pcap")), "the link still points where it did");
        Assert.That(ToolEndToEndTests.ReadCapture(PathOf("real.pcap")), Has.Count.EqualTo(8));
        Assert.That(File.GetUnixFileMode(PathOf("real.pcap")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
        Assert.That(Directory.GetFiles(_dir, ".*"), Is.Empty);
    }

    [Test]
    public void OutputInAMissingDirectory_IsOneLineNamingThePathGiven()
    {
        var run = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("nodir/out.pcap"));
        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.Error, Is.EqualTo($"ipsec-packets: {PathOf("nodir/out.pcap")}: no such directory\n"));
    }

    [Test]
    public void OutputToDevNull_IsWrittenInPlace()
    {
        var run = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), "/dev/null");
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Error, Does.Contain("8 protected"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void WiresharkExport_IsCreated0600(bool replacingAReadableFile)
    {
        if (replacingAReadableFile)
        {
            File.WriteAllText(PathOf("esp_sa"), "old");
            File.SetUnixFileMode(PathOf("esp_sa"), (UnixFileMode)0b110_100_100);
        }

        var run = ToolRunner.Run("inspect", "--sa", PathOf("sa.txt"), "--export-wireshark", PathOf("esp_sa"), PathOf("plain.pcap"));
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(File.GetUnixFileMode(PathOf("esp_sa")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.ReadAllText(PathOf("esp_sa")), Does.Contain("\"0x0000c0de\""));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);
}
