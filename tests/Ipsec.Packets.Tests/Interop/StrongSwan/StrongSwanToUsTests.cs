using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Ipsec.Packets.Tests.Tool;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// strongSwan to us (issue 15, point 1): traffic between two live charons is captured on the veth (ESP in UDP 4500 with
/// the IKE exchange and NAT-T keepalives mixed in) and on the initiator's TUN device; <c>ipsec-packets decrypt</c> with an
/// <c>ip xfrm state</c>-style file built from the keys charon negotiated turns every ESP packet into exactly the packets
/// the TUN device saw, byte for byte, in order, per direction. One pair of charons serves every proposal.
/// </summary>
[TestFixture]
[Category("StrongSwan")]
[NonParallelizable]
public sealed class StrongSwanToUsTests
{
    private const int UdpMaximumPayload = 47; // 48 consecutive lengths: every pad length for 16-, 8- and 4-byte alignment.
    private const int TcpBytes = 256 * 1024;
    private StrongSwanLab? _lab;

    public static IEnumerable<TestCaseData> Proposals() =>
        StrongSwanProposal.All.Select(p => new TestCaseData(p).SetArgDisplayNames(p.Keyword));

    [OneTimeSetUp]
    public void StartLab()
    {
        StrongSwanLab.RequireEnvironment();
        _lab = StrongSwanLab.Create();
    }

    [OneTimeTearDown]
    public void StopLab() => _lab?.Dispose();

    [TestCaseSource(nameof(Proposals))]
    public void DecryptTurnsEveryEspPacketIntoTheTunPackets(StrongSwanProposal proposal)
    {
        StrongSwanLab lab = _lab!;
        string name = proposal.Keyword;
        PacketCapture veth = lab.Capture(lab.InitiatorNamespace, lab.InitiatorVeth, name + "-veth");
        PacketCapture tun = lab.Capture(lab.InitiatorNamespace, StrongSwanLab.TunDevice, name + "-tun", "ip");
        PacketCapture responderTun = lab.Capture(lab.ResponderNamespace, StrongSwanLab.TunDevice, name + "-responder-tun", "ip");
        ChildSaKeys keys = lab.Establish(proposal);
        lab.Inject(lab.InitiatorNamespace, [LabPackets.Keepalive(StrongSwanLab.InitiatorOuter, StrongSwanLab.ResponderOuter)]);

        int icmpMaximum = TunMtu(lab) - 28;
        JsonObject traffic = lab.Client(lab.InitiatorNamespace, StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, icmpMaximum, UdpMaximumPayload, TcpBytes, paceMilliseconds: 2);
        lab.Inject(lab.InitiatorNamespace, [LabPackets.Keepalive(StrongSwanLab.InitiatorOuter, StrongSwanLab.ResponderOuter)]);
        List<byte[]> wire = veth.Stop();
        List<byte[]> clear = tun.Stop();
        List<byte[]> responderClear = responderTun.Stop();

        Assert.That(traffic["icmpLost"]!.AsArray(), Is.Empty, "ICMP echo sizes without a reply");
        Assert.That(traffic["udpLost"]!.AsArray(), Is.Empty, "UDP echo sizes without a reply");
        Assert.That((bool)traffic["tcpOk"]!, Is.True, "TCP transfer SHA-256: " + traffic["tcpAnswer"]);
        Assert.That(wire.Count(p => LabPackets.Classify(p) == LabPackets.Kind.Ike), Is.GreaterThanOrEqualTo(4), "IKE_SA_INIT and IKE_AUTH in the capture");
        Assert.That(wire.Count(p => LabPackets.Classify(p) == LabPackets.Kind.Keepalive), Is.EqualTo(2), "NAT-T keepalives in the capture");

        DecryptAndCompare(lab, proposal, [keys.Outbound, keys.Inbound], wire, clear, name);
        CompareTunDevices(clear, responderClear);
    }

    [Test]
    public void RekeyInTheMiddleOfATransferLosesNothing()
    {
        StrongSwanLab lab = _lab!;
        StrongSwanProposal proposal = StrongSwanProposal.All.First(p => p.Keyword == "aes256-sha256");
        PacketCapture veth = lab.Capture(lab.InitiatorNamespace, lab.InitiatorVeth, "rekey-veth");
        PacketCapture tun = lab.Capture(lab.InitiatorNamespace, StrongSwanLab.TunDevice, "rekey-tun", "ip");
        PacketCapture responderTun = lab.Capture(lab.ResponderNamespace, StrongSwanLab.TunDevice, "rekey-responder-tun", "ip");
        ChildSaKeys first = lab.Establish(proposal);

        Task<JsonObject> transfer = Task.Run(() => lab.Client(lab.InitiatorNamespace, StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, -1, -1, 4 * 1024 * 1024, paceMilliseconds: 2));
        LabProcess.WaitFor(() => new FileInfo(veth.Path).Length > 256 * 1024, "the transfer to be under way");
        ChildSaKeys second = lab.Rekey();
        JsonObject traffic = transfer.GetAwaiter().GetResult();
        List<byte[]> wire = veth.Stop();
        List<byte[]> clear = tun.Stop();
        List<byte[]> responderClear = responderTun.Stop();

        Assert.That((bool)traffic["tcpOk"]!, Is.True, "TCP transfer SHA-256 across the rekey: " + traffic["tcpAnswer"]);
        Assert.That(second.Outbound.Spi, Is.Not.EqualTo(first.Outbound.Spi));
        var spis = wire.Where(p => LabPackets.Classify(p) == LabPackets.Kind.Esp).Select(p => LabPackets.EspHeader(p).Spi).ToHashSet();
        Assert.That(spis, Is.SupersetOf(new[] { first.Outbound.Spi, first.Inbound.Spi, second.Outbound.Spi, second.Inbound.Spi }), "traffic on both the old and the new SAs");

        DecryptAndCompare(lab, proposal, [first.Outbound, first.Inbound, second.Outbound, second.Inbound], wire, clear, "rekey");
        CompareTunDevices(clear, responderClear);
    }

    /// <summary>Both TUN devices saw the same inner packets in each direction (the other end of the comparison).</summary>
    private static void CompareTunDevices(List<byte[]> initiator, List<byte[]> responder)
    {
        foreach (string source in new[] { StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner })
        {
            List<byte[]> here = LabPackets.From(initiator, source);
            List<byte[]> there = LabPackets.From(responder, source);
            Assert.That(there, Has.Count.EqualTo(here.Count), "packets from " + source + " on the two TUN devices");
            for (int i = 0; i < here.Count; i++)
            {
                Assert.That(there[i], Is.EqualTo(here[i]), $"packet {i} from {source} on the two TUN devices");
            }
        }
    }

    private static int TunMtu(StrongSwanLab lab)
    {
        string link = LabProcess.Check("ip", "-n", lab.InitiatorNamespace, "-o", "link", "show", StrongSwanLab.TunDevice);
        string[] words = link.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(words[Array.IndexOf(words, "mtu") + 1]);
    }

    private static void DecryptAndCompare(StrongSwanLab lab, StrongSwanProposal proposal, NegotiatedEspSa[] sas, List<byte[]> wire, List<byte[]> clear, string name)
    {
        string saFile = Path.Combine(lab.Root, name + ".xfrm");
        File.WriteAllText(saFile, XfrmSaFile.Write(proposal, sas));
        string input = Path.Combine(lab.Root, name + "-veth.pcap");
        string output = Path.Combine(lab.Root, name + "-decrypted.pcap");
        (int code, string stdout, string stderr) = ToolRunner.Run("decrypt", "--strict", "--sa", saFile, input, output);
        Assert.That(code, Is.Zero, $"ipsec-packets decrypt --strict: {stdout} {stderr}");
        List<byte[]> decrypted = PcapPackets.Read(output);

        int esp = wire.Count(p => LabPackets.Classify(p) == LabPackets.Kind.Esp);
        Assert.That(decrypted, Has.Count.EqualTo(esp), "one inner packet per ESP packet of the veth capture");
        Assert.That(clear, Has.Count.EqualTo(esp), "one TUN packet per ESP packet");
        foreach ((string source, string direction) in new[]
        {
            (StrongSwanLab.InitiatorInner, "initiator to responder"),
            (StrongSwanLab.ResponderInner, "responder to initiator"),
        })
        {
            List<byte[]> ours = LabPackets.From(decrypted, source);
            List<byte[]> theirs = LabPackets.From(clear, source);
            Assert.That(ours, Has.Count.EqualTo(theirs.Count), direction);
            for (int i = 0; i < ours.Count; i++)
            {
                if (!ours[i].AsSpan().SequenceEqual(theirs[i]))
                {
                    Assert.Fail($"{direction}, packet {i}: decrypted {Convert.ToHexString(ours[i])} but the TUN device saw {Convert.ToHexString(theirs[i])}");
                }
            }
        }
    }
}
