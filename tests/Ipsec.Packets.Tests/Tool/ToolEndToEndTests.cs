using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tool.Captures;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>The tool run in-process on captures it wrote itself: every link type, algorithms, modes, NAT-T, ESN, failures.</summary>
[TestFixture]
public class ToolEndToEndTests
{
    private const string GcmTunnel =
        "src 192.0.2.1 dst 192.0.2.2\n" +
        "\tproto esp spi 0x0000c0de(49374) reqid 1 mode tunnel\n" +
        "\treplay-window 32 flag af-unspec\n" +
        "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n" +
        "\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n";

    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = ToolRunner.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static List<CaptureBuilder.Frame> PlainFrames(int count, bool ipv6, int linkType)
    {
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < count; i++)
        {
            byte[] payload = new byte[i * 37 % 300];
            new Random(i).NextBytes(payload);
            byte[] ip = ipv6
                ? CaptureBuilder.IPv6Udp("2001:db8:1::1", "2001:db8:2::2", (ushort)(1000 + i), 53, payload)
                : CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", (ushort)(1000 + i), 53, payload);
            frames.Add(new CaptureBuilder.Frame(1_700_000_000 + i, (uint)(i * 1_000_000 + 123_000), CaptureBuilder.Link(linkType, ip)));
        }

        return frames;
    }

    private static byte[] IPOf(int linkType, byte[] frame)
    {
        Assert.That(LinkLayer.TryLocateIP(linkType, frame, out int offset), Is.True);
        return frame[offset..];
    }

    internal static List<(CaptureRecord Record, byte[] Bytes)> ReadCapture(string path)
    {
        var sink = new Sink();
        using FileStream stream = File.OpenRead(path);
        CaptureReader.ReadAsync(stream, path, sink).GetAwaiter().GetResult();
        return sink.Records;
    }

    [TestCase(0, false, false)]
    [TestCase(1, false, false)]
    [TestCase(1, true, true)]
    [TestCase(12, false, false)]
    [TestCase(14, true, false)]
    [TestCase(101, false, true)]
    [TestCase(113, true, false)]
    [TestCase(228, false, false)]
    [TestCase(229, true, true)]
    [TestCase(276, false, true)]
    [TestCase(276, true, false)]
    public void EncryptThenDecrypt_EveryLinkType(int linkType, bool ipv6, bool pcapng)
    {
        List<CaptureBuilder.Frame> frames = PlainFrames(12, ipv6, linkType);
        var packets = new List<(int, CaptureBuilder.Frame)>();
        foreach (CaptureBuilder.Frame frame in frames)
        {
            packets.Add((0, frame));
        }

        File.WriteAllBytes(PathOf("plain.cap"), pcapng ? CaptureBuilder.Pcapng([(linkType, 9)], packets) : CaptureBuilder.Pcap(frames, linkType));
        File.WriteAllText(PathOf("sa.txt"), GcmTunnel);

        var encrypt = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.cap"), PathOf("enc.pcap"));
        Assert.That(encrypt.ExitCode, Is.Zero, encrypt.Error);
        Assert.That(encrypt.Error, Does.Contain("12 protected (sequence numbers 1 to 12; next oseq 0xc)"));

        var decrypt = ToolRunner.Run("decrypt", "--sa", PathOf("sa.txt"), PathOf("enc.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero, decrypt.Error);
        Assert.That(decrypt.Error, Does.Contain(": 12 decrypted\n"));

        List<(CaptureRecord Record, byte[] Bytes)> encrypted = ReadCapture(PathOf("enc.pcap"));
        List<(CaptureRecord Record, byte[] Bytes)> decrypted = ReadCapture(PathOf("dec.pcap"));
        Assert.That(decrypted, Has.Count.EqualTo(frames.Count));
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.That(encrypted[i].Bytes[9], Is.EqualTo(50), "outer IPv4 carrying ESP");
            Assert.That(encrypted[i].Record.LinkType, Is.EqualTo(101));
            Assert.That(decrypted[i].Record.LinkType, Is.EqualTo(101));
            Assert.That(decrypted[i].Record.Seconds, Is.EqualTo(frames[i].Seconds));
            Assert.That(decrypted[i].Record.Nanoseconds, Is.EqualTo(frames[i].Nanoseconds));
            Assert.That(decrypted[i].Bytes, Is.EqualTo(IPOf(linkType, frames[i].Bytes)));
        }
    }

    private const string V4 = "src 192.0.2.1 dst 192.0.2.2\n";
    private const string V6 = "src 2001:db8::a dst 2001:db8::b\n";

    [TestCase(V4, "tunnel", "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 64\n", "")]
    [TestCase(V4, "transport", "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 96\n", "")]
    [TestCase(V6, "tunnel", "\taead rfc4309(ccm(aes)) 0x000102030405060708090a0b0c0d0e0f101112 128\n", "")]
    [TestCase(V4, "tunnel", "\taead rfc7539esp(chacha20,poly1305) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00010203 128\n", "\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0\n")]
    [TestCase(V4, "transport", "\taead rfc4543(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n", "\tencap type espinudp sport 4501 dport 4502 addr 0.0.0.0\n")]
    [TestCase(V6, "tunnel", "\tauth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 128\n\tenc cbc(aes) 0x000102030405060708090a0b0c0d0e0f\n", "\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0\n")]
    [TestCase(V4, "tunnel", "\tauth-trunc xcbc(aes) 0x000102030405060708090a0b0c0d0e0f 96\n\tenc rfc3686(ctr(aes)) 0x000102030405060708090a0b0c0d0e0f10111213\n", "")]
    [TestCase(V4, "transport", "\tauth-trunc hmac(md5) 0x000102030405060708090a0b0c0d0e0f 96\n\tenc cbc(des3_ede) 0x000102030405060708090a0b0c0d0e0f1011121314151617\n", "")]
    [TestCase(V6, "transport", "\tauth-trunc cmac(aes) 0x000102030405060708090a0b0c0d0e0f 96\n\tenc ecb(cipher_null) \n", "")]
    [TestCase(V4, "tunnel", "\tauth-trunc hmac(sha512) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 256\n\tenc cbc(aes) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n", "")]
    public void EncryptThenDecrypt_AlgorithmsModesAndNatTraversal(string addresses, string mode, string algorithms, string encap)
    {
        bool ipv6 = addresses == V6;
        // Transport mode protects the packet between the SA's own endpoints.
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < 6; i++)
        {
            byte[] payload = new byte[i * 50];
            new Random(i).NextBytes(payload);
            byte[] ip = mode == "tunnel"
                ? CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, payload)
                : ipv6 ? CaptureBuilder.IPv6Udp("2001:db8::a", "2001:db8::b", 1000, 53, payload) : CaptureBuilder.IPv4Udp("192.0.2.1", "192.0.2.2", 1000, 53, payload);
            frames.Add(new(1_700_000_000 + i, 0, ip));
        }

        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(frames, 101));
        File.WriteAllText(PathOf("sa.txt"), addresses + $"\tproto esp spi 0x00004242 reqid 1 mode {mode}\n\treplay-window 64\n" + algorithms + encap);

        var encrypt = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("enc.pcap"));
        Assert.That(encrypt.ExitCode, Is.Zero, encrypt.Error);
        var inspect = ToolRunner.Run("inspect", "--sa", PathOf("sa.txt"), PathOf("enc.pcap"));
        Assert.That(inspect.Output, Does.Contain((encap.Length > 0 ? "ESP-in-UDP" : "ESP") + " ").And.Contain("spi 0x00004242 seq 6 "));
        Assert.That(inspect.Output, Does.Contain("6 packets").And.Contain("seq 1 to 6, 0 missing, 0 duplicates"));

        var decrypt = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("enc.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero, decrypt.Error);
        List<(CaptureRecord Record, byte[] Bytes)> decrypted = ReadCapture(PathOf("dec.pcap"));
        Assert.That(decrypted, Has.Count.EqualTo(6));
        for (int i = 0; i < 6; i++)
        {
            Assert.That(decrypted[i].Bytes, Is.EqualTo(frames[i].Bytes));
        }
    }

    [Test]
    public void ExtendedSequenceNumbers_ContinueFromOseqAcrossTheBoundary()
    {
        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(PlainFrames(4, false, 101), 101));
        File.WriteAllText(PathOf("sa.txt"),
            "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1000 mode tunnel\n\treplay-window 0 flag af-unspec esn\n" +
            "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n" +
            "\tanti-replay esn context:\n\t seq-hi 0x0, seq 0xfffffff0, oseq-hi 0x0, oseq 0xfffffffe\n\t replay_window 64, bitmap-length 2\n\t 00000000 00000000\n");
        var encrypt = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("enc.pcap"));
        Assert.That(encrypt.Error, Does.Contain("sequence numbers 4294967295 to 4294967298; next oseq 0x2, oseq-hi 0x1"));
        var inspect = ToolRunner.Run("inspect", PathOf("enc.pcap"));
        Assert.That(inspect.Output, Does.Contain("seq 4294967295 ").And.Contain(" seq 0 ").And.Contain(" seq 2 "));
        var decrypt = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("enc.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero, decrypt.Error);
        Assert.That(decrypt.Error, Does.Contain(": 4 decrypted\n"));
    }

    [Test]
    public void Failures_AreCountedDroppedAndStrictFails()
    {
        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(PlainFrames(5, false, 101), 101));
        File.WriteAllText(PathOf("sa.txt"), GcmTunnel);
        Assert.That(ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("enc.pcap")).ExitCode, Is.Zero);
        List<(CaptureRecord Record, byte[] Bytes)> encrypted = ReadCapture(PathOf("enc.pcap"));

        byte[] forged = (byte[])encrypted[2].Bytes.Clone();
        forged[^1] ^= 1;
        byte[] unknownSpi = (byte[])encrypted[3].Bytes.Clone();
        unknownSpi[20 + 3] ^= 0x55;
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        var frames = new List<CaptureBuilder.Frame>
        {
            new(1, 0, CaptureBuilder.Link(1, encrypted[0].Bytes)),
            new(2, 0, CaptureBuilder.Link(1, encrypted[1].Bytes)),
            new(3, 0, CaptureBuilder.Link(1, encrypted[1].Bytes)), // replay
            new(4, 0, CaptureBuilder.Link(1, forged)),
            new(5, 0, CaptureBuilder.Link(1, unknownSpi)),
            new(6, 0, CaptureBuilder.Link(1, CaptureBuilder.IPv4Udp("10.9.9.9", "10.8.8.8", 5, 6, [1, 2, 3]))),
            new(7, 0, arp),
            new(8, 0, CaptureBuilder.Link(1, encrypted[4].Bytes)),
            new(9, 0, CaptureBuilder.Link(1, Fragment(encrypted[4].Bytes))),
        };
        File.WriteAllBytes(PathOf("mixed.pcap"), CaptureBuilder.Pcap(frames, 1));

        var lenient = ToolRunner.Run("decrypt", "--sa", PathOf("sa.txt"), PathOf("mixed.pcap"), PathOf("dec.pcap"));
        Assert.That(lenient.ExitCode, Is.Zero);
        Assert.That(lenient.Error, Does.Contain(": 3 decrypted, 1 replayed, 1 authentication failed\n"));
        Assert.That(lenient.Error, Does.Contain("9 records, 3 written: 1 unknown SPI, 0 malformed, 1 non-IPsec dropped, 0 passed through, 1 not IP, 0 unsupported link type\n"));
        Assert.That(lenient.Error, Does.Contain("outer IP fragments: 1 fragments, 0 datagrams reassembled, 1 not reassembled (1 malformed or truncated fragments)\n"));
        Assert.That(ReadCapture(PathOf("dec.pcap")), Has.Count.EqualTo(3));

        var strict = ToolRunner.Run("decrypt", "--strict", "--pass-through", "--sa", PathOf("sa.txt"), PathOf("mixed.pcap"), PathOf("dec2.pcap"));
        Assert.That(strict.ExitCode, Is.EqualTo(1));
        Assert.That(strict.Error, Does.Contain("4 written: 1 unknown SPI, 0 malformed, 0 non-IPsec dropped, 1 passed through, 1 not IP, 0 unsupported link type\n"));
        List<(CaptureRecord Record, byte[] Bytes)> passed = ReadCapture(PathOf("dec2.pcap"));
        Assert.That(passed[2].Record.Seconds, Is.EqualTo(6), "input order kept");
        Assert.That(passed[2].Bytes, Is.EqualTo(CaptureBuilder.IPv4Udp("10.9.9.9", "10.8.8.8", 5, 6, [1, 2, 3])));
    }

    /// <summary>The packet with More Fragments set (the header checksum is not checked before the fragment is recognised).</summary>
    private static byte[] Fragment(byte[] ip)
    {
        byte[] fragment = (byte[])ip.Clone();
        fragment[6] |= 0x20;
        return fragment;
    }

    [Test]
    public void Ah_AndAhOverEspBundles_AreVerifiedAndUnwrapped()
    {
        // An AH SA and an ESP SA between the same hosts, in transport mode: AH alone, and AH over ESP (RFC 4301 §4.5).
        byte[] ahKey = Convert.FromHexString("0102030405060708090a0b0c0d0e0f1011121314");
        byte[] espKey = Convert.FromHexString("4c80cdefbb5d10da906ac73c3613a6342e443b68");
        File.WriteAllText(PathOf("sa.txt"),
            "src 192.0.2.1 dst 192.0.2.2\n\tproto ah spi 0x00000300 reqid 3 mode transport\n\tauth-trunc hmac(sha1) 0x" + Convert.ToHexString(ahKey) + " 96\n" +
            "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x00000400 reqid 4 mode transport\n\taead rfc4106(gcm(aes)) 0x" + Convert.ToHexString(espKey) + " 128\n");
        using var ah = new AhSecurityAssociation(new AhSecurityAssociationOptions
        {
            Spi = 0x300, Integrity = IntegrityAlgorithm.HmacSha1_96, IntegrityKey = ahKey, Mode = IpsecMode.Transport,
        });
        using var esp = new EspSecurityAssociation(new EspSecurityAssociationOptions
        {
            Spi = 0x400, Encryption = EncryptionAlgorithm.AesGcm16, EncryptionKey = espKey,
        });
        var bundle = new AhEspBundle(ah, new EspProcessor(esp, new EspProcessorOptions { Mode = IpsecMode.Transport }));

        byte[] first = CaptureBuilder.IPv4Udp("192.0.2.1", "192.0.2.2", 1000, 2000, new byte[24]);
        byte[] second = CaptureBuilder.IPv4Udp("192.0.2.1", "192.0.2.2", 1001, 2001, new byte[40]);
        byte[] ahOnly = Protect(first, (byte[] buffer, int offset, int length, out int start, out int total) =>
        {
            IpsecStatus status = ah.Protect(buffer, offset, length, out AhProcessResult r);
            (start, total) = (r.Offset, r.Length);
            return status;
        });
        byte[] ahOverEsp = Protect(second, (byte[] buffer, int offset, int length, out int start, out int total) =>
        {
            IpsecStatus status = bundle.Protect(buffer, offset, length, out AhEspBundleResult r);
            (start, total) = (r.Offset, r.Length);
            return status;
        });
        Assert.That(ahOnly[9], Is.EqualTo(51));
        Assert.That(ahOverEsp[9], Is.EqualTo(51));
        Assert.That(ahOverEsp[20], Is.EqualTo(50), "AH's next header is ESP");

        File.WriteAllBytes(PathOf("ah.pcap"), CaptureBuilder.Pcap([new(1, 0, ahOnly), new(2, 0, ahOverEsp)], 101));
        var decrypt = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("ah.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero, decrypt.Error);
        Assert.That(decrypt.Error, Does.Contain("ah spi 0x00000300").And.Contain("2 verified"));
        Assert.That(decrypt.Error, Does.Contain("esp spi 0x00000400").And.Contain("1 decrypted"));
        List<(CaptureRecord Record, byte[] Bytes)> packets = ReadCapture(PathOf("dec.pcap"));
        Assert.That(packets, Has.Count.EqualTo(2));
        Assert.That(packets[0].Bytes, Is.EqualTo(first));
        Assert.That(packets[1].Bytes, Is.EqualTo(second));

        var inspect = ToolRunner.Run("inspect", PathOf("ah.pcap"));
        Assert.That(inspect.Output, Does.Contain("192.0.2.1 > 192.0.2.2 AH spi 0x00000300 seq 1"));
        // encrypt with the AH SA, then decrypt what it wrote.
        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap([new(1, 0, first), new(2, 0, second)], 101));
        var encrypt = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), "--spi", "300", PathOf("plain.pcap"), PathOf("enc.pcap"));
        Assert.That(encrypt.ExitCode, Is.Zero, encrypt.Error);
        Assert.That(ReadCapture(PathOf("enc.pcap")).ConvertAll(p => p.Bytes[9]), Is.EqualTo(new byte[] { 51, 51 }));
        Assert.That(ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), "--spi", "999", PathOf("plain.pcap"), PathOf("x.pcap")).Error,
            Is.EqualTo($"ipsec-packets: --spi 0x00000999: no SA with this SPI in {PathOf("sa.txt")}\n"));

        // A forged AH packet is counted, not written.
        ahOnly[^1] ^= 1;
        File.WriteAllBytes(PathOf("forged.pcap"), CaptureBuilder.Pcap([new(1, 0, ahOnly)], 101));
        var forged = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("forged.pcap"), PathOf("dec2.pcap"));
        Assert.That(forged.ExitCode, Is.EqualTo(1));
        Assert.That(forged.Error, Does.Contain("1 authentication failed"));
    }

    private delegate IpsecStatus ProtectInBuffer(byte[] buffer, int offset, int length, out int start, out int total);

    private static byte[] Protect(byte[] packet, ProtectInBuffer protect)
    {
        var buffer = new byte[256 + packet.Length + 256];
        packet.CopyTo(buffer, 256);
        Assert.That(protect(buffer, 256, packet.Length, out int start, out int total), Is.EqualTo(IpsecStatus.Success));
        return buffer.AsSpan(start, total).ToArray();
    }

    [Test]
    public void Inspect_ReportsGapsAndDuplicates()
    {
        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(PlainFrames(6, false, 101), 101));
        File.WriteAllText(PathOf("sa.txt"), GcmTunnel.Replace("oseq 0x0", "oseq 0x63"));
        Assert.That(ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("enc.pcap")).ExitCode, Is.Zero);
        List<(CaptureRecord Record, byte[] Bytes)> e = ReadCapture(PathOf("enc.pcap"));
        // Sequence numbers 100, 101, 101, 104, 103, 105: 102 missing, one duplicate.
        var frames = new List<CaptureBuilder.Frame>();
        foreach (int i in new[] { 0, 1, 1, 4, 3, 5 })
        {
            frames.Add(new(e[i].Record.Seconds, e[i].Record.Nanoseconds, e[i].Bytes));
        }

        File.WriteAllBytes(PathOf("gaps.pcap"), CaptureBuilder.Pcap(frames, 101));
        var inspect = ToolRunner.Run("inspect", PathOf("gaps.pcap"));
        Assert.That(inspect.ExitCode, Is.Zero);
        string[] lines = inspect.Output.TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.EqualTo(8));
        Assert.That(lines[0], Does.StartWith("1 1700000000.000123000 192.0.2.1 > 192.0.2.2 ESP spi 0x0000c0de seq 100 len "));
        Assert.That(lines[6], Is.EqualTo("6 records, 1 SPIs"));
        Assert.That(lines[7], Does.StartWith("ESP spi 0x0000c0de 192.0.2.1 > 192.0.2.2: 6 packets, ").And.EndWith("seq 100 to 105, 1 missing, 1 duplicates"));
    }

    [Test]
    public void ExportWireshark_WritesEspSaUatLines()
    {
        File.WriteAllText(PathOf("sa.txt"), GcmTunnel +
            "src 2001:db8::1 dst 2001:db8::2\n\tproto esp spi 0x00001234 mode transport\n\tauth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 128\n\tenc cbc(aes) 0x0f0e0d0c0b0a09080706050403020100\n" +
            "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x00005678 mode tunnel\n\taead rfc4309(ccm(aes)) 0x000102030405060708090a0b0c0d0e0f101112 128\n");
        File.WriteAllBytes(PathOf("empty.pcap"), CaptureBuilder.Pcap([], 1));
        var run = ToolRunner.Run("inspect", "--sa", PathOf("sa.txt"), "--export-wireshark", PathOf("esp_sa"), PathOf("empty.pcap"));
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.Error, Does.Contain("esp spi 0x00005678").And.Contain("left out: Wireshark cannot decrypt it"));
        Assert.That(File.ReadAllLines(PathOf("esp_sa")), Is.EqualTo(new[]
        {
            "# This file is automatically generated, DO NOT MODIFY.",
            "\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0x0000c0de\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x000102030405060708090a0b0c0d0e0f10111213\",\"NULL\",\"\"",
            "\"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0x00001234\",\"AES-CBC [RFC3602]\",\"0x0f0e0d0c0b0a09080706050403020100\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\"",
        }));
    }

    [Test]
    public void Errors_AreOneLineWithoutStackTraces()
    {
        File.WriteAllText(PathOf("bad.txt"), "src 10.0.0.1 dst 10.0.0.2\n\tproto esp spi 0x1000 mode tunnel\n\taead rfc4106(gcm(aes)) 0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef 100\n");
        File.WriteAllText(PathOf("sa.txt"), GcmTunnel);
        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(PlainFrames(3, false, 101), 101));
        byte[] truncated = File.ReadAllBytes(PathOf("plain.pcap"))[..^5];
        File.WriteAllBytes(PathOf("truncated.pcap"), truncated);

        var badSa = ToolRunner.Run("decrypt", "--sa", PathOf("bad.txt"), PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(badSa.ExitCode, Is.EqualTo(1));
        Assert.That(badSa.Error, Is.EqualTo($"ipsec-packets: {PathOf("bad.txt")}:3: aead: ICV length 100 bits is not one of 64, 96, 128\n"));

        var cut = ToolRunner.Run("decrypt", "--sa", PathOf("sa.txt"), PathOf("truncated.pcap"), PathOf("out.pcap"));
        Assert.That(cut.ExitCode, Is.EqualTo(1));
        Assert.That(cut.Error, Does.StartWith($"ipsec-packets: {PathOf("truncated.pcap")}: record 3: truncated"));
        Assert.That(cut.Error.TrimEnd('\n'), Does.Not.Contain("\n"));
        Assert.That(File.Exists(PathOf("out.pcap")), Is.False, "a failed run leaves no partial output");

        var missing = ToolRunner.Run("inspect", PathOf("nope.pcap"));
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.Error, Does.StartWith("ipsec-packets: ").And.Contain("nope.pcap"));
        Assert.That(missing.Error.TrimEnd('\n'), Does.Not.Contain("\n").And.Not.Contain(" at "));

        var twoSas = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(twoSas.ExitCode, Is.Zero, "one SA: no --spi needed");
        File.WriteAllText(PathOf("two.txt"), GcmTunnel + GcmTunnel.Replace("0x0000c0de(49374)", "0x0000c0df"));
        var ambiguous = ToolRunner.Run("encrypt", "--sa", PathOf("two.txt"), PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(ambiguous.Error, Does.Contain("holds 2 SAs: choose one with --spi HEX"));
        var chosen = ToolRunner.Run("encrypt", "--sa", PathOf("two.txt"), "--spi", "0xC0DF", PathOf("plain.pcap"), PathOf("out.pcap"));
        Assert.That(chosen.ExitCode, Is.Zero);
        Assert.That(chosen.Error, Does.Contain("esp spi 0x0000c0df"));
    }

    [TestCase(new string[0], "Required command was not provided. See 'ipsec-packets --help'.")]
    [TestCase(new[] { "frobnicate" }, "unrecognized command or argument 'frobnicate'. See 'ipsec-packets --help'.")]
    [TestCase(new[] { "decrpyt", "--sa", "s", "a", "b" }, "unrecognized command or argument 'decrpyt'. Did you mean 'decrypt'? See 'ipsec-packets --help'.")]
    [TestCase(new[] { "decrypt", "in", "out" }, "Option '--sa' is required. See 'ipsec-packets decrypt --help'.")]
    [TestCase(new[] { "decrypt", "--sa" }, "Required argument missing for option: '--sa'.")]
    [TestCase(new[] { "decrypt", "--sa", "s", "--stirct", "a", "b" }, "unknown option '--stirct'. Did you mean '--strict'? See 'ipsec-packets decrypt --help'.")]
    [TestCase(new[] { "inspect", "a", "b" }, "unrecognized command or argument 'b'. See 'ipsec-packets inspect --help'.")]
    [TestCase(new[] { "encrypt", "--sa", "s", "--spi", "xyz", "a", "b" }, "--spi: 'xyz' is not a 32-bit hexadecimal SPI. See 'ipsec-packets encrypt --help'.")]
    [TestCase(new[] { "inspect", "--strict", "a" }, "unknown option '--strict'.")]
    [TestCase(new[] { "encrypt", "--sa", "s", "--pass-through", "a", "b" }, "unknown option '--pass-through'.")]
    [TestCase(new[] { "inspect", "--export-wireshark", "k", "a" }, "--export-wireshark needs --sa SAFILE.")]
    [TestCase(new[] { "inspect", "--bogus", "a" }, "unknown option '--bogus'")]
    public void UsageErrors_ExitTwo(string[] args, string expected)
    {
        var run = ToolRunner.Run(args);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.StartWith("ipsec-packets: " + expected));
        Assert.That(run.Error.TrimEnd('\n'), Does.Not.Contain("\n"), "one line");
    }

    private sealed class Sink : ICaptureSink
    {
        public List<(CaptureRecord, byte[])> Records { get; } = [];

        public void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame) => Records.Add((record, frame.ToArray()));
    }
}
