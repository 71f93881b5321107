using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>
/// Randomised ESP interoperability with Scapy 2.5: per seed, every suite both implement in every mode and address-family
/// combination (<see cref="InteropSaGenerator"/>), with random keys, SPIs, sequence numbers (ESN, the 32-bit wrap),
/// NAT-T and packet sizes. Our packets are decrypted by Scapy and Scapy's packets unprotected by us, each compared byte
/// for byte with the inner packet; one Scapy process per seed does both directions (scapy_esp.py, which also works around
/// Scapy's departures from the RFCs: see SCAPY-DEPARTURES.md).
/// </summary>
[TestFixture]
[NonParallelizable]
public class ScapyRandomInteropTests
{
    private const int MinimumSas = 100;
    private readonly Dictionary<int, Exchange> _exchanges = new();

    /// <summary>The SAs of a seed, what we sent (null where we failed to protect), and Scapy's answers.</summary>
    private sealed record Exchange(List<InteropSa> Sas, List<byte[]?[]> Ours, JsonArray Results);

    [OneTimeSetUp]
    public void RequireScapy() => PythonRunner.RequireScapy();

    [TestCaseSource(typeof(InteropSeed), nameof(InteropSeed.Cases))]
    public void ScapyDecryptsOurPacketsToTheInnerPacket(string seedName)
    {
        int seed = InteropSeed.Resolve(seedName);
        Exchange exchange = Run(seed);
        var failures = new List<string>();
        int compared = 0;
        for (int s = 0; s < exchange.Sas.Count; s++)
        {
            InteropSa sa = exchange.Sas[s];
            JsonArray decrypted = exchange.Results[s]!["decrypted"]!.AsArray();
            for (int i = 0; i < sa.Packets.Count; i++)
            {
                string where = $"{sa}, packet {i} ({sa.Packets[i].Bytes.Length} bytes, seq 0x{sa.Sequence(i):x})";
                if (exchange.Ours[s][i] is null)
                {
                    failures.Add($"{where}: we failed to protect it");
                    continue;
                }

                string hex = decrypted[i]!.GetValue<string>();
                if (hex.StartsWith("error", StringComparison.Ordinal))
                {
                    failures.Add($"{where}: Scapy {hex}");
                }
                else if (!Convert.FromHexString(hex).AsSpan().SequenceEqual(sa.Packets[i].Bytes))
                {
                    failures.Add($"{where}: Scapy decrypted {hex}, expected {Convert.ToHexString(sa.Packets[i].Bytes)}");
                }

                compared++;
            }
        }

        string context = InteropSeed.Describe(seed);
        Assert.That(exchange.Sas, Has.Count.GreaterThanOrEqualTo(MinimumSas), context);
        Assert.That(failures.Count, Is.Zero, $"{context}: {failures.Count} of {compared} packets failed:\n{string.Join("\n", Head(failures))}");
    }

    [TestCaseSource(typeof(InteropSeed), nameof(InteropSeed.Cases))]
    public void WeUnprotectScapysPacketsToTheInnerPacket(string seedName)
    {
        int seed = InteropSeed.Resolve(seedName);
        Exchange exchange = Run(seed);
        var order = new Random(seed);
        var failures = new List<string>();
        int compared = 0;
        for (int s = 0; s < exchange.Sas.Count; s++)
        {
            InteropSa sa = exchange.Sas[s];
            JsonArray encrypted = exchange.Results[s]!["encrypted"]!.AsArray();
            using EspProcessor receiver = sa.CreateProcessor(sender: false);
            int[] indices = new int[sa.Packets.Count];
            for (int i = 0; i < indices.Length; i++)
            {
                indices[i] = i;
            }

            order.Shuffle(indices); // the replay window takes them in any order, across the ESN wrap too
            foreach (int i in indices)
            {
                string where = $"{sa}, packet {i} ({sa.Packets[i].Bytes.Length} bytes, seq 0x{sa.Sequence(i):x})";
                byte[] packet = Convert.FromHexString(encrypted[i]!.GetValue<string>());
                IpsecStatus status = receiver.Unprotect(packet, 0, packet.Length, out EspProcessResult result);
                compared++;
                if (status != IpsecStatus.Success)
                {
                    failures.Add($"{where}: {status} for Scapy's {Convert.ToHexString(packet)}");
                }
                else if (result.SequenceNumber != sa.Sequence(i))
                {
                    failures.Add($"{where}: sequence number 0x{result.SequenceNumber:x}");
                }
                else if (!packet.AsSpan(result.Offset, result.Length).SequenceEqual(sa.Packets[i].Bytes))
                {
                    failures.Add($"{where}: got {Convert.ToHexString(packet, result.Offset, result.Length)}");
                }
            }
        }

        string context = InteropSeed.Describe(seed);
        Assert.That(exchange.Sas, Has.Count.GreaterThanOrEqualTo(MinimumSas), context);
        Assert.That(failures.Count, Is.Zero, $"{context}: {failures.Count} of {compared} packets failed:\n{string.Join("\n", Head(failures))}");
    }

    private static IEnumerable<string> Head(List<string> failures) => failures.GetRange(0, Math.Min(failures.Count, 20));

    /// <summary>Protects every packet of the seed's SAs and runs one Scapy process for both directions (once per seed).</summary>
    private Exchange Run(int seed)
    {
        if (_exchanges.TryGetValue(seed, out Exchange? cached))
        {
            return cached;
        }

        List<InteropSa> sas = InteropSaGenerator.Generate(seed, InteropSuite.Scapy);
        var ours = new List<byte[]?[]>();
        var jobs = new JsonArray();
        foreach (InteropSa sa in sas)
        {
            using EspProcessor sender = sa.CreateProcessor(sender: true);
            var sent = new byte[]?[sa.Packets.Count];
            var encrypt = new JsonArray();
            var decrypt = new JsonArray();
            for (int i = 0; i < sa.Packets.Count; i++)
            {
                byte[] inner = sa.Packets[i].Bytes;
                var buffer = new byte[sender.MaximumHeadroom + inner.Length + sender.MaximumTailroom];
                inner.CopyTo(buffer, sender.MaximumHeadroom);
                if (sender.Protect(buffer, sender.MaximumHeadroom, inner.Length, out EspProcessResult result) == IpsecStatus.Success)
                {
                    sent[i] = buffer.AsSpan(result.Offset, result.Length).ToArray();
                }

                decrypt.Add(new JsonObject { ["packet"] = Convert.ToHexString(sent[i] ?? []), ["seq"] = sa.Sequence(i) });
                encrypt.Add(new JsonObject { ["packet"] = Convert.ToHexString(inner), ["seq"] = sa.Sequence(i) });
            }

            ours.Add(sent);
            jobs.Add(new JsonObject
            {
                ["sa"] = new JsonObject
                {
                    ["spi"] = sa.Spi,
                    ["mode"] = sa.Mode == IpsecMode.Tunnel ? "tunnel" : "transport",
                    ["crypt_algo"] = sa.Suite.ScapyCrypt,
                    ["crypt_key"] = Convert.ToHexString(sa.EncryptionKey),
                    ["crypt_icv_size"] = sa.IsAead ? sa.Suite.Encryption.IcvSize : null,
                    ["auth_algo"] = sa.Suite.ScapyAuth,
                    ["auth_key"] = Convert.ToHexString(sa.IntegrityKey),
                    ["esn_en"] = sa.Esn,
                    ["esn_icv"] = sa.Esn && !sa.IsAead && sa.Suite.Integrity is not null,
                    ["tunnel_src"] = sa.Mode == IpsecMode.Tunnel ? sa.Source.ToString() : null,
                    ["tunnel_dst"] = sa.Mode == IpsecMode.Tunnel ? sa.Destination.ToString() : null,
                    ["nat_t"] = sa.NatT ? new JsonArray(sa.NatSourcePort, (int)Ipsec.Packets.Wire.UdpEncapsulation.Port) : null,
                },
                ["encrypt"] = encrypt,
                ["decrypt"] = decrypt,
            });
        }

        (int code, string output, string error) = PythonRunner.Run(PythonRunner.ScriptPath("scapy_esp.py"), jobs.ToJsonString());
        Assert.That(code, Is.Zero, $"{InteropSeed.Describe(seed)}: scapy_esp.py failed: {error}");
        var exchange = new Exchange(sas, ours, JsonNode.Parse(output)!.AsArray());
        _exchanges[seed] = exchange;
        return exchange;
    }
}
