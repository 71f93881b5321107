using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Gateway;

/// <summary>
/// The EspGateway sample end to end: two gateways in two network namespaces joined by a veth pair, carrying ICMP and TCP
/// between their TUN devices as ESP in UDP, while forged, replayed, truncated and unknown-SPI packets are injected on the
/// veth, the SAs are rekeyed and one gateway's UDP port changes. Root only; in CI a missing tool fails the tests.
/// </summary>
[TestFixture]
[Category("Gateway")]
[NonParallelizable]
public sealed class EspGatewayEndToEndTests
{
    private const string KeyAToB = "000102030405060708090a0b0c0d0e0f10111213";
    private const string KeyBToA = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3";

    /// <summary>AES-GCM-128 over IPv4/UDP at path MTU 1500: 20 + 8 + ESP 8 + IV 8 + payload + 2 + ICV 16 ≤ 1500, payload + 2 a multiple of 4.</summary>
    private const int InnerMtu = 1438;

    private GatewayLab? _lab;

    private GatewayLab Lab => _lab ?? throw new InvalidOperationException("no lab");

    [OneTimeSetUp]
    public void StartPair()
    {
        GatewayLab.RequireEnvironment();
        _lab = new GatewayLab();
        string sa = Lab.WriteSaFile("sa.xfrm", 0x1001, 0x2001, KeyAToB, KeyBToA);

        // TUN MTU 1500 above the inner MTU, so that an oversize packet reaches the gateway and gets ICMP back.
        // A runs one worker; B two (two TUN queues, two SO_REUSEPORT sockets), so the port change and rekey meet both.
        Lab.StartGateways(sa, ["--mtu", "1500", "--drain-ms", "1000"], ["--workers", "2"]);
    }

    [OneTimeTearDown]
    public void DeletePair()
    {
        if (_lab is not null && TestContext.CurrentContext.Result.FailCount > 0)
        {
            TestContext.Out.WriteLine("gateway A log:\n" + _lab.Log(_lab.GatewayA) + "\ngateway B log:\n" + _lab.Log(_lab.GatewayB));
        }

        _lab?.Dispose();
    }

    [Test]
    [Order(1)]
    public void Ping_one_byte_over_the_inner_mtu_gets_fragmentation_needed_with_the_inner_mtu()
    {
        long before = GatewayLab.Counter(GatewayLab.Stats(Lab.ControlA), "icmp_too_big_sent");
        (int code, string output) = GatewayLab.RunIn(Lab.NamespaceA, 30, "ping", "-c", "1", "-W", "2", "-M", "do", "-s", (InnerMtu - 28 + 1).ToString(), GatewayLab.InnerB);
        Assert.That(code, Is.Not.Zero, output);
        Assert.That(output, Does.Contain("Frag needed").And.Contain($"mtu = {InnerMtu}"), output);
        Assert.That(GatewayLab.Counter(GatewayLab.Stats(Lab.ControlA), "icmp_too_big_sent"), Is.EqualTo(before + 1));
    }

    [Test]
    [Order(2)]
    public void Ping_of_every_size_from_0_to_the_inner_mtu_with_dont_fragment_passes()
    {
        (int code, string output) = GatewayLab.RunIn(Lab.NamespaceA, 120, GatewayLab.DebianPython, GatewayLab.TrafficScript, "icmp-sizes", GatewayLab.InnerB, (InnerMtu - 28).ToString());
        Assert.That(code, Is.Zero, output);
        Assert.That(output.Trim(), Is.EqualTo($"ok {InnerMtu - 28 + 1}"));

        // The largest with ping itself, as a user would check it.
        (code, output) = GatewayLab.RunIn(Lab.NamespaceA, 30, "ping", "-c", "1", "-W", "2", "-M", "do", "-s", (InnerMtu - 28).ToString(), GatewayLab.InnerB);
        Assert.That(code, Is.Zero, output);
    }

    [Test]
    [Order(3)]
    public void Tcp_transfer_of_100_MB_arrives_with_the_same_sha256_and_no_allocation_per_packet()
    {
        (string sent, string received) = Transfer(5301, 100 << 20, seed: 1, megabytesPerSecond: 0, during: null);
        Assert.That(received, Is.EqualTo(sent));
        Assert.That(sent, Does.StartWith($"bytes {100 << 20} sha256 "));
        foreach (string control in new[] { Lab.ControlA, Lab.ControlB })
        {
            Dictionary<string, string> stats = GatewayLab.Stats(control);
            Assert.That(GatewayLab.Counter(stats, "datapath_packets_after_warmup"), Is.GreaterThan(10_000), control);
            Assert.That(GatewayLab.Counter(stats, "datapath_allocated_bytes_after_warmup"), Is.Zero, control);
            Assert.That(GatewayLab.Counter(stats, "refused_total"), Is.Zero, control);
        }
    }

    [Test]
    [Order(4)]
    public void Injected_packets_are_refused_and_counted_and_a_rekey_and_a_port_change_lose_no_byte_of_a_transfer()
    {
        Dictionary<string, string> before = GatewayLab.Stats(Lab.ControlB);
        var events = new StringBuilder();
        (string sent, string received) = Transfer(5302, 150 << 20, seed: 2, megabytesPerSecond: 15, during: sender =>
        {
            // 1. Capture five genuine ESP packets A -> B while the transfer runs: pings of an odd size (inner 361 bytes,
            //    + 2 -> 364 padded, + 8 ESP header + 8 IV + 16 ICV = 396 bytes of ESP). The gateway sends runs of ESP
            //    packets as one UDP GSO datagram, which the veth carries (and tcpdump sees) whole; a ping's packet is
            //    then the short last segment of a run, found by its length and the SPI at its start.
            string capture = Path.Combine(Lab.Directory, "esp.pcap");
            using Process tcpdump = GatewayLab.StartIn(Lab.NamespaceB, "tcpdump", "-i", Lab.VethB, "-U", "-w", capture,
                $"udp and src host {GatewayLab.OuterA} and (udp[4:2] = 404 or greater 1500)");
            Thread.Sleep(1500);
            GatewayLab.RunIn(Lab.NamespaceA, 30, "ping", "-c", "5", "-i", "0.2", "-s", "333", GatewayLab.InnerB);
            Thread.Sleep(500);
            GatewayLab.RunIn(Lab.NamespaceB, 10, "kill", "-INT", tcpdump.Id.ToString());
            Assert.That(tcpdump.WaitForExit(10_000), Is.True, "tcpdump did not stop");
            List<byte[]> esp = FindEspPackets(ReadUdpPayloads(capture), 0x1001, 396);
            Assert.That(esp, Has.Count.EqualTo(5), "the five pings' ESP packets in the capture");

            // 2. Forge from them, and inject from the peer's namespace (another source port: a forgery must not move the peer).
            var lines = new List<string>();
            foreach (byte[] packet in esp)
            {
                lines.Add(Convert.ToHexString(packet)); // replayed, twice
                lines.Add(Convert.ToHexString(packet));
                foreach (int bit in new[] { 0, 1 })
                {
                    byte[] flipped = (byte[])packet.Clone();
                    flipped[6] ^= 0x10; // a sequence number ahead of the window, so it reaches the ICV check
                    flipped[40 + bit] ^= 0x01; // and a ciphertext bit
                    lines.Add(Convert.ToHexString(flipped));
                }

                lines.Add(Convert.ToHexString(packet.AsSpan(0, 24))); // truncated within header + ICV
                lines.Add(Convert.ToHexString(packet.AsSpan(0, 12)));
                foreach (uint spi in new[] { 0xdeadbeefu, 0x1002u + 0x100u })
                {
                    byte[] unknown = (byte[])packet.Clone();
                    BinaryPrimitives.WriteUInt32BigEndian(unknown, spi);
                    lines.Add(Convert.ToHexString(unknown));
                }
            }

            string injectFile = Path.Combine(Lab.Directory, "inject.hex");
            File.WriteAllLines(injectFile, lines);
            (int code, string output) = GatewayLab.RunIn(Lab.NamespaceA, 30, GatewayLab.DebianPython, GatewayLab.TrafficScript, "inject", GatewayLab.OuterB, "4500", injectFile);
            Assert.That(code, Is.Zero, output);
            events.AppendLine("injected 40");

            // 3. Rekey: both sides install the new pair, switch their outbound SA, and retire the old pair after the drain.
            string rekey = Lab.WriteSaFile("rekey.xfrm", 0x1002, 0x2002, KeyBToA, KeyAToB);
            foreach (string control in new[] { Lab.ControlA, Lab.ControlB })
            {
                Assert.That(GatewayLab.Control(control, "add " + rekey), Does.Contain("added inbound").And.Contain("added outbound"));
            }

            Assert.That(GatewayLab.Control(Lab.ControlA, "switch 0x1002"), Does.StartWith("outbound now"));
            Assert.That(GatewayLab.Control(Lab.ControlB, "switch 0x2002"), Does.StartWith("outbound now"));
            Thread.Sleep(500);
            foreach (string control in new[] { Lab.ControlA, Lab.ControlB })
            {
                Assert.That(GatewayLab.Control(control, "retire 0x1001"), Does.StartWith("retiring"));
                Assert.That(GatewayLab.Control(control, "retire 0x2001"), Does.StartWith("retiring"));
            }

            Thread.Sleep(1500);
            events.AppendLine("rekeyed");

            // 4. NAT rebinding: A's packets now leave from another port; B must follow after the first authentic one.
            Assert.That(GatewayLab.Control(Lab.ControlA, "port 4600"), Does.StartWith("local port now 4600"));
            Thread.Sleep(1000);
            events.AppendLine("port changed");
            Assert.That(sender.HasExited, Is.False, "the transfer ended before the events; they must happen during it:\n" + events);
        });

        Assert.That(received, Is.EqualTo(sent), events.ToString());
        Assert.That(sent, Does.StartWith($"bytes {150 << 20} sha256 "));

        Dictionary<string, string> after = GatewayLab.Stats(Lab.ControlB);
        long Delta(string name) => GatewayLab.Counter(after, name) - GatewayLab.Counter(before, name);
        Assert.Multiple(() =>
        {
            Assert.That(Delta("refused_Replayed"), Is.EqualTo(10), "replayed");
            Assert.That(Delta("refused_AuthenticationFailed"), Is.EqualTo(10), "bit-flipped");
            Assert.That(Delta("refused_Truncated"), Is.EqualTo(10), "truncated");
            Assert.That(Delta("refused_UnknownSpi"), Is.EqualTo(10), "unknown SPI");
            Assert.That(Delta("refused_total"), Is.EqualTo(40), "nothing else refused: no genuine packet lost to the rekey");
            Assert.That(after["peer"], Is.EqualTo($"{GatewayLab.OuterA}:4600"), "B follows A's new port");
            Assert.That(Delta("peer_endpoint_updates"), Is.EqualTo(1), "only the authentic packet from the new port moved the peer");
        });

        string saLines = GatewayLab.Control(Lab.ControlB, "stats");
        Assert.That(saLines, Does.Not.Contain("sa 0x00001001").And.Not.Contain("sa 0x00002001"), "old SAs retired");
        Assert.That(saLines, Does.Match(@"sa 0x00001002 inbound: protected 0 unprotected [1-9]"));
        Assert.That(saLines, Does.Match(@"sa 0x00002002 outbound current: protected [1-9]"));
    }

    [Test]
    [Order(5)]
    public void Sigusr1_writes_the_statistics_file_and_sigterm_and_quit_stop_the_gateways_with_statistics()
    {
        string statsFile = Lab.ControlA + ".stats";
        File.Delete(statsFile);
        (int code, string output) = GatewayLab.RunIn(Lab.NamespaceA, 10, "kill", "-USR1", Lab.GatewayA.Id.ToString());
        Assert.That(code, Is.Zero, output);
        for (int i = 0; i < 100 && !File.Exists(statsFile); i++)
        {
            Thread.Sleep(100);
        }

        Assert.That(File.Exists(statsFile), Is.True, "SIGUSR1 wrote no stats file");
        Assert.That(GatewayLab.Counter(GatewayLab.ParseStats(File.ReadAllText(statsFile)), "esp_packets_sent"), Is.GreaterThan(100_000));

        // B stops on SIGTERM (PosixSignalRegistration), A on the control socket's quit.
        (code, output) = GatewayLab.RunIn(Lab.NamespaceB, 10, "kill", "-TERM", Lab.GatewayB.Id.ToString());
        Assert.That(code, Is.Zero, output);
        Assert.That(Lab.GatewayB.WaitForExit(15_000), Is.True, "SIGTERM did not stop gateway B");
        foreach ((int exitCode, string log) in Lab.StopGateways())
        {
            Assert.That(exitCode, Is.Zero, log);
            Assert.That(log, Does.Contain("--- statistics (exit)").And.Contain("inner_packets_delivered"), log);
        }
    }

    /// <summary>Sends <paramref name="bytes"/> pseudo-random bytes over TCP from A's inner address to B's, running
    /// <paramref name="during"/> (given the sender process) while they flow; returns both ends' "bytes N sha256 H" lines.</summary>
    private (string Sent, string Received) Transfer(int port, int bytes, int seed, int megabytesPerSecond, Action<Process>? during)
    {
        using Process receiver = GatewayLab.StartIn(Lab.NamespaceB, GatewayLab.DebianPython, GatewayLab.TrafficScript, "recv", GatewayLab.InnerB, port.ToString());
        try
        {
            Assert.That(receiver.StandardOutput.ReadLine(), Is.EqualTo("listening"));
            using Process sender = GatewayLab.StartIn(Lab.NamespaceA, GatewayLab.DebianPython, GatewayLab.TrafficScript, "send", GatewayLab.InnerB, port.ToString(), bytes.ToString(), seed.ToString(), megabytesPerSecond.ToString());
            try
            {
                var senderOutput = sender.StandardOutput.ReadToEndAsync();
                var senderError = sender.StandardError.ReadToEndAsync();
                during?.Invoke(sender);
                Assert.That(sender.WaitForExit(180_000), Is.True, "sender timed out");
                Assert.That(sender.ExitCode, Is.Zero, senderError.Result);
                var receiverOutput = receiver.StandardOutput.ReadToEndAsync();
                Assert.That(receiver.WaitForExit(30_000), Is.True, "receiver timed out");
                return (senderOutput.Result.Trim(), receiverOutput.Result.Trim());
            }
            finally
            {
                if (!sender.HasExited)
                {
                    sender.Kill();
                }
            }
        }
        finally
        {
            if (!receiver.HasExited)
            {
                receiver.Kill();
            }
        }
    }

    /// <summary>The ESP packets of <paramref name="length"/> bytes with <paramref name="spi"/>: whole datagrams, or the
    /// short last segment of a UDP GSO datagram (its other segments are longer, all of one size).</summary>
    private static List<byte[]> FindEspPackets(List<byte[]> payloads, uint spi, int length)
    {
        var found = new List<byte[]>();
        foreach (byte[] payload in payloads)
        {
            int start = payload.Length - length;
            if (start >= 0 && BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(start)) == spi &&
                (start == 0 || BinaryPrimitives.ReadUInt32BigEndian(payload) == spi))
            {
                found.Add(payload.AsSpan(start).ToArray());
            }
        }

        return found;
    }

    /// <summary>The UDP payloads of the IPv4 packets in a pcap file with Ethernet framing (as tcpdump writes on a veth).</summary>
    private static List<byte[]> ReadUdpPayloads(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(file), Is.EqualTo(0xa1b2c3d4u), "little-endian microsecond pcap expected");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20)), Is.EqualTo(1u), "Ethernet link type expected");
        var payloads = new List<byte[]>();
        for (int offset = 24; offset + 16 <= file.Length;)
        {
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            if (offset + 16 + captured > file.Length)
            {
                break; // a record cut short when tcpdump stopped
            }

            ReadOnlySpan<byte> frame = file.AsSpan(offset + 16, captured);
            offset += 16 + captured;
            if (frame.Length < 14 + 20 + 8 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800)
            {
                continue;
            }

            ReadOnlySpan<byte> ip = frame[14..];
            int ihl = (ip[0] & 0xF) * 4;
            // A GSO datagram's UDP length need not cover all its segments: take what the frame holds.
            payloads.Add(ip[(ihl + 8)..].ToArray());
        }

        return payloads;
    }
}
