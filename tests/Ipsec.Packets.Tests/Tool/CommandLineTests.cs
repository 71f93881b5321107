using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tool;
using Ipsec.Packets.Tool.Commands;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>
/// The System.CommandLine front end (issue 18, point 9): per-command help that explains every option, --version, one-line
/// errors with suggestions and exit code 2, shell completion through [suggest], and progress only on a terminal.
/// </summary>
[TestFixture]
public class CommandLineTests
{
    [TestCase("decrypt", new[] { "--sa <SAFILE>", "--strict", "--pass-through", "--export-wireshark <PATH>", "<INPUT>", "<OUTPUT>", "'-' for standard input", "0600", "Exit with 1 when any packet" })]
    [TestCase("encrypt", new[] { "--sa <SAFILE>", "--spi <HEX>", "--export-wireshark <PATH>", "'-' for standard output", "more than one" })]
    [TestCase("inspect", new[] { "--sa <SAFILE>", "--export-wireshark <PATH>", "<INPUT>", "reassembled" })]
    public void CommandHelp_ExplainsEveryOption(string command, string[] expected)
    {
        foreach (string help in new[] { "--help", "-h" })
        {
            var run = ToolRunner.Run(command, help);
            Assert.That(run.ExitCode, Is.Zero);
            Assert.That(run.Error, Is.Empty);
            foreach (string text in expected)
            {
                Assert.That(run.Output, Does.Contain(text), $"{command} {help}");
            }
        }
    }

    [Test]
    public void RootHelp_ListsCommandsAndConventions()
    {
        var run = ToolRunner.Run("--help");
        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(run.Output, Does.Contain("decrypt <INPUT> <OUTPUT>").And.Contain("encrypt <INPUT> <OUTPUT>").And.Contain("inspect <INPUT>"));
        Assert.That(run.Output, Does.Contain("temporary file").And.Contain("exit codes: 0 success, 1 failure, 2 usage"));
    }

    [Test]
    public void Version_PrintsThePackageVersion()
    {
        // The version is the entry assembly's, so this runs the built tool (in-process it would be the test host's).
        (int code, byte[] output, string error) = ToolRunner.RunProcess("--version");
        Assert.That(code, Is.Zero, error);
        Assert.That(System.Text.Encoding.UTF8.GetString(output), Does.StartWith(typeof(ToolMain).Assembly.GetName().Version!.ToString(3)));
    }

    [TestCase("dec", "decrypt")]
    [TestCase("decrypt --pa", "--pass-through")]
    [TestCase("encrypt --s", "--spi")]
    public void SuggestDirective_CompletesCommandsAndOptions(string line, string expected)
    {
        var run = ToolRunner.Run($"[suggest:{line.Length}]", line);
        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(run.Output.Split('\n'), Does.Contain(expected));
    }

    [Test]
    public void Progress_DrawsPacketsBytesAndRate_OnATerminalOnly()
    {
        var terminal = new StringWriter();
        var progress = new Progress(terminal, isTerminal: true, TimeSpan.Zero);
        progress.Report(10_000, 5 * 1048576);
        progress.Done();
        Assert.That(terminal.ToString(), Does.StartWith("\r10,000 packets, 5.0 MiB, ").And.Contain(" packets/s").And.EndWith("\r\x1b[K"));

        var redirected = new StringWriter();
        var silent = new Progress(redirected, isTerminal: false, TimeSpan.Zero);
        silent.Report(10_000, 5 * 1048576);
        silent.Done();
        Assert.That(redirected.ToString(), Is.Empty);
        Assert.That(new Progress(Console.Error).IsEnabled, Is.EqualTo(!Console.IsErrorRedirected), "the console's stderr decides");
    }

    [Test]
    public void Progress_IsAbsentFromARedirectedStderrOfALongRun()
    {
        string dir = ToolRunner.TempDirectory();
        try
        {
            var frames = new List<CaptureBuilder.Frame>();
            byte[] ip = CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, new byte[16]);
            for (int i = 0; i < 50_000; i++)
            {
                frames.Add(new(1_700_000_000, 0, ip));
            }

            File.WriteAllBytes(Path.Combine(dir, "plain.pcap"), CaptureBuilder.Pcap(frames, 101));
            (int code, byte[] _, string error) = ToolRunner.RunProcess($"inspect \"{Path.Combine(dir, "plain.pcap")}\"");
            Assert.That(code, Is.Zero, error);
            Assert.That(error, Is.Empty, "stderr redirected: no progress line");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ErrorsAreOneLine_AndKeepUserTextFromTheTerminal()
    {
        var run = ToolRunner.Run("inspect", "evil\x1b]0;owned\x07.pcap");
        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.Error, Is.EqualTo("ipsec-packets: evil\\x1b]0;owned\\x07.pcap: no such file\n"));
        Assert.That(ToolCommandLine.Create((_, _) => System.Threading.Tasks.Task.FromResult(0)).Subcommands, Has.Count.EqualTo(3));
    }
}
