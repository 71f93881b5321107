using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ipsec.Packets.Tests.Esp;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop;

/// <summary>
/// ESP interoperability with Scapy 2.5 (an independent implementation) in tunnel mode over IPv4: our packets decrypted by
/// Scapy and Scapy's packets unprotected by us, with the inner packets compared byte for byte, for every algorithm both
/// sides implement. The outer IPv4 header is built here by hand; whole-packet modes are tested elsewhere.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ScapyEspInteropTests
{
    private const int PacketsPerDirection = 24;
    private static readonly byte[] OuterSource = [192, 0, 2, 1];
    private static readonly byte[] OuterDestination = [198, 51, 100, 2];

    private JsonArray? _results;
    private readonly List<Job> _jobs = new();

    private sealed record Job(EspConfiguration Config, string ScapyCrypt, string? ScapyAuth, List<byte[]> Inner, List<byte[]> OursProtected, ulong FirstSeq);

    public static IEnumerable<(EspConfiguration Config, string Crypt, string? Auth)> Configurations()
    {
        foreach (int bits in new[] { 128, 192, 256 })
        {
            yield return (new EspConfiguration(EncryptionAlgorithm.AesGcm16, bits, null), "AES-GCM", null);
        }

        yield return (new EspConfiguration(EncryptionAlgorithm.AesGcm12, 128, null), "AES-GCM", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.AesGcm8, 256, null), "AES-GCM", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null, Esn: true), "AES-GCM", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCcm16, 128, null), "AES-CCM", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCcm12, 192, null), "AES-CCM", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCcm8, 256, null), "AES-CCM", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null), "CHACHA20-POLY1305", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null, Esn: true), "CHACHA20-POLY1305", null);
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha1_96), "AES-CBC", "HMAC-SHA1-96");
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCbc, 192, IntegrityAlgorithm.HmacSha2_256_128), "AES-CBC", "SHA2-256-128");
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha2_384_192), "AES-CBC", "SHA2-384-192");
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha2_512_256), "AES-CBC", "SHA2-512-256");
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacMd5_96), "AES-CBC", "HMAC-MD5-96");
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.AesCmac96), "AES-CBC", "AES-CMAC-96");
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCtr, 128, IntegrityAlgorithm.HmacSha1_96), "AES-CTR", "HMAC-SHA1-96");
        yield return (new EspConfiguration(EncryptionAlgorithm.AesCtr, 256, IntegrityAlgorithm.HmacSha2_256_128), "AES-CTR", "SHA2-256-128");
        yield return (new EspConfiguration(EncryptionAlgorithm.TripleDesCbc, 192, IntegrityAlgorithm.HmacSha1_96), "3DES", "HMAC-SHA1-96");
        yield return (new EspConfiguration(EncryptionAlgorithm.Null, 0, IntegrityAlgorithm.HmacSha2_256_128), "NULL", "SHA2-256-128");
    }

    public static IEnumerable<TestCaseData> Cases() =>
        Configurations().Select((c, i) => new TestCaseData(i).SetArgDisplayNames(c.Config.ToString()));

    /// <summary>An inner IPv4/UDP packet with correct header checksum, built by hand.</summary>
    internal static byte[] InnerPacket(Random random, int payloadLength)
    {
        var packet = new byte[28 + payloadLength];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)random.Next(65536));
        packet[8] = 64;
        packet[9] = 17;
        new byte[] { 10, 1, 0, (byte)random.Next(1, 255), 10, 2, 0, (byte)random.Next(1, 255) }.CopyTo(packet, 12);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)random.Next(1024, 65535));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 4500);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payloadLength));
        random.NextBytes(packet.AsSpan(28));
        return packet;
    }

    internal static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static byte[] WithOuterIPv4(ReadOnlySpan<byte> esp)
    {
        var packet = new byte[20 + esp.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 50;
        OuterSource.CopyTo(packet, 12);
        OuterDestination.CopyTo(packet, 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));
        esp.CopyTo(packet.AsSpan(20));
        return packet;
    }

    [OneTimeSetUp]
    public void RunScapy()
    {
        PythonRunner.RequireScapy();
        int seed = 8;
        var jobsJson = new JsonArray();
        foreach ((EspConfiguration config, string crypt, string? auth) in Configurations())
        {
            var random = new Random(seed++);
            ulong firstSeq = config.Esn ? (1UL << 32) - 5 : 1;
            using EspSecurityAssociation sender = config.Create(spi: 0x5ca9_0000u + (uint)seed, lastSent: firstSeq - 1);
            var inner = new List<byte[]>();
            var ours = new List<byte[]>();
            var encryptItems = new JsonArray();
            var decryptItems = new JsonArray();
            for (int i = 0; i < PacketsPerDirection; i++)
            {
                byte[] packet = InnerPacket(random, i * 61 % 1400);
                inner.Add(packet);
                var esp = new byte[sender.GetProtectedLength(packet.Length, 4)];
                Assert.That(sender.Protect(packet, 4, esp, out _), Is.EqualTo(IpsecStatus.Success));
                ours.Add(WithOuterIPv4(esp));
                ulong seq = firstSeq + (ulong)i;
                decryptItems.Add(new JsonObject { ["packet"] = Convert.ToHexString(ours[^1]), ["seq"] = seq });
                encryptItems.Add(new JsonObject { ["packet"] = Convert.ToHexString(packet), ["seq"] = seq });
            }

            jobsJson.Add(new JsonObject
            {
                ["sa"] = new JsonObject
                {
                    ["spi"] = 0x5ca9_0000u + (uint)seed,
                    ["crypt_algo"] = crypt,
                    ["crypt_key"] = Convert.ToHexString(config.EncryptionKey()),
                    ["crypt_icv_size"] = config.Encryption.IsAead ? config.Encryption.IcvSize : null,
                    ["auth_algo"] = auth,
                    ["auth_key"] = Convert.ToHexString(config.IntegrityKey()),
                    ["esn_en"] = config.Esn,
                    ["tunnel_src"] = "192.0.2.1",
                    ["tunnel_dst"] = "198.51.100.2",
                },
                ["encrypt"] = encryptItems,
                ["decrypt"] = decryptItems,
            });
            _jobs.Add(new Job(config, crypt, auth, inner, ours, firstSeq));
        }

        (int code, string output, string error) = PythonRunner.Run(PythonRunner.ScriptPath("scapy_esp.py"), jobsJson.ToJsonString());
        Assert.That(code, Is.Zero, error);
        _results = JsonNode.Parse(output)!.AsArray();
    }

    [TestCaseSource(nameof(Cases))]
    public void ScapyDecryptsOurPacketsToTheSameInnerPacket(int index)
    {
        Job job = _jobs[index];
        JsonArray decrypted = _results![index]!["decrypted"]!.AsArray();
        for (int i = 0; i < job.Inner.Count; i++)
        {
            string hex = decrypted[i]!.GetValue<string>();
            Assert.That(hex, Does.Not.StartWith("error"), $"packet {i}: {hex}");
            Assert.That(Convert.FromHexString(hex), Is.EqualTo(job.Inner[i]), $"packet {i}");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void WeUnprotectScapysPacketsToTheSameInnerPacket(int index)
    {
        Job job = _jobs[index];
        JsonArray encrypted = _results![index]!["encrypted"]!.AsArray();
        using EspSecurityAssociation receiver = job.Config.Create(spi: 0x5ca9_0000u + (uint)(index + 9), highestReceived: job.FirstSeq - 1);
        var output = new byte[2000];
        for (int i = encrypted.Count - 1; i >= 0; i--)
        {
            // Delivered newest first: the replay window takes them in any order.
            byte[] outer = Convert.FromHexString(encrypted[i]!.GetValue<string>());
            Assert.That(outer[9], Is.EqualTo(50), "Scapy's outer header carries ESP");
            int ihl = (outer[0] & 0x0F) * 4;
            IpsecStatus status = receiver.Unprotect(outer.AsSpan(ihl), output, out EspUnprotectResult result);
            Assert.That(status, Is.EqualTo(IpsecStatus.Success), $"packet {i}");
            Assert.That(result.NextHeader, Is.EqualTo(4));
            Assert.That(result.SequenceNumber, Is.EqualTo(job.FirstSeq + (ulong)i));
            Assert.That(output.AsSpan(0, result.PayloadLength).ToArray(), Is.EqualTo(job.Inner[i]), $"packet {i}");
        }
    }
}
