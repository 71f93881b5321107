using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Ipsec.Packets.Tests.Interop;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// AH interoperability with Scapy 2.5 (an independent implementation), both directions, for every integrity algorithm
/// Scapy's AH offers, in transport mode (IPv4 with options, IPv6 with hop-by-hop and destination options, IPv6 with a
/// type 0 routing header) and tunnel mode (4in4, 6in6, 4in6, 6in4). Packets are compared byte for byte.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ScapyAhInteropTests
{
    private const int PacketsPerDirection = 6;


    private static readonly (IntegrityAlgorithm Algorithm, string ScapyName)[] Algorithms =
    [
        (IntegrityAlgorithm.HmacSha1_96, "HMAC-SHA1-96"),
        (IntegrityAlgorithm.HmacSha2_256_128, "SHA2-256-128"),
        (IntegrityAlgorithm.HmacSha2_384_192, "SHA2-384-192"),
        (IntegrityAlgorithm.HmacSha2_512_256, "SHA2-512-256"),
        (IntegrityAlgorithm.HmacMd5_96, "HMAC-MD5-96"),
        (IntegrityAlgorithm.AesCmac96, "AES-CMAC-96"),
    ];

    private static readonly string[] Shapes = ["v4-options", "v6-extensions", "v6-routing", "4in4", "6in6", "4in6", "6in4"];

    private readonly List<Job> _jobs = new();
    private JsonArray? _results;

    private sealed record Job(string Name, AhPair Pair, List<byte[]> Plain, List<byte[]> Ours);

    public static IEnumerable<TestCaseData> Cases()
    {
        int index = 0;
        foreach ((IntegrityAlgorithm algorithm, _) in Algorithms)
        {
            foreach (string shape in Shapes)
            {
                yield return new TestCaseData(index++).SetArgDisplayNames(algorithm.Name, shape);
            }
        }
    }

    private static byte[] Plain(string shape, int i) => shape switch
    {
        "v4-options" or "4in4" or "4in6" => AhTestPackets.IPv4([.. AhTestPackets.RecordRoute, .. AhTestPackets.RouterAlert], payloadLength: i * 37, seed: i),
        "v6-extensions" or "6in6" or "6in4" => AhTestPackets.IPv6(
            [(0, AhTestPackets.OptionsHeader(0x3E)), (60, AhTestPackets.OptionsHeader(0x1E, 0x22))], payloadLength: i * 41, seed: i),
        _ => AhTestPackets.IPv6(
            [(43, AhTestPackets.RoutingHeader(0, 2, AhTestPackets.Address("2001:db8:2::2"), AhTestPackets.Destination6))],
            payloadLength: i * 29, destination: AhTestPackets.Address("2001:db8:1::1"), seed: i),
    };

    /// <summary>Routes a type 0 packet to its final destination (RFC 8200 §4.4), as the network would before the receiver checks it.</summary>
    private static void RouteToTheEnd(byte[] packet)
    {
        while (packet[40 + 3] > 0)
        {
            int n = packet[40 + 1] / 2;
            int index = n - packet[40 + 3];
            byte[] address = packet.AsSpan(48 + (16 * index), 16).ToArray();
            packet.AsSpan(24, 16).CopyTo(packet.AsSpan(48 + (16 * index), 16));
            address.CopyTo(packet, 24);
            packet[40 + 3]--;
            packet[7]--;
        }
    }

    [OneTimeSetUp]
    public void RunScapy()
    {
        PythonRunner.RequireScapy();
        var jobs = new JsonArray();
        int seed = 40;
        foreach ((IntegrityAlgorithm algorithm, string scapyName) in Algorithms)
        {
            foreach (string shape in Shapes)
            {
                bool tunnel = shape is "4in4" or "6in6" or "4in6" or "6in4";
                bool outerIPv6 = shape is "6in6" or "4in6";
                var pair = new AhPair(algorithm, tunnel ? IpsecMode.Tunnel : IpsecMode.Transport, outerIPv6, seed: seed++);
                var plain = new List<byte[]>();
                var ours = new List<byte[]>();
                var encrypt = new JsonArray();
                var decrypt = new JsonArray();
                for (int i = 0; i < PacketsPerDirection; i++)
                {
                    byte[] packet = Plain(shape, i);
                    plain.Add(packet);
                    byte[] protectedPacket = pair.Protect(packet);
                    if (shape == "v6-routing")
                    {
                        RouteToTheEnd(protectedPacket);
                    }

                    ours.Add(protectedPacket);
                    encrypt.Add(new JsonObject { ["packet"] = Convert.ToHexString(packet), ["seq"] = i + 1 });
                    decrypt.Add(new JsonObject { ["packet"] = Convert.ToHexString(protectedPacket) });
                }

                jobs.Add(new JsonObject
                {
                    ["sa"] = new JsonObject
                    {
                        ["spi"] = pair.Sender.Spi,
                        ["auth_algo"] = scapyName,
                        ["auth_key"] = Convert.ToHexString(pair.Key),
                        ["tunnel"] = tunnel ? (outerIPv6 ? 6 : 4) : 0,
                        ["src"] = outerIPv6 ? "2001:db8:ffff::1" : "203.0.113.1",
                        ["dst"] = outerIPv6 ? "2001:db8:ffff::2" : "203.0.113.2",
                    },
                    ["encrypt"] = encrypt,
                    ["decrypt"] = decrypt,
                });
                _jobs.Add(new Job(algorithm.Name + " " + shape, pair, plain, ours));
            }
        }

        (int code, string output, string error) = PythonRunner.Run(PythonRunner.ScriptPath("scapy_ah.py"), jobs.ToJsonString());
        Assert.That(code, Is.Zero, error);
        _results = JsonNode.Parse(output)!.AsArray();
    }

    [OneTimeTearDown]
    public void DisposeSas()
    {
        foreach (Job job in _jobs)
        {
            job.Pair.Dispose();
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void ScapyVerifiesOurPackets(int index)
    {
        Job job = _jobs[index];
        JsonArray decrypted = _results![index]!["decrypted"]!.AsArray();
        for (int i = 0; i < job.Plain.Count; i++)
        {
            string hex = decrypted[i]!.GetValue<string>();
            Assert.That(hex, Does.Not.StartWith("error"), $"packet {i}: {hex}");
            byte[] expected = job.Plain[i];
            if (job.Name.EndsWith("v6-routing", StringComparison.Ordinal))
            {
                // Scapy returns the packet as routed: compare what routing leaves alone.
                expected = (byte[])expected.Clone();
                byte[] routed = Convert.FromHexString(hex);
                routed.AsSpan(0, 8).CopyTo(expected);
                routed.AsSpan(24, 16).CopyTo(expected.AsSpan(24));
                routed.AsSpan(40, 40).CopyTo(expected.AsSpan(40));
            }

            Assert.That(Convert.FromHexString(hex), Is.EqualTo(expected), $"packet {i}");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void WeUnprotectScapysPackets(int index)
    {
        Job job = _jobs[index];
        JsonArray encrypted = _results![index]!["encrypted"]!.AsArray();
        for (int i = encrypted.Count - 1; i >= 0; i--)
        {
            byte[] packet = Convert.FromHexString(encrypted[i]!.GetValue<string>());
            (IpsecStatus status, byte[] result) = job.Pair.Unprotect(packet);
            Assert.That(status, Is.EqualTo(IpsecStatus.Success), $"packet {i}");
            Assert.That(result, Is.EqualTo(job.Plain[i]), $"packet {i}");
        }

        Assert.That(job.Pair.Receiver.HighestInboundSequenceNumber, Is.EqualTo((ulong)PacketsPerDirection));
    }
}
