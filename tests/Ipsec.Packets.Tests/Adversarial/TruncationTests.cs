using System;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Ah;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// A packet cut at every length from 0 to one byte short is refused: at the ESP SA layer, by the ESP processor and by
/// the packet processor (whole IPv4/IPv6 packets, with the IP and UDP length fields left alone or rewritten to the cut
/// length), and by AH. Nothing throws or allocates, and the genuine packet is accepted afterwards.
/// </summary>
[Parallelizable(ParallelScope.All)]
public class TruncationTests
{
    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.AuthenticatedCases))]
    public void EveryTruncationIsRefusedAtTheSaLayer(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create();
        byte[] payload = SamplePackets.Random(SamplePackets.PayloadLength, 3);
        var packet = new byte[sender.GetProtectedLength(payload.Length, 6)];
        Assert.That(sender.Protect(payload, 6, packet, out _), Is.EqualTo(IpsecStatus.Success));
        var output = new byte[packet.Length];
        var statuses = new IpsecStatus[packet.Length];
        void CutAll()
        {
            for (int length = 0; length < packet.Length; length++)
            {
                statuses[length] = receiver.Unprotect(packet.AsSpan(0, length), output, out _);
            }
        }

        Assert.That(Allocations.Measure(CutAll, iterations: 1, warmUps: 3), Is.Zero, "refusing truncated packets allocates nothing");
        for (int length = 0; length < packet.Length; length++)
        {
            Assert.That(statuses[length], Is.Not.EqualTo(IpsecStatus.Success), $"cut to {length} bytes");
        }

        Assert.That(output, Has.All.Zero, "nothing written");
        Assert.That(receiver.HighestInboundSequenceNumber, Is.Zero);
        Assert.That(receiver.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.Success));
    }

    public static IEnumerable<TestCaseData> ProcessorCases()
    {
        foreach (EspConfiguration config in EspBitFlipTests.Families())
        {
            foreach (EspBitFlipTests.Framing framing in Enum.GetValues<EspBitFlipTests.Framing>())
            {
                foreach (bool fixLengths in new[] { false, true })
                {
                    yield return new TestCaseData(config, framing, fixLengths)
                        .SetArgDisplayNames(config.ToString(), framing.ToString(), fixLengths ? "lengths-fixed" : "lengths-as-is");
                }
            }
        }
    }

    [TestCaseSource(nameof(ProcessorCases))]
    public void EveryTruncationOfAWholePacketIsRefusedByTheProcessor(EspConfiguration config, EspBitFlipTests.Framing framing, bool fixLengths)
    {
        EspProcessorOptions options = EspBitFlipTests.Options(framing);
        using var sender = new EspProcessor(config.Create(), options);
        using var receiver = new EspProcessor(config.Create(), options);
        byte[] inner = EspBitFlipTests.Inner(framing);
        byte[] packet = EspBitFlipTests.Protect(sender, inner);
        var work = new byte[packet.Length];
        var statuses = new IpsecStatus[packet.Length];
        void CutAll()
        {
            for (int length = 0; length < packet.Length; length++)
            {
                packet.AsSpan(0, length).CopyTo(work);
                if (fixLengths)
                {
                    SamplePackets.FixLengths(work.AsSpan(0, length), length, options.UdpEncapsulation);
                }

                statuses[length] = receiver.Unprotect(work, 0, length, out _);
            }
        }

        Assert.That(Allocations.Measure(CutAll, iterations: 1, warmUps: 3), Is.Zero, "refusing truncated packets allocates nothing");
        for (int length = 0; length < packet.Length; length++)
        {
            Assert.That(statuses[length], Is.Not.EqualTo(IpsecStatus.Success), $"cut to {length} bytes");
        }

        Assert.That(receiver.SecurityAssociation.HighestInboundSequenceNumber, Is.Zero);
        packet.CopyTo(work, 0);
        Assert.That(receiver.Unprotect(work, 0, work.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success));
        Assert.That(work.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(inner));
    }

    [TestCaseSource(typeof(AhBitFlipTests), nameof(AhBitFlipTests.Cases))]
    public void EveryTruncationIsRefusedByAh(IntegrityAlgorithm integrity, AhBitFlipTests.Framing framing)
    {
        bool tunnel = framing is AhBitFlipTests.Framing.TunnelIPv4InIPv4 or AhBitFlipTests.Framing.TunnelIPv6InIPv6;
        bool v6 = framing is AhBitFlipTests.Framing.TransportIPv6 or AhBitFlipTests.Framing.TunnelIPv6InIPv6;
        using var pair = new AhPair(integrity, tunnel ? IpsecMode.Tunnel : IpsecMode.Transport, outerIPv6: v6);
        byte[] original = v6 ? SamplePackets.IPv6Udp() : SamplePackets.IPv4Udp();
        byte[] packet = pair.Protect(original);
        var work = new byte[packet.Length];
        var statuses = new IpsecStatus[packet.Length * 2];
        void CutAll()
        {
            for (int length = 0; length < packet.Length; length++)
            {
                for (int fix = 0; fix < 2; fix++)
                {
                    packet.AsSpan(0, length).CopyTo(work);
                    if (fix == 1)
                    {
                        SamplePackets.FixLengths(work.AsSpan(0, length), length, udp: false);
                    }

                    statuses[(length * 2) + fix] = pair.Receiver.Unprotect(work, 0, length, out _);
                }
            }
        }

        Assert.That(Allocations.Measure(CutAll, iterations: 1, warmUps: 3), Is.Zero, "refusing truncated packets allocates nothing");
        for (int n = 0; n < statuses.Length; n++)
        {
            Assert.That(statuses[n], Is.Not.EqualTo(IpsecStatus.Success), $"cut to {n / 2} bytes, lengths {(n % 2 == 1 ? "fixed" : "as they were")}");
        }

        Assert.That(pair.Receiver.HighestInboundSequenceNumber, Is.Zero);
        (IpsecStatus status, byte[] result) = pair.Unprotect(packet);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(result, Is.EqualTo(original));
    }

    [Test]
    public void EveryTruncationIsRefusedByThePacketProcessor([Values] bool outerIPv6, [Values] bool udp, [Values] bool fixLengths)
    {
        var options = new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse(outerIPv6 ? "2001:db8:ffff::1" : "192.0.2.1"),
            TunnelDestination = IPAddress.Parse(outerIPv6 ? "2001:db8:ffff::2" : "198.51.100.1"),
            UdpEncapsulation = udp,
        };
        var config = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 256, null);
        using var sad = new SecurityAssociationDatabase();
        var spd = new SecurityPolicyDatabase();
        var selector = new TrafficSelector
        {
            LocalAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("198.51.100.0/24")),
            RemoteAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("192.0.2.0/24")),
        };
        var policy = new SecurityPolicy(selector, SecurityPolicyAction.Protect, priority: 10);
        spd.Add(policy);
        sad.Add(new EspProcessor(config.Create(spi: 0x2222), options), SecurityAssociationDirection.Inbound, options.TunnelDestination!, policy: policy);
        var processor = new IpsecPacketProcessor(sad, spd);
        using var sender = new EspProcessor(config.Create(spi: 0x2222), options);
        byte[] inner = SamplePackets.IPv4Udp("192.0.2.1", "198.51.100.2");
        byte[] packet = EspBitFlipTests.Protect(sender, inner);
        var work = new byte[packet.Length];
        var statuses = new IpsecStatus[packet.Length];
        void CutAll()
        {
            for (int length = 0; length < packet.Length; length++)
            {
                packet.AsSpan(0, length).CopyTo(work);
                if (fixLengths)
                {
                    SamplePackets.FixLengths(work.AsSpan(0, length), length, udp);
                }

                statuses[length] = processor.ProcessInbound(work, 0, length, out _);
            }
        }

        Assert.That(Allocations.Measure(CutAll, iterations: 1, warmUps: 3), Is.Zero, "refusing truncated packets allocates nothing");
        for (int length = 0; length < packet.Length; length++)
        {
            Assert.That(statuses[length], Is.Not.EqualTo(IpsecStatus.Success), $"cut to {length} bytes");
        }

        packet.CopyTo(work, 0);
        Assert.That(processor.ProcessInbound(work, 0, work.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success), "the genuine packet");
        Assert.That(work.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(inner));
    }
}
