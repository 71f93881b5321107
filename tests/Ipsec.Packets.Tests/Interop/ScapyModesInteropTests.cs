using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using Ipsec.Packets.Tests.Esp;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop;

/// <summary>
/// Whole-packet ESP interoperability with Scapy 2.5: transport mode over IPv4 and IPv6 (with a destination options
/// header), tunnel mode in all four address-family combinations, and NAT-T, each with an AEAD and a CBC+HMAC SA.
/// Our packets decrypted by Scapy and Scapy's unprotected by <see cref="EspProcessor"/>, compared byte for byte.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ScapyModesInteropTests
{
    private const int Packets = 8;
    private readonly List<Scenario> _scenarios = new();
    private JsonArray? _results;

    public sealed record Scenario(string Name, EspConfiguration Config, string Crypt, string? Auth, IpsecMode Mode, string? Outer, bool InnerV6, bool NatT)
    {
        public override string ToString() => Name;
    }

    private static IEnumerable<Scenario> Scenarios()
    {
        var algorithms = new (EspConfiguration Config, string Crypt, string? Auth)[]
        {
            (new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null), "AES-GCM", null),
            (new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha2_256_128), "AES-CBC", "SHA2-256-128"),
        };
        foreach ((EspConfiguration config, string crypt, string? auth) in algorithms)
        {
            string a = config.Encryption.Name;
            yield return new Scenario($"transport v4 {a}", config, crypt, auth, IpsecMode.Transport, null, false, false);
            yield return new Scenario($"transport v6+dstopts {a}", config, crypt, auth, IpsecMode.Transport, null, true, false);
            yield return new Scenario($"transport v4 NAT-T {a}", config, crypt, auth, IpsecMode.Transport, null, false, true);
            yield return new Scenario($"tunnel 4in4 {a}", config, crypt, auth, IpsecMode.Tunnel, "v4", false, false);
            yield return new Scenario($"tunnel 6in4 {a}", config, crypt, auth, IpsecMode.Tunnel, "v4", true, false);
            yield return new Scenario($"tunnel 4in6 {a}", config, crypt, auth, IpsecMode.Tunnel, "v6", false, false);
            yield return new Scenario($"tunnel 6in6 {a}", config, crypt, auth, IpsecMode.Tunnel, "v6", true, false);
            yield return new Scenario($"tunnel 4in4 NAT-T {a}", config, crypt, auth, IpsecMode.Tunnel, "v4", false, true);
            yield return new Scenario($"tunnel 6in6 NAT-T {a}", config, crypt, auth, IpsecMode.Tunnel, "v6", true, true);
        }
    }

    public static IEnumerable<TestCaseData> Cases() => Scenarios().Select((s, i) => new TestCaseData(i).SetArgDisplayNames(s.Name));

    private static EspProcessorOptions Options(Scenario s) => new()
    {
        Mode = s.Mode,
        TunnelSource = s.Outer == "v6" ? IPAddress.Parse("2001:db8:ffff::1") : s.Outer == "v4" ? IPAddress.Parse("192.0.2.1") : null,
        TunnelDestination = s.Outer == "v6" ? IPAddress.Parse("2001:db8:ffff::2") : s.Outer == "v4" ? IPAddress.Parse("198.51.100.2") : null,
        UdpEncapsulation = s.NatT,
    };

    /// <summary>IPv6 / destination options (PadN) / UDP, built by hand.</summary>
    internal static byte[] IPv6Packet(Random random, int payloadLength)
    {
        var packet = new byte[40 + 8 + 8 + payloadLength];
        BinaryPrimitives.WriteUInt32BigEndian(packet, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[6] = 60;
        packet[7] = 64;
        IPAddress.Parse("2001:db8:1::10").GetAddressBytes().CopyTo(packet, 8);
        IPAddress.Parse("2001:db8:2::20").GetAddressBytes().CopyTo(packet, 24);
        packet[40] = 17;           // destination options: next header UDP, length 0 (8 bytes)
        packet[42] = 1;            // PadN
        packet[43] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(48), (ushort)random.Next(1024, 65535));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(50), 53);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(52), (ushort)(8 + payloadLength));
        random.NextBytes(packet.AsSpan(56));
        var pseudo = new byte[40 + 8 + payloadLength];
        packet.AsSpan(8, 32).CopyTo(pseudo);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)(8 + payloadLength));
        pseudo[39] = 17;
        packet.AsSpan(48).CopyTo(pseudo.AsSpan(40));
        ushort sum = ScapyEspInteropTests.Checksum(pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(54), sum == 0 ? (ushort)0xFFFF : sum);
        return packet;
    }

    [OneTimeSetUp]
    public void RunScapy()
    {
        PythonRunner.RequireScapy();
        var jobs = new JsonArray();
        int index = 0;
        foreach (Scenario s in Scenarios())
        {
            var random = new Random(++index);
            uint spi = 0x7000_0000u + (uint)index;
            var sender = new EspProcessor(s.Config.Create(spi: spi), Options(s));
            var encrypt = new JsonArray();
            var decrypt = new JsonArray();
            for (int i = 0; i < Packets; i++)
            {
                byte[] packet = s.InnerV6 ? IPv6Packet(random, i * 97 % 1200) : ScapyEspInteropTests.InnerPacket(random, i * 97 % 1200);
                int headroom = sender.MaximumHeadroom;
                var buffer = new byte[headroom + packet.Length + sender.MaximumTailroom];
                packet.CopyTo(buffer, headroom);
                Assert.That(sender.Protect(buffer, headroom, packet.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
                decrypt.Add(new JsonObject { ["packet"] = Convert.ToHexString(buffer, sent.Offset, sent.Length), ["seq"] = i + 1, ["expect"] = Convert.ToHexString(packet) });
                encrypt.Add(new JsonObject { ["packet"] = Convert.ToHexString(packet), ["seq"] = i + 1 });
            }

            EspProcessorOptions options = Options(s);
            jobs.Add(new JsonObject
            {
                ["sa"] = new JsonObject
                {
                    ["spi"] = spi,
                    ["mode"] = s.Mode == IpsecMode.Tunnel ? "tunnel" : "transport",
                    ["crypt_algo"] = s.Crypt,
                    ["crypt_key"] = Convert.ToHexString(s.Config.EncryptionKey()),
                    ["crypt_icv_size"] = s.Config.Encryption.IsAead ? s.Config.Encryption.IcvSize : null,
                    ["auth_algo"] = s.Auth,
                    ["auth_key"] = Convert.ToHexString(s.Config.IntegrityKey()),
                    ["tunnel_src"] = options.TunnelSource?.ToString(),
                    ["tunnel_dst"] = options.TunnelDestination?.ToString(),
                    ["nat_t"] = s.NatT ? new JsonArray(4500, 4500) : null,
                },
                ["encrypt"] = encrypt,
                ["decrypt"] = decrypt,
            });
            _scenarios.Add(s);
        }

        (int code, string output, string error) = PythonRunner.Run(PythonRunner.ScriptPath("scapy_esp.py"), jobs.ToJsonString());
        Assert.That(code, Is.Zero, error);
        _results = JsonNode.Parse(output)!.AsArray();
        _jobs = jobs;
    }

    private JsonArray? _jobs;

    [TestCaseSource(nameof(Cases))]
    public void ScapyDecryptsOurPacketsToTheOriginal(int index)
    {
        JsonArray decrypted = _results![index]!["decrypted"]!.AsArray();
        JsonArray sent = _jobs![index]!["decrypt"]!.AsArray();
        for (int i = 0; i < Packets; i++)
        {
            string hex = decrypted[i]!.GetValue<string>();
            Assert.That(hex, Does.Not.StartWith("error"), $"packet {i}: {hex}");
            Assert.That(hex, Is.EqualTo(sent[i]!["expect"]!.GetValue<string>()).IgnoreCase, $"packet {i}");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void WeUnprotectScapysPacketsToTheOriginal(int index)
    {
        Scenario s = _scenarios[index];
        var receiver = new EspProcessor(s.Config.Create(spi: 0x7000_0000u + (uint)(index + 1)), Options(s));
        JsonArray encrypted = _results![index]!["encrypted"]!.AsArray();
        JsonArray originals = _jobs![index]!["encrypt"]!.AsArray();
        for (int i = 0; i < Packets; i++)
        {
            byte[] packet = Convert.FromHexString(encrypted[i]!.GetValue<string>());
            IpsecStatus status = receiver.Unprotect(packet, 0, packet.Length, out EspProcessResult got);
            Assert.That(status, Is.EqualTo(IpsecStatus.Success), $"packet {i}");
            Assert.That(Convert.ToHexString(packet, got.Offset, got.Length), Is.EqualTo(originals[i]!["packet"]!.GetValue<string>()), $"packet {i}");
        }
    }
}
