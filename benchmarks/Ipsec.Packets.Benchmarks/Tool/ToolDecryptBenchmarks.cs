using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Ipsec.Packets.Tool;
using Ipsec.Packets.Tool.Captures;
using Ipsec.Packets.Tool.Commands;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace Ipsec.Packets.Benchmarks.Tool;

/// <summary>
/// The ipsec-packets tool's decrypt path on an in-memory pcap of <see cref="PacketCount"/> ESP packets (AES-GCM-128, tunnel
/// mode, one SA, replay window on): capture reading, link layer, SA selection, unprotect and pcap writing (to a null
/// stream, so no disk). Each invocation builds the tool's SAs afresh, as a run of the tool does, and decrypts the whole
/// capture; the table reads per packet, so 1 / Mean is the tool's packets per second.
/// </summary>
[MemoryDiagnoser]
public class ToolDecryptBenchmarks
{
    public const int PacketCount = 10_000;

    private byte[] _capture = null!;
    private List<SaDefinition> _sas = null!;

    [Params(64, 1400)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        EspSuite suite = EspSuite.AesGcm128;
        _sas =
        [
            new SaDefinition
            {
                File = "benchmark",
                Location = "1",
                Source = IPAddress.Parse("192.0.2.1"),
                Destination = IPAddress.Parse("198.51.100.1"),
                Protocol = SaDefinition.EspProtocol,
                Spi = 0x1000,
                Mode = IpsecMode.Tunnel,
                ReplayWindowSize = 4096,
                Encryption = suite.Encryption,
                EncryptionKey = suite.EncryptionKey,
            },
        ];

        using var testbed = new EspTestbed(IpsecMode.Tunnel);
        using EspProcessor sender = testbed.CreateSender(suite.Options(0x1000, 0));
        byte[] plain = testbed.PlainPacket(PayloadSize);
        using var capture = new MemoryStream();
        using (var writer = new PcapWriter(capture, nanoseconds: false))
        {
            for (int i = 0; i < PacketCount; i++)
            {
                writer.Write(1_700_000_000 + (i / 1000), (uint)(i % 1000) * 1000, EspTestbed.Protect(sender, plain));
            }
        }

        _capture = capture.ToArray();
        long written = Decrypt(out long failures);
        if (written != PacketCount || failures != 0)
        {
            throw new InvalidOperationException($"the tool decrypted {written} of {PacketCount} packets with {failures} failures");
        }
    }

    [Benchmark(OperationsPerInvoke = PacketCount, Description = "tool decrypt, per packet")]
    public long Decrypt() => Decrypt(out _);

    private long Decrypt(out long failures)
    {
        using var writer = new PcapWriter(Stream.Null, nanoseconds: false);
        using var decrypt = new DecryptCommand(_sas, writer, passThrough: false, new Progress(TextWriter.Null));
        using var input = new MemoryStream(_capture, writable: false);
        CaptureReader.ReadAsync(input, "benchmark.pcap", decrypt).GetAwaiter().GetResult();
        failures = decrypt.Failures;
        return writer.Count;
    }
}
