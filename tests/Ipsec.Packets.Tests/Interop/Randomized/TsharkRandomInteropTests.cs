using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tests.Tool;
using Ipsec.Packets.Tool;
using Ipsec.Packets.Tool.SecurityAssociations;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>
/// Randomised ESP interoperability with tshark 4.0 (Wireshark's ESP dissector, an independent implementation): per seed,
/// every suite tshark decrypts in every mode and address-family combination, with random keys, SPIs, sequence numbers,
/// NAT-T and packet sizes. Our packets go into one capture, their SAs into an <c>esp_sa</c> file written by the tool's
/// <c>--export-wireshark</c> code, and one tshark process decrypts them all: the payload it finds inside ESP must be the
/// inner packet (tunnel mode) or what followed the IP headers (transport mode) byte for byte, and the ICV it checks good.
/// </summary>
[TestFixture]
[NonParallelizable]
public class TsharkRandomInteropTests
{
    private const int MinimumSas = 100;

    /// <summary>Set to 1 to keep the capture and the esp_sa file of each seed for a look with Wireshark.</summary>
    private const string KeepVariable = "IPSEC_INTEROP_KEEP";

    /// <summary>
    /// LINKTYPE_LINUX_SLL: its protocol field says IPv4 or IPv6. Not raw IP (101), where tshark 4.0 takes a packet whose
    /// second and third bytes are FF 03 (a TOS of 255 and a length of 768 to 1023) for PPP in HDLC framing.
    /// </summary>
    private const int LinuxCooked = 113;

    [OneTimeSetUp]
    public void RequireTshark() => TsharkRunner.RequireTshark();

    [TestCaseSource(typeof(InteropSeed), nameof(InteropSeed.Cases))]
    public void TsharkDecryptsOurPacketsToTheInnerPacket(string seedName)
    {
        int seed = InteropSeed.Resolve(seedName);
        string context = InteropSeed.Describe(seed);
        List<InteropSa> sas = InteropSaGenerator.Generate(seed, InteropSuite.Tshark);
        var frames = new List<CaptureBuilder.Frame>();
        var expected = new List<(InteropSa Sa, int Packet)>();
        var definitions = new List<SaDefinition>();
        var failures = new List<string>();
        foreach (InteropSa sa in sas)
        {
            using EspProcessor sender = sa.CreateProcessor(sender: true);
            for (int i = 0; i < sa.Packets.Count; i++)
            {
                byte[] inner = sa.Packets[i].Bytes;
                var buffer = new byte[sender.MaximumHeadroom + inner.Length + sender.MaximumTailroom];
                inner.CopyTo(buffer, sender.MaximumHeadroom);
                IpsecStatus status = sender.Protect(buffer, sender.MaximumHeadroom, inner.Length, out EspProcessResult result);
                if (status != IpsecStatus.Success)
                {
                    failures.Add($"{sa}, packet {i}: we failed to protect it: {status}");
                    continue;
                }

                byte[] ip = buffer.AsSpan(result.Offset, result.Length).ToArray();
                frames.Add(new CaptureBuilder.Frame(1_700_000_000 + frames.Count, 0, CaptureBuilder.Link(LinuxCooked, ip)));
                expected.Add((sa, i));
            }

            definitions.Add(new SaDefinition
            {
                File = "random",
                Location = sa.Index.ToString(),
                Source = sa.Source,
                Destination = sa.Destination,
                Protocol = SaDefinition.EspProtocol,
                Spi = sa.Spi,
                Mode = sa.Mode,
                ExtendedSequenceNumbers = sa.Esn,
                Encryption = sa.Suite.Encryption,
                EncryptionKey = sa.EncryptionKey,
                Integrity = sa.Suite.Integrity,
                IntegrityKey = sa.IntegrityKey,
            });
        }

        string dir = ToolRunner.TempDirectory();
        try
        {
            string capture = Path.Combine(dir, "esp.pcap");
            File.WriteAllBytes(capture, CaptureBuilder.Pcap(frames, LinuxCooked));
            using var exportErrors = new StringWriter();
            Assert.That(WiresharkExport.Write(Path.Combine(dir, "esp_sa"), definitions, exportErrors), Is.EqualTo(sas.Count), $"{context}: {exportErrors}");
            var arguments = new List<string>
            {
                "-n", "-r", capture,
                "-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE",
                "-d", $"udp.port=={InteropPacket.UdpPort},data",
                "-T", "fields", "-E", "occurrence=f",
                "-e", "frame.number", "-e", "esp.spi", "-e", "esp.sequence", "-e", "esp.icv_good", "-e", "esp.contained_data",
            };

            // tshark picks a UDP dissector by the lower port first, so a NAT-mapped source port that names another
            // protocol (3389, say) would hide the ESP: tell it those ports carry UDP-encapsulated ESP.
            var natPorts = new HashSet<ushort>();
            foreach (InteropSa sa in sas)
            {
                if (sa.NatT && sa.NatSourcePort != Ipsec.Packets.Wire.UdpEncapsulation.Port && natPorts.Add(sa.NatSourcePort))
                {
                    arguments.AddRange(["-d", $"udp.port=={sa.NatSourcePort},udpencap"]);
                }
            }

            (int code, string output, string error) = TsharkRunner.Run(dir, arguments);
            Assert.That(code, Is.Zero, $"{context}: tshark failed: {error}");

            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int icvsChecked = 0;
            Assert.That(lines, Has.Length.EqualTo(frames.Count), context);
            for (int f = 0; f < lines.Length; f++)
            {
                (InteropSa sa, int i) = expected[f];
                string where = $"{sa}, packet {i} ({sa.Packets[i].Bytes.Length} bytes, seq 0x{sa.Sequence(i):x}), frame {f + 1}";
                string[] fields = lines[f].Split('\t');
                InteropPacket packet = sa.Packets[i];
                ReadOnlySpan<byte> want = sa.Mode == IpsecMode.Tunnel ? packet.Bytes : packet.Bytes.AsSpan(packet.TransportOffset);
                if (fields[1] != $"0x{sa.Spi:x8}")
                {
                    failures.Add($"{where}: tshark saw SPI '{fields[1]}'");
                }
                else if (fields[2] != ((uint)sa.Sequence(i)).ToString())
                {
                    failures.Add($"{where}: tshark saw sequence number '{fields[2]}'");
                }
                else if (!Convert.FromHexString(fields[4]).AsSpan().SequenceEqual(want))
                {
                    failures.Add($"{where}: tshark decrypted '{fields[4]}', expected {Convert.ToHexString(want)}");
                }
                else if (ChecksIcv(sa))
                {
                    icvsChecked++;
                    if (fields[3] != "1")
                    {
                        failures.Add($"{where}: tshark's ICV check says '{fields[3]}'");
                    }
                }
            }

            Assert.That(sas, Has.Count.GreaterThanOrEqualTo(MinimumSas), context);
            Assert.That(icvsChecked, Is.GreaterThan(frames.Count / 4), $"{context}: tshark checked too few ICVs");
            Assert.That(failures.Count, Is.Zero,
                $"{context}: {failures.Count} of {frames.Count} packets failed:\n{string.Join("\n", failures.GetRange(0, Math.Min(failures.Count, 20)))}");
        }
        finally
        {
            if (Environment.GetEnvironmentVariable(KeepVariable) == "1")
            {
                TestContext.Progress.WriteLine($"{context}: capture and esp_sa kept in {dir}");
            }
            else
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>
    /// Whether tshark 4.0 checks this SA's ICV: the AES-GCM tag and the HMACs, but not AES-XCBC or AES-CMAC, and never with
    /// ESN, which it does not implement (it leaves the high half out of the ICV and the GCM AAD, and so calls every such
    /// ICV incorrect while still decrypting).
    /// </summary>
    private static bool ChecksIcv(InteropSa sa) =>
        !sa.Esn && (sa.IsAead || (sa.Suite.Integrity is { } integrity && integrity != IntegrityAlgorithm.AesXcbc96 && integrity != IntegrityAlgorithm.AesCmac96));
}
