using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tests.Adversarial;
using Ipsec.Packets.Tool.Captures;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>decrypt and inspect on captures whose outer packets were fragmented (issue 18, point 10): byte-exact results, and a summary of what could not be reassembled.</summary>
[TestFixture]
public class FragmentedDecryptTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = ToolRunner.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private (List<byte[]> Plain, List<(CaptureRecord Record, byte[] Bytes)> Encrypted) Encrypt(string sa, bool ipv6, int count)
    {
        File.WriteAllText(PathOf("sa.txt"), sa);
        var plain = new List<byte[]>();
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < count; i++)
        {
            byte[] payload = SamplePackets.Random(2000 + (i * 701), i);
            byte[] packet = ipv6
                ? CaptureBuilder.IPv6Udp("2001:db8:1::1", "2001:db8:2::2", 1000, 53, payload)
                : CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, payload);
            plain.Add(packet);
            frames.Add(new(1_700_000_000 + i, 0, packet));
        }

        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(frames, 101));
        var run = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), PathOf("plain.pcap"), PathOf("enc.pcap"));
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        return (plain, ToolEndToEndTests.ReadCapture(PathOf("enc.pcap")));
    }

    [Test]
    public void EspInUdp_LargePacketsFragmentedOutOfOrder_DecryptByteExact()
    {
        (List<byte[]> plain, List<(CaptureRecord Record, byte[] Bytes)> encrypted) = Encrypt(
            "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x00004500 reqid 1 mode tunnel\n\treplay-window 64\n" +
            "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n" +
            "\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0\n", ipv6: false, count: 6);
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < encrypted.Count; i++)
        {
            Assert.That(encrypted[i].Bytes[9], Is.EqualTo(17), "ESP in UDP");
            List<byte[]> pieces = Fragmenter.IPv4(encrypted[i].Bytes, 1480, (ushort)(100 + i));
            if (i % 2 == 1)
            {
                pieces.Reverse();
            }

            foreach (byte[] piece in pieces)
            {
                frames.Add(new(encrypted[i].Record.Seconds, 0, CaptureBuilder.Link(1, piece)));
            }
        }

        File.WriteAllBytes(PathOf("fragmented.pcap"), CaptureBuilder.Pcap(frames, 1));
        var decrypt = ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("fragmented.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero, decrypt.Error);
        Assert.That(decrypt.Error, Does.Contain(": 6 decrypted\n"));
        Assert.That(decrypt.Error, Does.Contain($"outer IP fragments: {frames.Count} fragments, 6 datagrams reassembled, 0 not reassembled\n"));
        Assert.That(ToolEndToEndTests.ReadCapture(PathOf("dec.pcap")).ConvertAll(r => r.Bytes), Is.EqualTo(plain));

        var inspect = ToolRunner.Run("inspect", PathOf("fragmented.pcap"));
        Assert.That(inspect.Output, Does.Contain("ESP-in-UDP 4500>4500 spi 0x00004500 seq 1 ").And.Contain("(reassembled from 2 fragments)"));
        Assert.That(inspect.Output, Does.Contain("ESP spi 0x00004500 192.0.2.1 > 192.0.2.2: 6 packets").Or.Contain("spi 0x00004500 192.0.2.1 > 192.0.2.2: 6 packets"));
    }

    [Test]
    public void IPv6_FragmentedEsp_DecryptsByteExact_AndAMissingPieceIsReported()
    {
        (List<byte[]> plain, List<(CaptureRecord Record, byte[] Bytes)> encrypted) = Encrypt(
            "src 2001:db8::a dst 2001:db8::b\n\tproto esp spi 0x00006600 reqid 1 mode tunnel\n\treplay-window 64\n" +
            "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n", ipv6: true, count: 4);
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < encrypted.Count; i++)
        {
            List<byte[]> pieces = Fragmenter.IPv6(encrypted[i].Bytes, 1232, (uint)(7 + i));
            if (i == 3)
            {
                pieces.RemoveAt(1); // the last datagram never completes
            }

            foreach (byte[] piece in pieces)
            {
                frames.Add(new(encrypted[i].Record.Seconds, 0, piece));
            }
        }

        File.WriteAllBytes(PathOf("fragmented.pcap"), CaptureBuilder.Pcap(frames, 229));
        var decrypt = ToolRunner.Run("decrypt", "--sa", PathOf("sa.txt"), PathOf("fragmented.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero, decrypt.Error);
        Assert.That(decrypt.Error, Does.Contain(": 3 decrypted\n"));
        Assert.That(decrypt.Error, Does.Contain("3 datagrams reassembled, 1 not reassembled (1 incomplete at the end of the capture)\n"));
        Assert.That(ToolEndToEndTests.ReadCapture(PathOf("dec.pcap")).ConvertAll(r => r.Bytes), Is.EqualTo(plain.GetRange(0, 3)));
        Assert.That(ToolRunner.Run("decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("fragmented.pcap"), PathOf("dec2.pcap")).ExitCode,
            Is.EqualTo(1), "a datagram that could not be reassembled fails --strict");
    }
}
