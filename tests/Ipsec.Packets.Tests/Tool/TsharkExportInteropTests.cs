using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tests.Interop;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>
/// --export-wireshark checked by Wireshark itself: tshark, given only the exported esp_sa file as its configuration,
/// decrypts the capture the tool encrypted and shows the inner UDP ports.
/// </summary>
[TestFixture]
public class TsharkExportInteropTests
{
    [TestCase("\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n")]
    [TestCase("\tauth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 128\n\tenc cbc(aes) 0x000102030405060708090a0b0c0d0e0f\n")]
    [TestCase("\tauth-trunc hmac(sha1) 0x000102030405060708090a0b0c0d0e0f10111213 96\n\tenc rfc3686(ctr(aes)) 0x000102030405060708090a0b0c0d0e0f10111213\n")]
    public void TsharkDecryptsWithTheExportedSas(string algorithms)
    {
        TsharkRunner.RequireTshark();
        string dir = ToolRunner.TempDirectory();
        try
        {
            string sa = Path.Combine(dir, "sa.txt");
            File.WriteAllText(sa, "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x0000c0de reqid 1 mode tunnel\n" + algorithms);
            var frames = new List<CaptureBuilder.Frame>();
            for (int i = 0; i < 5; i++)
            {
                frames.Add(new(1_700_000_000 + i, 0, CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", (ushort)(2000 + i), 7777, new byte[i * 10])));
            }

            File.WriteAllBytes(Path.Combine(dir, "plain.pcap"), CaptureBuilder.Pcap(frames, 101));
            string config = Path.Combine(dir, "wireshark");
            Directory.CreateDirectory(config);
            var run = ToolRunner.Run("encrypt", "--sa", sa, "--export-wireshark", Path.Combine(config, "esp_sa"), Path.Combine(dir, "plain.pcap"), Path.Combine(dir, "enc.pcap"));
            Assert.That(run.ExitCode, Is.Zero, run.Error);

            (int code, string output, string error) = TsharkRunner.Run(config,
                ["-n", "-r", Path.Combine(dir, "enc.pcap"), "-o", "esp.enable_encryption_decode:TRUE", "-T", "fields", "-e", "udp.srcport"]);
            Assert.That(code, Is.Zero, error);
            Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "2000", "2001", "2002", "2003", "2004" }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
