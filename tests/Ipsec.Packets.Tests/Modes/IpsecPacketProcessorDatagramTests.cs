using System;
using System.Buffers.Binary;
using System.Net;
using Ipsec.Packets.Tests.DataPlane;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// The database-driven processor on the socket-level path, and the two bugs of issue #14: UDP ports other than 4500,
/// and the status before the first SwitchOutbound.
/// </summary>
public class IpsecPacketProcessorDatagramTests
{
    private static readonly IpsecEndpoint LocalA = IpsecEndpoint.FromIPAddress(Tunnels.Local, 4501);
    private static readonly IpsecEndpoint LocalB = IpsecEndpoint.FromIPAddress(Tunnels.Peer, 4501);

    private SecurityAssociationDatabase _sadA = null!, _sadB = null!;
    private IpsecPacketProcessor _a = null!, _b = null!;
    private SecurityPolicy _protectA = null!;
    private SecurityAssociationHandle _outbound = null!;
    private EspProcessor _inbound = null!;

    private static TrafficSelector Selector(string local, string remote) => new()
    {
        LocalAddress = IPAddressRange.FromPrefix(IPNetwork.Parse(local)),
        RemoteAddress = IPAddressRange.FromPrefix(IPNetwork.Parse(remote)),
    };

    [SetUp]
    public void Gateways()
    {
        var spdA = new SecurityPolicyDatabase();
        _protectA = new SecurityPolicy(Selector("10.1.0.0/16", "10.2.0.0/16"), SecurityPolicyAction.Protect, priority: 10);
        spdA.Add(_protectA);
        spdA.Add(new SecurityPolicy(Selector("0.0.0.0/0", "203.0.113.0/24"), SecurityPolicyAction.Bypass, priority: 20));
        _sadA = new SecurityAssociationDatabase();
        _outbound = _sadA.Add(
            new EspProcessor(Tunnels.Gcm.Create(spi: Tunnels.Spi), Tunnels.Options()), SecurityAssociationDirection.Outbound, Tunnels.Peer, policy: _protectA);
        _a = new IpsecPacketProcessor(_sadA, spdA);

        var spdB = new SecurityPolicyDatabase();
        var protectB = new SecurityPolicy(Selector("10.2.0.0/16", "10.1.0.0/16"), SecurityPolicyAction.Protect, priority: 10);
        spdB.Add(protectB);
        _sadB = new SecurityAssociationDatabase();
        _inbound = new EspProcessor(Tunnels.Gcm.Create(spi: Tunnels.Spi), Tunnels.Options(reverse: true));
        _sadB.Add(_inbound, SecurityAssociationDirection.Inbound, Tunnels.Peer, policy: protectB);
        _b = new IpsecPacketProcessor(_sadB, spdB);
    }

    [TearDown]
    public void Dispose()
    {
        _sadA.Dispose();
        _sadB.Dispose();
        _inbound.Dispose();
    }

    private void Switch() => _sadA.SwitchOutbound(_protectA, new SecurityAssociationBundle(_outbound), TimeSpan.Zero);

    [Test]
    public void BeforeSwitchOutboundThereIsNoSecurityAssociation()
    {
        byte[] inner = Tunnels.Inner(64);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        Assert.That(_a.ProcessOutbound(buffer, offset, inner.Length, out _), Is.EqualTo(IpsecStatus.NoSecurityAssociation));
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        Assert.That(_a.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.NoSecurityAssociation));
        Switch();
        Assert.That(_a.ProcessOutbound(buffer, offset, inner.Length, out _), Is.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void EspInUdpOnTheSasPortIsRecognisedWholePacket()
    {
        // Port 4501 on both SAs: every packet used to be NotIpsec at the processor.
        Switch();
        byte[] inner = Tunnels.Inner(64);
        var buffer = new byte[256 + inner.Length];
        inner.CopyTo(buffer, 128);
        Assert.That(_a.ProcessOutbound(buffer, 128, inner.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(sent.Offset + 22)), Is.EqualTo(4501));
        Assert.That(_b.ProcessInbound(buffer, sent.Offset, sent.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(inner));

        // Plain UDP on another port is still not IPsec.
        byte[] dns = Tunnels.Wrap(new byte[40], Tunnels.Local, Tunnels.Peer, 5353, 53, 0, udp: true);
        Assert.That(_b.ProcessInbound(dns, 0, dns.Length, out _), Is.EqualTo(IpsecStatus.NotIpsec));

        // Once the SA leaves, its port is no longer looked at.
        foreach (SecurityAssociationHandle handle in _sadB.GetHandles())
        {
            _sadB.Remove(handle);
        }

        inner.CopyTo(buffer, 128);
        Assert.That(_a.ProcessOutbound(buffer, 128, inner.Length, out sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(_b.ProcessInbound(buffer, sent.Offset, sent.Length, out _), Is.EqualTo(IpsecStatus.NotIpsec));
    }

    [Test]
    public void TheSpdDecidesOnTheSocketPathToo()
    {
        Switch();
        byte[] bypass = Tunnels.Inner(64);
        bypass[16] = 203; bypass[17] = 0; bypass[18] = 113;
        bypass[10] = bypass[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(bypass.AsSpan(10), Ipsec.Packets.Wire.InternetChecksum.Compute(bypass.AsSpan(0, 20)));
        byte[] buffer = Tunnels.InBuffer(bypass, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, bypass.Length);
        Assert.That(_a.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.Bypassed));
        Assert.That(buffer.AsSpan(offset, bypass.Length).ToArray(), Is.EqualTo(bypass));

        byte[] other = Tunnels.Inner(64);
        other[16] = 8;
        other[10] = other[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(other.AsSpan(10), Ipsec.Packets.Wire.InternetChecksum.Compute(other.AsSpan(0, 20)));
        buffer = Tunnels.InBuffer(other, out offset);
        datagram = IpsecDatagram.Outgoing(offset, other.Length);
        Assert.That(_a.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.Discarded));
    }

    [Test]
    public void DatagramsCrossBothGatewaysInBatches()
    {
        Switch();
        const int Count = 16;
        const int Slot = 512;
        var buffer = new byte[Count * Slot];
        var datagrams = new IpsecDatagram[Count];
        var inners = new byte[Count][];
        for (int i = 0; i < Count; i++)
        {
            inners[i] = Tunnels.Inner(20 + 9 * i, seed: i);
            inners[i].CopyTo(buffer, i * Slot + IpsecDatagram.MaximumHeadroom);
            datagrams[i] = IpsecDatagram.Outgoing(i * Slot + IpsecDatagram.MaximumHeadroom, inners[i].Length);
        }

        Assert.That(_a.ProtectDatagrams(buffer, datagrams), Is.EqualTo(Count));
        Assert.That(_outbound.PacketsProcessed, Is.EqualTo(Count), "lifetime accounting per packet");
        for (int i = 0; i < Count; i++)
        {
            Assert.That(datagrams[i].RemoteEndpoint, Is.EqualTo(LocalB));
            Assert.That(datagrams[i].SequenceNumber, Is.EqualTo((ulong)i + 1));
            datagrams[i] = IpsecDatagram.Received(datagrams[i].Offset, datagrams[i].Length, LocalB, LocalA, datagrams[i].TrafficClass);
        }

        // A keepalive and a forged packet in the middle of the batch.
        datagrams[5] = IpsecDatagram.Received(5 * Slot, 1, LocalB, LocalA, 0);
        buffer[5 * Slot] = 0xFF;
        buffer[datagrams[9].Offset + datagrams[9].Length - 1] ^= 1;

        Assert.That(_b.UnprotectDatagrams(buffer, datagrams), Is.EqualTo(Count - 2));
        Assert.That(datagrams[5].Status, Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(datagrams[9].Status, Is.EqualTo(IpsecStatus.AuthenticationFailed));
        for (int i = 0; i < Count; i++)
        {
            if (i is not (5 or 9))
            {
                Assert.That(buffer.AsSpan(datagrams[i].Offset, datagrams[i].Length).ToArray(), Is.EqualTo(inners[i]), $"packet {i}");
            }
        }

        Assert.That(_inbound.SecurityAssociation.Statistics.PacketsUnprotected, Is.EqualTo(Count - 2));
        Assert.That(_inbound.SecurityAssociation.Statistics.AuthenticationFailures, Is.EqualTo(1));
    }

    [Test]
    public void UnknownSpiNotIpsecAndPolicyMismatchOnTheSocketPath()
    {
        Switch();
        var stranger = new EspProcessor(Tunnels.Gcm.Create(spi: 0x0BAD_0001), Tunnels.Options());
        byte[] inner = Tunnels.Inner(64);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        stranger.ProtectDatagram(buffer, ref datagram);
        var received = IpsecDatagram.Received(datagram.Offset, datagram.Length, LocalB, LocalA, 0);
        Assert.That(_b.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.UnknownSpi));

        byte[] ike = [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        received = IpsecDatagram.Received(0, ike.Length, LocalB, LocalA, 0);
        Assert.That(_b.UnprotectDatagram(ike, ref received), Is.EqualTo(IpsecStatus.NotIpsec));

        // A peer with the keys tunnels traffic outside the policy the SA serves.
        var rogue = new EspProcessor(Tunnels.Gcm.Create(spi: Tunnels.Spi), Tunnels.Options());
        byte[] outside = Tunnels.Inner(64);
        outside[13] = 9;
        outside[10] = outside[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(outside.AsSpan(10), Ipsec.Packets.Wire.InternetChecksum.Compute(outside.AsSpan(0, 20)));
        buffer = Tunnels.InBuffer(outside, out offset);
        datagram = IpsecDatagram.Outgoing(offset, outside.Length);
        rogue.ProtectDatagram(buffer, ref datagram);
        received = IpsecDatagram.Received(datagram.Offset, datagram.Length, LocalB, LocalA, 0);
        Assert.That(_b.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.That(received.Offset, Is.EqualTo(datagram.Offset), "a refused descriptor keeps its range");
        Assert.That(buffer.AsSpan(datagram.Offset + 16, outside.Length).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "inner packet cleared");
    }

    [Test]
    public void TheProcessorSocketPathAllocatesNothing()
    {
        Switch();
        const int Count = 32;
        const int Slot = 2048;
        var buffer = new byte[Count * Slot];
        var datagrams = new IpsecDatagram[Count];
        byte[] inner = Tunnels.Inner(1000);
        long allocated = Allocations.Measure(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                inner.CopyTo(buffer, i * Slot + 64);
                datagrams[i] = IpsecDatagram.Outgoing(i * Slot + 64, inner.Length);
            }

            _a.ProtectDatagrams(buffer, datagrams);
            for (int i = 0; i < Count; i++)
            {
                datagrams[i] = IpsecDatagram.Received(datagrams[i].Offset, datagrams[i].Length, LocalB, LocalA, datagrams[i].TrafficClass);
            }

            if (_b.UnprotectDatagrams(buffer, datagrams) != Count)
            {
                throw new InvalidOperationException($"a packet failed: {datagrams[0].Status}");
            }
        });
        Assert.That(allocated, Is.Zero);
    }
}
