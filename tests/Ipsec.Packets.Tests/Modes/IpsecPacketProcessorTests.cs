using System;
using System.Buffers.Binary;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Interop;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// Two gateways: A protects 10.1.0.0/16 to 10.2.0.0/16 through 192.0.2.1 -> 198.51.100.1, bypasses 203.0.113.0/24 and
/// discards the rest; B receives with the matching inbound SA and policy.
/// </summary>
public class IpsecPacketProcessorTests
{
    private static readonly EspConfiguration Config = new(EncryptionAlgorithm.AesGcm16, 256, null);
    private const uint Spi = 0x0001_1001;

    private SecurityAssociationDatabase _sadA = null!, _sadB = null!;
    private IpsecPacketProcessor _a = null!, _b = null!;

    private static EspProcessorOptions TunnelAToB() => new()
    {
        TunnelSource = IPAddress.Parse("192.0.2.1"),
        TunnelDestination = IPAddress.Parse("198.51.100.1"),
    };

    private static TrafficSelector Selector(string local, string remote) => new()
    {
        LocalAddress = IPAddressRange.FromPrefix(IPNetwork.Parse(local)),
        RemoteAddress = IPAddressRange.FromPrefix(IPNetwork.Parse(remote)),
    };

    [SetUp]
    public void Gateways()
    {
        var spdA = new SecurityPolicyDatabase();
        var protectA = new SecurityPolicy(Selector("10.1.0.0/16", "10.2.0.0/16"), SecurityPolicyAction.Protect, priority: 10);
        spdA.Add(protectA);
        spdA.Add(new SecurityPolicy(Selector("0.0.0.0/0", "203.0.113.0/24"), SecurityPolicyAction.Bypass, priority: 20));
        _sadA = new SecurityAssociationDatabase();
        SecurityAssociationHandle outbound = _sadA.Add(
            new EspProcessor(Config.Create(spi: Spi, replayWindow: 0), TunnelAToB()), SecurityAssociationDirection.Outbound,
            IPAddress.Parse("198.51.100.1"), policy: protectA);
        _sadA.SwitchOutbound(protectA, new SecurityAssociationBundle(outbound), TimeSpan.Zero);
        _a = new IpsecPacketProcessor(_sadA, spdA);

        var spdB = new SecurityPolicyDatabase();
        var protectB = new SecurityPolicy(Selector("10.2.0.0/16", "10.1.0.0/16"), SecurityPolicyAction.Protect, priority: 10);
        spdB.Add(protectB);
        _sadB = new SecurityAssociationDatabase();
        _sadB.Add(
            new EspProcessor(Config.Create(spi: Spi, replayWindow: 0), TunnelAToB()), SecurityAssociationDirection.Inbound,
            IPAddress.Parse("198.51.100.1"), policy: protectB);
        _b = new IpsecPacketProcessor(_sadB, spdB);
    }

    [TearDown]
    public void Dispose()
    {
        _sadA.Dispose();
        _sadB.Dispose();
    }

    private static byte[] Udp(string source, string destination, int payload = 64)
    {
        byte[] packet = ScapyEspInteropTests.InnerPacket(new Random(payload), payload);
        IPAddress.Parse(source).GetAddressBytes().CopyTo(packet, 12);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(packet, 16);
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), ScapyEspInteropTests.Checksum(packet.AsSpan(0, 20)));
        return packet;
    }

    private static byte[] InBuffer(byte[] packet, out int offset)
    {
        offset = 128;
        var buffer = new byte[offset + packet.Length + 128];
        packet.CopyTo(buffer, offset);
        return buffer;
    }

    [Test]
    public void ProtectedTrafficCrossesBothGateways()
    {
        byte[] packet = Udp("10.1.0.5", "10.2.0.9");
        byte[] buffer = InBuffer(packet, out int offset);
        Assert.That(_a.ProcessOutbound(buffer, offset, packet.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer[sent.Offset + 9], Is.EqualTo(50), "an ESP packet leaves A");
        Assert.That(_b.ProcessInbound(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(packet));
    }

    [Test]
    public void BypassAndDiscardLeaveThePacketAlone()
    {
        byte[] bypass = Udp("10.1.0.5", "203.0.113.7");
        byte[] buffer = InBuffer(bypass, out int offset);
        Assert.That(_a.ProcessOutbound(buffer, offset, bypass.Length, out EspProcessResult result), Is.EqualTo(IpsecStatus.Bypassed));
        Assert.That(buffer.AsSpan(result.Offset, result.Length).ToArray(), Is.EqualTo(bypass));

        byte[] other = Udp("10.1.0.5", "8.8.8.8");
        buffer = InBuffer(other, out offset);
        Assert.That(_a.ProcessOutbound(buffer, offset, other.Length, out _), Is.EqualTo(IpsecStatus.Discarded));
        Assert.That(buffer.AsSpan(offset, other.Length).ToArray(), Is.EqualTo(other));
    }

    [Test]
    public void AnInnerPacketOutsideThePolicyIsDroppedAfterDecapsulation()
    {
        // A peer holding the SA's keys tunnels traffic the policy never allowed: 10.9.0.1 is not in 10.1.0.0/16.
        var rogue = new EspProcessor(Config.Create(spi: Spi), TunnelAToB());
        byte[] packet = Udp("10.9.0.1", "10.2.0.9");
        byte[] buffer = InBuffer(packet, out int offset);
        Assert.That(rogue.Protect(buffer, offset, packet.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(_b.ProcessInbound(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.That(got.Length, Is.Zero);
        Assert.That(buffer.AsSpan(sent.Offset + 20 + 16, packet.Length).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "the inner packet was cleared");
    }

    [Test]
    public void UnknownSpisAndNonEspTrafficAreReported()
    {
        var stranger = new EspProcessor(Config.Create(spi: 0x0BAD_0001), TunnelAToB());
        byte[] packet = Udp("10.1.0.5", "10.2.0.9");
        byte[] buffer = InBuffer(packet, out int offset);
        Assert.That(stranger.Protect(buffer, offset, packet.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(_b.ProcessInbound(buffer, sent.Offset, sent.Length, out _), Is.EqualTo(IpsecStatus.UnknownSpi));
        byte[] dns = Udp("10.1.0.5", "10.2.0.9");
        BinaryPrimitives.WriteUInt16BigEndian(dns.AsSpan(22), 53);   // plain UDP, not port 4500
        Assert.That(_b.ProcessInbound(dns, 0, dns.Length, out _), Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(_b.ProcessInbound(new byte[] { 0x45, 0, 0, 40, 0, 0, 0 }, 0, 7, out _), Is.EqualTo(IpsecStatus.Truncated));
        Assert.That(_b.ProcessInbound(new byte[7], 0, 7, out _), Is.EqualTo(IpsecStatus.Malformed), "version 0");
    }

    [Test]
    public void BothDirectionsAreAllocationFree()
    {
        byte[] packet = Udp("10.1.0.5", "10.2.0.9", payload: 1000);
        byte[] buffer = InBuffer(packet, out int offset);
        EspProcessResult sent = default;
        Assert.That(Allocations.Measure(() =>
        {
            packet.CopyTo(buffer, offset);
            _a.ProcessOutbound(buffer, offset, packet.Length, out sent);
        }), Is.Zero);
        byte[] protectedCopy = (byte[])buffer.Clone();
        Assert.That(Allocations.Measure(() =>
        {
            protectedCopy.CopyTo(buffer, 0);
            _b.ProcessInbound(buffer, sent.Offset, sent.Length, out _);
        }), Is.Zero);
        protectedCopy.CopyTo(buffer, 0);
        Assert.That(_b.ProcessInbound(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(packet));
    }

    [Test]
    public void AProcessorWithSelectorsCountsMismatches()
    {
        var options = new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse("192.0.2.1"),
            TunnelDestination = IPAddress.Parse("198.51.100.1"),
            TrafficSelectors = [Selector("10.2.0.0/16", "10.1.0.0/16")],
        };
        var sender = new EspProcessor(Config.Create(), TunnelAToB());
        var receiver = new EspProcessor(Config.Create(), options);
        foreach ((string source, IpsecStatus expected) in new[] { ("10.1.3.4", IpsecStatus.Success), ("10.3.0.1", IpsecStatus.PolicyMismatch) })
        {
            byte[] packet = Udp(source, "10.2.0.9");
            byte[] buffer = InBuffer(packet, out int offset);
            Assert.That(sender.Protect(buffer, offset, packet.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
            Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out _), Is.EqualTo(expected), source);
        }

        Assert.That(receiver.SecurityAssociation.Statistics.PolicyMismatches, Is.EqualTo(1));
    }
}
