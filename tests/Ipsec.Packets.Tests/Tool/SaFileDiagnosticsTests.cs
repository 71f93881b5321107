using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using Ipsec.Packets.Tests.Adversarial;
using Ipsec.Packets.Tool.Captures;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>
/// What the tool says about SA files (issue 18, points 6, 7, 8), the same for `ip xfrm state` text and JSON: errors name
/// the key's line or the field's JSON path in the tool's words, escape what they quote, refuse duplicate SAs and SAs
/// without a mode; confidentiality-only ESP is accepted with a warning and decrypts; a wrong key is called out.
/// </summary>
[TestFixture]
public class SaFileDiagnosticsTests
{
    private const string Gcm20 = "0x000102030405060708090a0b0c0d0e0f10111213";

    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = ToolRunner.TempDirectory();
        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap([new(1, 0, CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1, 2, [1, 2, 3]))], 101));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static string Xfrm(string spi, string protoLine, string algorithms, string src = "192.0.2.1") =>
        $"src {src} dst 192.0.2.2\n\t{protoLine.Replace("SPI", spi, StringComparison.Ordinal)}\n\treplay-window 32\n{algorithms}";

    private static string Json(params string[] sas) => "{\"sas\": [" + string.Join(",", sas) + "]}";

    private static string JsonSa(string spi, string fields) =>
        $"{{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"spi\":\"{spi}\"{fields}}}";

    public static IEnumerable<TestCaseData> BadFiles()
    {
        yield return new TestCaseData(
            Xfrm("0xc0de", "proto esp spi SPI reqid 1 mode tunnel", "\taead rfc4106(gcm(aes)) 0x0001020304050607 128\n"),
            "sa.txt:4: aead: the key is 8 bytes; rfc4106(gcm(aes)) takes 20, 28 or 36 bytes (key and 4-byte salt)",
            Json(JsonSa("0xc0de", ",\"mode\":\"tunnel\",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"0x0001020304050607\",\"icvBits\":128}")),
            "sa.json: $.sas[0].aead.key: the key is 8 bytes; rfc4106(gcm(aes)) takes 20, 28 or 36 bytes (key and 4-byte salt)").SetArgDisplayNames("encryption key length");
        yield return new TestCaseData(
            Xfrm("0xc0de", "proto esp spi SPI reqid 1 mode tunnel", "\tauth-trunc hmac(sha256) 0x00010203040506070809 128\n\tenc cbc(aes) 0x000102030405060708090a0b0c0d0e0f\n"),
            "sa.txt:4: auth: the key is 10 bytes; hmac(sha256) takes 32",
            Json(JsonSa("0xc0de", ",\"mode\":\"tunnel\",\"enc\":{\"name\":\"cbc(aes)\",\"key\":\"0x000102030405060708090a0b0c0d0e0f\"},\"auth\":{\"name\":\"hmac(sha256)\",\"key\":\"0x00010203040506070809\",\"truncBits\":128}")),
            "sa.json: $.sas[0].auth.key: the key is 10 bytes; hmac(sha256) takes 32").SetArgDisplayNames("integrity key length");
        yield return new TestCaseData(
            Xfrm("0xc0de", "proto esp spi SPI reqid 1", $"\taead rfc4106(gcm(aes)) {Gcm20} 128\n"),
            "sa.txt:2: mode: missing: the proto line needs 'mode transport' or 'mode tunnel'",
            Json(JsonSa("0xc0de", $",\"aead\":{{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"{Gcm20}\",\"icvBits\":128}}")),
            "sa.json: $.sas[0].mode: missing").SetArgDisplayNames("mode missing");
        yield return new TestCaseData(
            Xfrm("0xc0de", "proto esp spi SPI reqid 1 mode tunnel", $"\taead rfc4106(gcm(aes)) {Gcm20} 128\n") +
            Xfrm("0xc0de", "proto esp spi SPI reqid 2 mode tunnel", $"\taead rfc4106(gcm(aes)) {Gcm20.Replace("00", "ff", StringComparison.Ordinal)} 128\n"),
            "sa.txt:5: spi: esp spi 0x0000c0de 192.0.2.1 -> 192.0.2.2 is defined twice (lines 1 and 5): keep one",
            Json(JsonSa("0xc0de", $",\"mode\":\"tunnel\",\"aead\":{{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"{Gcm20}\",\"icvBits\":128}}"),
                 JsonSa("49374", $",\"mode\":\"tunnel\",\"aead\":{{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"{Gcm20}\",\"icvBits\":128}}")),
            "sa.json: $.sas[1]: esp spi 0x0000c0de 192.0.2.1 -> 192.0.2.2 is defined twice ($.sas[0] and $.sas[1]): keep one").SetArgDisplayNames("duplicate SPI, source and destination");
        yield return new TestCaseData(
            Xfrm("0xc0de", "proto esp spi SPI reqid 1 mode tunnel", $"\taead rfc4106(gcm(aes))\u202e {Gcm20} 128\n"),
            "sa.txt:4: aead: unsupported AEAD algorithm 'rfc4106(gcm(aes))\\u202e'",
            Json(JsonSa("0xc0de", $",\"mode\":\"tunnel\",\"aead\":{{\"name\":\"rfc4106(gcm(aes))\\u202e\",\"key\":\"{Gcm20}\",\"icvBits\":128}}")),
            "sa.json: $.sas[0].aead.name: unsupported AEAD algorithm 'rfc4106(gcm(aes))\\u202e'").SetArgDisplayNames("quoted text escaped");
        yield return new TestCaseData(
            Xfrm("0xc0de", "proto esp spi SPI reqid 1 mode tunnel", "\tenc ecb(cipher_null) 0x\n"),
            "sa.txt:4: enc: ecb(cipher_null) without an integrity algorithm protects nothing (RFC 4303 §3.2)",
            Json(JsonSa("0xc0de", ",\"mode\":\"tunnel\",\"enc\":{\"name\":\"ecb(cipher_null)\",\"key\":\"0x\"}")),
            "sa.json: $.sas[0].enc.key: ecb(cipher_null) without an integrity algorithm protects nothing (RFC 4303 §3.2)").SetArgDisplayNames("null cipher without integrity");
    }

    [TestCaseSource(nameof(BadFiles))]
    public void BothFormats_RefuseWithTheRightLineOrPath(string xfrm, string xfrmMessage, string json, string jsonMessage)
    {
        foreach ((string name, string text, string message) in new[] { ("sa.txt", xfrm, xfrmMessage), ("sa.json", json, jsonMessage) })
        {
            File.WriteAllText(PathOf(name), text);
            var run = ToolRunner.Run("decrypt", "--sa", PathOf(name), PathOf("plain.pcap"), PathOf("out.pcap"));
            Assert.That(run.ExitCode, Is.EqualTo(1), name);
            Assert.That(run.Error, Is.EqualTo($"ipsec-packets: {PathOf(message.Split(':')[0])}{message[message.IndexOf(':', StringComparison.Ordinal)..]}\n"), name);
            Assert.That(run.Error.Contains("(Parameter", StringComparison.Ordinal) || run.Error.Contains('\u202e', StringComparison.Ordinal), Is.False);
            Assert.That(File.Exists(PathOf("out.pcap")), Is.False);
        }
    }

    [Test]
    public void MissingAndBinarySaFiles_AreNamedInTheToolsWords()
    {
        var missing = ToolRunner.Run("decrypt", "--sa", PathOf("nosuch.sa"), PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(missing.Error, Is.EqualTo($"ipsec-packets: {PathOf("nosuch.sa")}: cannot read the SA file: no such file\n"));

        File.WriteAllBytes(PathOf("sa.bin"), [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x00, 0x0a]);
        var binary = ToolRunner.Run("decrypt", "--sa", PathOf("sa.bin"), PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(binary.Error, Is.EqualTo($"ipsec-packets: {PathOf("sa.bin")}: not an SA file: binary data (expected the text of `ip xfrm state` or JSON)\n"));
    }

    public static IEnumerable<TestCaseData> ConfidentialityOnly()
    {
        yield return new TestCaseData(EncryptionAlgorithm.AesCbc, "cbc(aes)", 16).SetArgDisplayNames("AES-CBC");
        yield return new TestCaseData(EncryptionAlgorithm.AesCtr, "rfc3686(ctr(aes))", 20).SetArgDisplayNames("AES-CTR");
        yield return new TestCaseData(EncryptionAlgorithm.TripleDesCbc, "cbc(des3_ede)", 24).SetArgDisplayNames("3DES");
    }

    [TestCaseSource(nameof(ConfidentialityOnly))]
    public void EncWithoutAuth_IsAcceptedWithAWarningAndDecrypts(EncryptionAlgorithm algorithm, string linuxName, int keyLength)
    {
        byte[] key = SamplePackets.Random(keyLength, keyLength);
        using var sa = new EspSecurityAssociation(new EspSecurityAssociationOptions { Spi = 0x5001, Encryption = algorithm, EncryptionKey = key });
        var processor = new EspProcessor(sa, new EspProcessorOptions
        {
            Mode = IpsecMode.Tunnel, TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("192.0.2.2"),
        });
        var plain = new List<byte[]>();
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < 5; i++)
        {
            byte[] packet = CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, SamplePackets.Random(10 + (i * 23), i));
            plain.Add(packet);
            byte[] buffer = new byte[256 + packet.Length + 256];
            packet.CopyTo(buffer, 256);
            Assert.That(processor.Protect(buffer, 256, packet.Length, out EspProcessResult result), Is.EqualTo(IpsecStatus.Success));
            frames.Add(new(1_700_000_000 + i, 0, buffer.AsSpan(result.Offset, result.Length).ToArray()));
        }

        File.WriteAllBytes(PathOf("enc.pcap"), CaptureBuilder.Pcap(frames, 101));
        string hex = "0x" + Convert.ToHexStringLower(key);
        File.WriteAllText(PathOf("sa.txt"), Xfrm("0x5001", "proto esp spi SPI reqid 1 mode tunnel", $"\tenc {linuxName} {hex}\n"));
        File.WriteAllText(PathOf("sa.json"), Json(JsonSa("0x5001", $",\"mode\":\"tunnel\",\"enc\":{{\"name\":\"{linuxName}\",\"key\":\"{hex}\"}}")));
        foreach ((string name, string where) in new[] { ("sa.txt", ":4: "), ("sa.json", ": $.sas[0].enc.key: ") })
        {
            var run = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf(name), PathOf("enc.pcap"), PathOf("dec.pcap"));
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(run.Error, Does.StartWith($"ipsec-packets: warning: {PathOf(name)}{where}esp spi 0x00005001").And.Contain("encryption without integrity: packets are not authenticated"));
            Assert.That(run.Error, Does.Contain(": 5 decrypted\n"));
            List<(CaptureRecord Record, byte[] Bytes)> decrypted = ToolEndToEndTests.ReadCapture(PathOf("dec.pcap"));
            Assert.That(decrypted.ConvertAll(r => r.Bytes), Is.EqualTo(plain));
        }
    }

    [Test]
    public void WrongKey_EveryPacketFailsAuthentication_AndTheToolSaysSo()
    {
        string sa = Xfrm("0xc0de", "proto esp spi SPI reqid 1 mode tunnel", $"\taead rfc4106(gcm(aes)) {Gcm20} 128\n");
        File.WriteAllText(PathOf("sa.txt"), sa);
        File.WriteAllText(PathOf("wrong.txt"), sa.Replace("0x0001", "0xff01", StringComparison.Ordinal));
        Assert.That(ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("enc.pcap")).ExitCode, Is.Zero);
        var lenient = ToolRunner.Run("decrypt", "--sa", PathOf("wrong.txt"), PathOf("enc.pcap"), PathOf("dec.pcap"));
        Assert.That(lenient.ExitCode, Is.Zero);
        Assert.That(lenient.Error, Does.StartWith($"ipsec-packets: warning: {PathOf("wrong.txt")}:1: every one of the 1 packets of esp spi 0x0000c0de failed authentication: the key (or algorithm) is probably wrong\n"));
        var strict = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("wrong.txt"), PathOf("enc.pcap"), PathOf("dec.pcap"));
        Assert.That(strict.ExitCode, Is.EqualTo(1));
        Assert.That(strict.Error, Does.Contain("probably wrong"));
        var right = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("enc.pcap"), PathOf("dec.pcap"));
        Assert.That(right.Error, Does.Not.Contain("probably wrong"));
    }

    [Test]
    public void UnknownLinkType_IsCountedAndWarned_AndFailsStrict()
    {
        File.WriteAllText(PathOf("sa.txt"), Xfrm("0xc0de", "proto esp spi SPI reqid 1 mode tunnel", $"\taead rfc4106(gcm(aes)) {Gcm20} 128\n"));
        File.WriteAllBytes(PathOf("usb.pcap"), CaptureBuilder.Pcap([new(1, 0, new byte[64]), new(2, 0, new byte[64])], 189));
        var decrypt = ToolRunner.Run("decrypt", "--sa", PathOf("sa.txt"), PathOf("usb.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero);
        Assert.That(decrypt.Error, Does.Contain("2 records, 0 written: ").And.Contain("2 unsupported link type\n"));
        Assert.That(decrypt.Error, Does.EndWith("ipsec-packets: warning: 2 frames of link type 189 skipped: the tool reads Ethernet, raw IP, IPv4, IPv6, Linux SLL/SLL2 and BSD loopback\n"));
        Assert.That(ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("usb.pcap"), PathOf("dec.pcap")).ExitCode, Is.EqualTo(1));
        var inspect = ToolRunner.Run("inspect", PathOf("usb.pcap"));
        Assert.That(inspect.Output, Does.Contain("1 1.000000000 unsupported link type 189 len 64"));
        Assert.That(inspect.Error, Does.Contain("2 frames of link type 189 skipped"));
    }
}
