using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// Us to strongSwan (issue 15, point 2): with the keys of the initiator's outbound SA (the responder's inbound SA) the
/// library protects fresh inner packets, ICMP echo requests and UDP datagrams from the initiator's inner address, with
/// sequence numbers continuing after the last one the initiator's charon used; they are injected on the veth toward the
/// responder through a raw socket (charon owns UDP 4500). Each comes out of the responder's TUN device unchanged, a copy
/// with one flipped bit and replayed copies do not, and the replies strongSwan protects unprotect with the library.
/// </summary>
[TestFixture]
[Category("StrongSwan")]
[NonParallelizable]
public sealed class UsToStrongSwanTests
{
    private const ushort EchoIdentifier = 0x5157;
    private const ushort UdpEchoPort = 7777;
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
    public void ResponderTakesOurPacketsAndWeTakeItsReplies(StrongSwanProposal proposal)
    {
        StrongSwanLab lab = _lab!;
        string name = "us-" + proposal.Keyword;
        PacketCapture warmUp = lab.Capture(lab.InitiatorNamespace, lab.InitiatorVeth, name + "-warmup");
        ChildSaKeys keys = lab.Establish(proposal);
        _ = lab.Client(lab.InitiatorNamespace, StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, 3, 3, 0);
        List<byte[]> warmUpPackets = warmUp.Stop();

        // The last sequence number the initiator's charon used: from the capture, and as its packet counter says.
        uint lastUsed = warmUpPackets.Where(p => LabPackets.Classify(p) == LabPackets.Kind.Esp)
            .Select(LabPackets.EspHeader).Where(h => h.Spi == keys.Outbound.Spi).Max(h => h.SequenceNumber);
        Assert.That(lab.PacketCount(initiator: true, "out", keys.Outbound.Spi), Is.EqualTo(lastUsed), "swanctl --list-sas agrees with the capture");

        int mtu = 1400;
        // Echo requests first: the initiator's own kernel answers the UDP replies with port-unreachables that its charon
        // protects with sequence numbers from lastUsed + 1 on, which the responder must then refuse as replays.
        var inner = new List<byte[]>();
        int[] sizes = [0, 1, 7, 16, 64, 333, 1000, mtu - 28];
        for (int i = 0; i < sizes.Length; i++)
        {
            byte[] data = Enumerable.Range(0, sizes[i]).Select(b => (byte)(b * 7 + i)).ToArray();
            inner.Add(LabPackets.IPv4(StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, LabPackets.Icmp,
                LabPackets.IcmpEcho(8, EchoIdentifier, (ushort)i, data), (ushort)(0x1000 + i)));
        }

        int[] udpSizes = [0, 1, 15, 16, 17, 500, mtu - 28];
        for (int i = 0; i < udpSizes.Length; i++)
        {
            byte[] data = Enumerable.Range(0, udpSizes[i]).Select(b => (byte)(b * 13 + i)).ToArray();
            inner.Add(LabPackets.IPv4(StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, LabPackets.Udp,
                LabPackets.UdpDatagram((ushort)(41000 + i), UdpEchoPort, data), (ushort)(0x2000 + i)));
        }

        List<byte[]> genuine = ProtectAll(proposal, keys.Outbound, lastUsed, inner);
        int forgedIndex = 3;
        byte[] forged = (byte[])genuine[forgedIndex].Clone();
        forged[28 + 8 + (forged.Length - 36) / 2] ^= 0x10;
        var injected = new List<byte[]>();
        for (int i = 0; i < genuine.Count; i++)
        {
            if (i == forgedIndex)
            {
                injected.Add(forged);
            }

            injected.Add(genuine[i]);
        }

        injected.Add(genuine[0]);
        injected.Add(genuine[forgedIndex]);
        injected.Add(genuine[^1]);

        PacketCapture replies = lab.Capture(lab.InitiatorNamespace, lab.InitiatorVeth, name + "-replies");
        PacketCapture tun = lab.Capture(lab.ResponderNamespace, StrongSwanLab.TunDevice, name + "-responder-tun", "ip");
        lab.Inject(lab.InitiatorNamespace, injected);
        System.Threading.Thread.Sleep(300);
        List<byte[]> wire = replies.Stop();
        List<byte[]> delivered = LabPackets.From(tun.Stop(), StrongSwanLab.InitiatorInner);

        Assert.That(delivered, Has.Count.EqualTo(inner.Count), "every genuine packet once; no forged or replayed copy");
        for (int i = 0; i < inner.Count; i++)
        {
            Assert.That(delivered[i], Is.EqualTo(inner[i]), $"inner packet {i} out of the responder's TUN device");
        }

        Assert.That(lab.PacketCount(initiator: false, "in", keys.Outbound.Spi), Is.EqualTo(lastUsed + (uint)inner.Count), "the responder counted only the genuine packets");

        List<byte[]> answers = UnprotectReplies(proposal, keys.Inbound, wire);
        for (int i = 0; i < inner.Count; i++)
        {
            byte[] expected = ExpectedReply(inner[i]);
            Assert.That(answers.Any(a => Payload(a).SequenceEqual(expected)), Is.True, $"the reply to inner packet {i}, unprotected by the library");
        }
    }

    /// <summary>
    /// RFC 4301 §5.2 (step 4 of inbound processing): a tunnel-mode packet whose inner addresses lie outside the SA's traffic
    /// selectors is discarded even though it authenticates. Injected from the initiator with the right keys and sequence
    /// numbers: an inner source outside 198.51.100.1/32, then an allowed one.
    /// </summary>
    [Test]
    public void ResponderDropsAnAuthenticPacketOutsideTheTrafficSelectors()
    {
        StrongSwanLab lab = _lab!;
        StrongSwanProposal proposal = StrongSwanProposal.All.First(p => p.Keyword == "aes128gcm16");
        ChildSaKeys keys = lab.Establish(proposal);
        byte[] outside = LabPackets.IPv4("198.51.100.99", StrongSwanLab.ResponderInner, LabPackets.Icmp,
            LabPackets.IcmpEcho(8, EchoIdentifier, 99, [1, 2, 3]), 0x3001);
        byte[] inside = LabPackets.IPv4(StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, LabPackets.Icmp,
            LabPackets.IcmpEcho(8, EchoIdentifier, 100, [4, 5, 6]), 0x3002);
        List<byte[]> protectedPackets = ProtectAll(proposal, keys.Outbound, 0, [outside, inside]);

        PacketCapture tun = lab.Capture(lab.ResponderNamespace, StrongSwanLab.TunDevice, "selectors-responder-tun", "ip");
        lab.Inject(lab.InitiatorNamespace, protectedPackets);
        List<byte[]> delivered = tun.Stop().Where(p => !LabPackets.Source(p).Equals(IPAddress.Parse(StrongSwanLab.ResponderInner))).ToList();

        Assert.That(delivered, Has.Count.EqualTo(1), "only the packet inside the traffic selectors: " + string.Join(", ", delivered.Select(p => LabPackets.Source(p).ToString())));
        Assert.That(delivered[0], Is.EqualTo(inside));
    }

    private static List<byte[]> ProtectAll(StrongSwanProposal proposal, NegotiatedEspSa sa, uint lastUsed, List<byte[]> inner)
    {
        using var processor = new EspProcessor(new EspSecurityAssociation(proposal.Options(sa, lastUsed)), new EspProcessorOptions
        {
            Mode = IpsecMode.Tunnel,
            TunnelSource = sa.Source,
            TunnelDestination = sa.Destination,
            UdpEncapsulation = true,
        });
        var result = new List<byte[]>();
        foreach (byte[] packet in inner)
        {
            byte[] buffer = new byte[processor.MaximumHeadroom + packet.Length + processor.MaximumTailroom];
            packet.CopyTo(buffer, processor.MaximumHeadroom);
            IpsecStatus status = processor.Protect(buffer, processor.MaximumHeadroom, packet.Length, out EspProcessResult outer);
            Assert.That(status, Is.EqualTo(IpsecStatus.Success), "Protect");
            result.Add(buffer.AsSpan(outer.Offset, outer.Length).ToArray());
            Assert.That(LabPackets.EspHeader(result[^1]).SequenceNumber, Is.EqualTo(lastUsed + (uint)result.Count), "sequence numbers continue the initiator's");
        }

        return result;
    }

    private static List<byte[]> UnprotectReplies(StrongSwanProposal proposal, NegotiatedEspSa sa, List<byte[]> wire)
    {
        using var processor = new EspProcessor(new EspSecurityAssociation(proposal.Options(sa)), new EspProcessorOptions
        {
            Mode = IpsecMode.Tunnel,
            TunnelSource = sa.Source,
            TunnelDestination = sa.Destination,
            UdpEncapsulation = true,
        });
        var result = new List<byte[]>();
        foreach (byte[] packet in wire)
        {
            if (LabPackets.Classify(packet) != LabPackets.Kind.Esp || LabPackets.EspHeader(packet).Spi != sa.Spi)
            {
                continue;
            }

            byte[] buffer = (byte[])packet.Clone();
            IpsecStatus status = processor.Unprotect(buffer, 0, buffer.Length, out EspProcessResult clear);
            Assert.That(status, Is.EqualTo(IpsecStatus.Success), $"a reply strongSwan protected (seq {LabPackets.EspHeader(packet).SequenceNumber})");
            result.Add(buffer.AsSpan(clear.Offset, clear.Length).ToArray());
        }

        return result;
    }

    /// <summary>The transport payload the responder sends back: an echo reply with the request's identifier, sequence and data, or the UDP echo.</summary>
    private static byte[] ExpectedReply(byte[] request)
    {
        if (request[9] == LabPackets.Icmp)
        {
            byte[] echo = request[20..];
            return LabPackets.IcmpEcho(0, (ushort)(echo[4] << 8 | echo[5]), (ushort)(echo[6] << 8 | echo[7]), echo[8..]);
        }

        byte[] udp = request[20..];
        return LabPackets.UdpDatagram(UdpEchoPort, (ushort)(udp[0] << 8 | udp[1]), udp[8..]);
    }

    /// <summary>The transport payload of an inner IPv4 packet from the responder to the initiator, UDP checksum cleared.</summary>
    private static byte[] Payload(byte[] packet)
    {
        if (!LabPackets.Source(packet).Equals(IPAddress.Parse(StrongSwanLab.ResponderInner)) || packet.Length < 28)
        {
            return [];
        }

        byte[] payload = packet[((packet[0] & 0x0F) * 4)..];
        if (packet[9] == LabPackets.Udp)
        {
            payload[6] = 0;
            payload[7] = 0;
        }

        return payload;
    }
}
