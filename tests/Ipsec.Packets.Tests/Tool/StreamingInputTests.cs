using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Ipsec.Packets.Tests.Adversarial;
using Ipsec.Packets.Tool.Captures;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>
/// The input is read exactly once (issue 18, point 5): a named pipe fed by a writer, process substitution (/dev/fd/N), and
/// '-' for standard input and output through the built tool as a child process.
/// </summary>
[TestFixture]
public class StreamingInputTests
{
    private const string Sa =
        "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x0000c0de reqid 1 mode tunnel\n\treplay-window 32\n" +
        "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n";

    private string _dir = "";
    private List<CaptureBuilder.Frame> _frames = [];

    [SetUp]
    public void SetUp()
    {
        _dir = ToolRunner.TempDirectory();
        _frames = [];
        for (int i = 0; i < 20; i++)
        {
            _frames.Add(new(1_700_000_000 + i, (uint)i * 1000, CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, SamplePackets.Random(60 + i, i))));
        }

        // Nanosecond timestamps: the output must follow them without a second look at the input.
        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(_frames, 101, nanoseconds: true));
        File.WriteAllText(PathOf("sa.txt"), Sa);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private void AssertDecryptedMatches(byte[] capture)
    {
        File.WriteAllBytes(PathOf("check.pcap"), capture);
        List<(CaptureRecord Record, byte[] Bytes)> records = ToolEndToEndTests.ReadCapture(PathOf("check.pcap"));
        Assert.That(records, Has.Count.EqualTo(_frames.Count));
        for (int i = 0; i < records.Count; i++)
        {
            Assert.That(records[i].Bytes, Is.EqualTo(_frames[i].Bytes));
            Assert.That(records[i].Record.Nanoseconds, Is.EqualTo(_frames[i].Nanoseconds), "nanosecond resolution kept");
        }
    }

    [Test]
    public void NamedPipe_FedByAWriterThread_IsReadOnce()
    {
        Assert.That(ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("enc.pcap")).ExitCode, Is.Zero);
        string fifo = PathOf("capture.fifo");
        using (Process mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.That(mkfifo.ExitCode, Is.Zero, "mkfifo");
        }

        byte[] encrypted = File.ReadAllBytes(PathOf("enc.pcap"));
        int opened = 0;
        var writer = new Thread(() =>
        {
            // Opening blocks until the tool opens the pipe for reading; a second open by the tool would block forever.
            using FileStream pipe = new(fifo, FileMode.Open, FileAccess.Write);
            Interlocked.Increment(ref opened);
            for (int offset = 0; offset < encrypted.Length; offset += 100)
            {
                pipe.Write(encrypted, offset, Math.Min(100, encrypted.Length - offset));
                pipe.Flush();
            }
        }) { IsBackground = true };
        writer.Start();
        var run = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), fifo, PathOf("dec.pcap"));
        Assert.That(writer.Join(TimeSpan.FromMinutes(1)), Is.True, "the writer finished");
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(opened, Is.EqualTo(1));
        AssertDecryptedMatches(File.ReadAllBytes(PathOf("dec.pcap")));
    }

    [Test]
    public void Dash_IsStandardInputAndOutput_OfTheBuiltTool()
    {
        (int code, byte[] encrypted, string error) = ToolRunner.RunProcess($"encrypt --sa \"{PathOf("sa.txt")}\" - -", File.ReadAllBytes(PathOf("plain.pcap")));
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("20 protected"));
        Assert.That(error, Does.Not.Contain("\r"), "no progress line when stderr is redirected");
        (code, byte[] decrypted, error) = ToolRunner.RunProcess($"decrypt --strict --sa \"{PathOf("sa.txt")}\" - -", encrypted);
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain(": 20 decrypted\n").And.Not.Contain("\r").And.Not.Contain("packets/s"));
        AssertDecryptedMatches(decrypted);
    }

    [Test]
    public void ProcessSubstitution_DevFd_IsReadOnce()
    {
        (int code, byte[] _, string error) = ToolRunner.RunProcess(string.Empty, shell:
            $"TOOL encrypt --sa '{PathOf("sa.txt")}' <(cat '{PathOf("plain.pcap")}') '{PathOf("enc.pcap")}'");
        Assert.That(code, Is.Zero, error);
        (code, _, error) = ToolRunner.RunProcess(string.Empty, shell:
            $"set -o pipefail; TOOL decrypt --strict --sa '{PathOf("sa.txt")}' <(cat '{PathOf("enc.pcap")}') /dev/stdout | cat > '{PathOf("dec.pcap")}'");
        Assert.That(code, Is.Zero, error);
        AssertDecryptedMatches(File.ReadAllBytes(PathOf("dec.pcap")));
    }
}
