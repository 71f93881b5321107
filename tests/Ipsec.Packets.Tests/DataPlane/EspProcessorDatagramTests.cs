using System;
using System.Buffers.Binary;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.DataPlane;

/// <summary>The socket-level path of <see cref="EspProcessor"/>: datagram payloads in, inner packets out, and back.</summary>
public class EspProcessorDatagramTests
{
    private static readonly IpsecEndpoint LocalEndpoint = IpsecEndpoint.FromIPAddress(Tunnels.Local, 4501);
    private static readonly IpsecEndpoint PeerEndpoint = IpsecEndpoint.FromIPAddress(Tunnels.Peer, 4501);

    [TestCase(true)]
    [TestCase(false)]
    public void ADatagramRoundTripsAndSaysWhereToSendIt(bool udp)
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair(udp: udp);
        byte[] inner = Tunnels.Inner(200, tos: (46 << 2) | 3); // DSCP EF, CE
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.Success));
        Assert.Multiple(() =>
        {
            Assert.That(datagram.Status, Is.EqualTo(IpsecStatus.Success));
            Assert.That(datagram.Offset, Is.EqualTo(offset - sender.DatagramHeadroom));
            Assert.That(datagram.Length, Is.EqualTo(sender.SecurityAssociation.GetProtectedLength(inner.Length, 4)));
            Assert.That(BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(datagram.Offset)), Is.EqualTo(Tunnels.Spi), "the payload starts with the SPI");
            Assert.That(datagram.RemoteEndpoint, Is.EqualTo(udp ? PeerEndpoint : PeerEndpoint.WithPort(0)));
            Assert.That(datagram.LocalEndpoint, Is.EqualTo(udp ? LocalEndpoint : LocalEndpoint.WithPort(0)));
            Assert.That(datagram.Dscp, Is.EqualTo(46), "DSCP copied");
            Assert.That(datagram.Ecn, Is.EqualTo(2), "RFC 6040: CE inside becomes ECT(0) outside");
            Assert.That(datagram.SequenceNumber, Is.EqualTo(1UL));
            Assert.That(datagram.Spi, Is.EqualTo(Tunnels.Spi));
        });

        var received = IpsecDatagram.Received(datagram.Offset, datagram.Length, datagram.RemoteEndpoint, datagram.LocalEndpoint, datagram.TrafficClass);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(received.Offset, received.Length).ToArray(), Is.EqualTo(inner), "CE inside stays CE");
        Assert.That(received.SequenceNumber, Is.EqualTo(1UL));
        Assert.That(receiver.SecurityAssociation.Statistics.PacketsUnprotected, Is.EqualTo(1));
        Assert.That(sender.SecurityAssociation.Statistics.PacketsProtected, Is.EqualTo(1));
    }

    [Test]
    public void TheDatagramPathAndTheWholePacketPathInteroperate()
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair();
        byte[] inner = Tunnels.Inner(300);

        // Datagram out, whole packet in: the kernel's headers around the payload.
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.Success));
        byte[] wire = Tunnels.Wrap(buffer.AsSpan(datagram.Offset, datagram.Length), Tunnels.Local, Tunnels.Peer, 4501, 4501, datagram.TrafficClass, udp: true);
        Assert.That(receiver.Unprotect(wire, 0, wire.Length, out EspProcessResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(wire.AsSpan(result.Offset, result.Length).ToArray(), Is.EqualTo(inner));

        // Whole packet out, datagram in: the payload after the outer IPv4 and UDP headers.
        buffer = new byte[256 + inner.Length + 128];
        inner.CopyTo(buffer, 256);
        Assert.That(sender.Protect(buffer, 256, inner.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        var received = IpsecDatagram.Received(sent.Offset + 28, sent.Length - 28, LocalEndpoint, PeerEndpoint, buffer[sent.Offset + 1]);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(received.Offset, received.Length).ToArray(), Is.EqualTo(inner));
        Assert.That(received.SequenceNumber, Is.EqualTo(2UL), "one sequence space for both doors");
    }

    [TestCase(2, 1, 1)]   // ECT(0) inside, ECT(1) outside -> ECT(1)
    [TestCase(2, 3, 3)]   // ECT(0) inside, CE outside -> CE
    [TestCase(0, 2, 0)]   // Not-ECT stays Not-ECT
    public void TheReceivedTosDrivesRfc6040Decapsulation(int innerEcn, int outerEcn, int expectedEcn)
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair();
        byte[] inner = Tunnels.Inner(64, tos: (byte)innerEcn);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        sender.ProtectDatagram(buffer, ref datagram);
        var received = IpsecDatagram.Received(datagram.Offset, datagram.Length, LocalEndpoint, PeerEndpoint, (byte)(0x28 | outerEcn));
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer[received.Offset + 1] & 3, Is.EqualTo(expectedEcn));
        Assert.That(InternetChecksum.IsValid(buffer.AsSpan(received.Offset, 20)), Is.True, "the inner header checksum follows the ECN change");
    }

    [Test]
    public void CeOutsideANotEctPacketIsDropped()
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair();
        byte[] inner = Tunnels.Inner(64, tos: 0);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        sender.ProtectDatagram(buffer, ref datagram);
        var received = IpsecDatagram.Received(datagram.Offset, datagram.Length, LocalEndpoint, PeerEndpoint, 3);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.EcnDrop));
        Assert.That(received.Offset, Is.EqualTo(datagram.Offset), "a failed descriptor keeps its range");
        Assert.That(buffer.AsSpan(datagram.Offset + receiver.DatagramHeadroom, inner.Length).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "plaintext cleared");
    }

    [TestCase(new byte[] { 0xFF }, TestName = "NatKeepalive")]
    [TestCase(new byte[] { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, TestName = "IkeNonEspMarker")]
    public void NonEspPayloadsAreNotIpsecAndTouchNothing(byte[] payload)
    {
        (_, EspProcessor receiver) = Tunnels.Pair();
        SecurityAssociationStatistics before = receiver.SecurityAssociation.Statistics;
        byte[] buffer = (byte[])payload.Clone();
        var received = IpsecDatagram.Received(0, buffer.Length, LocalEndpoint, PeerEndpoint, 0);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.NotIpsec));
        Assert.That(receiver.SecurityAssociation.Statistics, Is.EqualTo(before));
        Assert.That(buffer, Is.EqualTo(payload));
    }

    [Test]
    public void ReplayedForgedAndTruncatedDatagramsAreRefusedAndCounted()
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair();
        byte[] inner = Tunnels.Inner(100);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        sender.ProtectDatagram(buffer, ref datagram);
        byte[] payload = buffer.AsSpan(datagram.Offset, datagram.Length).ToArray();

        byte[] copy = (byte[])payload.Clone();
        var received = IpsecDatagram.Received(0, copy.Length, LocalEndpoint, PeerEndpoint, 0);
        Assert.That(receiver.UnprotectDatagram(copy, ref received), Is.EqualTo(IpsecStatus.Success));
        copy = (byte[])payload.Clone();
        received = IpsecDatagram.Received(0, copy.Length, LocalEndpoint, PeerEndpoint, 0);
        Assert.That(receiver.UnprotectDatagram(copy, ref received), Is.EqualTo(IpsecStatus.Replayed));

        inner.CopyTo(buffer, offset);
        datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        sender.ProtectDatagram(buffer, ref datagram);
        buffer[datagram.Offset + datagram.Length - 1] ^= 1;
        received = IpsecDatagram.Received(datagram.Offset, datagram.Length, LocalEndpoint, PeerEndpoint, 0);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.AuthenticationFailed));
        received = IpsecDatagram.Received(datagram.Offset, 12, LocalEndpoint, PeerEndpoint, 0);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.Truncated));

        SecurityAssociationStatistics statistics = receiver.SecurityAssociation.Statistics;
        Assert.That(statistics.ReplayDrops, Is.EqualTo(1));
        Assert.That(statistics.AuthenticationFailures, Is.EqualTo(1));
        Assert.That(statistics.MalformedDrops, Is.EqualTo(1));
        Assert.That(statistics.PacketsUnprotected, Is.EqualTo(1));
    }

    [Test]
    public void TheSelectorsOfTheSaAreChecked()
    {
        var selector = new TrafficSelector
        {
            LocalAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("10.2.0.0/16")),
            RemoteAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("10.1.0.0/16")),
        };
        EspProcessorOptions reverse = Tunnels.Options(reverse: true);
        var options = new EspProcessorOptions
        {
            TunnelSource = reverse.TunnelSource, TunnelDestination = reverse.TunnelDestination, UdpEncapsulation = true,
            UdpSourcePort = 4501, UdpDestinationPort = 4501, TrafficSelectors = [selector],
        };
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair(receiverOptions: options);
        byte[] inner = Tunnels.Inner(64);
        inner[12] = 10; inner[13] = 9; // source 10.9.0.x: outside the selector
        inner[10] = inner[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(10), InternetChecksum.Compute(inner.AsSpan(0, 20)));
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        sender.ProtectDatagram(buffer, ref datagram);
        var received = IpsecDatagram.Received(datagram.Offset, datagram.Length, LocalEndpoint, PeerEndpoint, 0);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.PolicyMismatch));
        Assert.That(receiver.SecurityAssociation.Statistics.PolicyMismatches, Is.EqualTo(1));
    }

    [Test]
    public void AMalformedInnerPacketIsRefusedAfterDecryption()
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair();
        byte[] inner = Tunnels.Inner(64);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        sender.ProtectDatagram(buffer, ref datagram);
        // Protect a second, broken inner packet directly with the SA (next header 4, but the bytes are not IPv4).
        var junk = new byte[64];
        junk[0] = 0x45;
        var esp = new byte[200];
        Assert.That(sender.SecurityAssociation.Protect(junk, 4, esp, out int written), Is.EqualTo(IpsecStatus.Success));
        var received = IpsecDatagram.Received(0, written, LocalEndpoint, PeerEndpoint, 0);
        Assert.That(receiver.UnprotectDatagram(esp, ref received), Is.EqualTo(IpsecStatus.Malformed));
    }

    [Test]
    public void ABatchGetsConsecutiveSequenceNumbersAndPerPacketStatuses()
    {
        const int Count = 32;
        const int Slot = 2048;
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair(replayWindow: 128);
        sender.SetPathMtu(1400);
        var buffer = new byte[Count * Slot];
        var datagrams = new IpsecDatagram[Count];
        var inners = new byte[Count][];
        for (int i = 0; i < Count; i++)
        {
            inners[i] = Tunnels.Inner(i == 7 ? 1500 : 10 + i * 37, seed: i);
            inners[i].CopyTo(buffer, i * Slot + IpsecDatagram.MaximumHeadroom);
            datagrams[i] = IpsecDatagram.Outgoing(i * Slot + IpsecDatagram.MaximumHeadroom, inners[i].Length);
        }

        datagrams[11].Length = 10; // truncated
        Assert.That(sender.ProtectDatagrams(buffer, datagrams), Is.EqualTo(Count - 2));
        Assert.That(datagrams[7].Status, Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(datagrams[7].InnerMtu, Is.EqualTo(sender.InnerMtu));
        Assert.That(datagrams[11].Status, Is.EqualTo(IpsecStatus.Truncated));
        ulong expected = 1;
        for (int i = 0; i < Count; i++)
        {
            if (i is 7 or 11)
            {
                continue;
            }

            Assert.That(datagrams[i].Status, Is.EqualTo(IpsecStatus.Success));
            Assert.That(datagrams[i].SequenceNumber, Is.EqualTo(expected++), "one reservation, handed out in order");
            Assert.That(datagrams[i].RemoteEndpoint, Is.EqualTo(PeerEndpoint));
        }

        Assert.That(sender.SecurityAssociation.Statistics.PacketsProtected, Is.EqualTo(Count - 2));
        Assert.That(sender.SecurityAssociation.OutboundSequenceNumber, Is.EqualTo((ulong)(Count - 2)), "no sequence number spent on a refused packet");

        var received = new IpsecDatagram[Count];
        for (int i = 0; i < Count; i++)
        {
            received[i] = IpsecDatagram.Received(datagrams[i].Offset, datagrams[i].Length, LocalEndpoint, PeerEndpoint, datagrams[i].TrafficClass);
        }

        Assert.That(receiver.UnprotectDatagrams(buffer, received), Is.EqualTo(Count - 2));
        for (int i = 0; i < Count; i++)
        {
            if (i is 7 or 11)
            {
                Assert.That(received[i].Status, Is.Not.EqualTo(IpsecStatus.Success));
                continue;
            }

            Assert.That(buffer.AsSpan(received[i].Offset, received[i].Length).ToArray(), Is.EqualTo(inners[i]), $"packet {i}");
        }
    }

    [Test]
    public void ABatchNearExhaustionUsesTheLastSequenceNumbersAndCountsTheRest()
    {
        // RFC 4303 §3.3.3: without ESN the counter never wraps; a batch larger than what is left gets the last numbers,
        // and every packet beyond them is SequenceExhausted and counted as such.
        const int Count = 5;
        const int Slot = 512;
        var sender = new EspProcessor(Tunnels.Gcm.Create(spi: Tunnels.Spi, lastSent: uint.MaxValue - 2), Tunnels.Options());
        var buffer = new byte[Count * Slot];
        var datagrams = new IpsecDatagram[Count];
        for (int i = 0; i < Count; i++)
        {
            byte[] inner = Tunnels.Inner(100, seed: i);
            inner.CopyTo(buffer, i * Slot + IpsecDatagram.MaximumHeadroom);
            datagrams[i] = IpsecDatagram.Outgoing(i * Slot + IpsecDatagram.MaximumHeadroom, inner.Length);
        }

        Assert.That(sender.ProtectDatagrams(buffer, datagrams), Is.EqualTo(2));
        Assert.That(datagrams[0].SequenceNumber, Is.EqualTo((ulong)uint.MaxValue - 1));
        Assert.That(datagrams[1].SequenceNumber, Is.EqualTo((ulong)uint.MaxValue));
        for (int i = 2; i < Count; i++)
        {
            Assert.That(datagrams[i].Status, Is.EqualTo(IpsecStatus.SequenceExhausted), $"packet {i}");
        }

        SecurityAssociationStatistics statistics = sender.SecurityAssociation.Statistics;
        Assert.That(statistics.PacketsProtected, Is.EqualTo(2));
        Assert.That(statistics.SequenceExhaustedDrops, Is.EqualTo(Count - 2));

        // A batch that gets nothing: each packet counted once more.
        IpsecDatagram[] more = [datagrams[2], datagrams[3]];
        Assert.That(sender.ProtectDatagrams(buffer, more), Is.Zero);
        Assert.That(more[0].Status, Is.EqualTo(IpsecStatus.SequenceExhausted));
        Assert.That(sender.SecurityAssociation.Statistics.SequenceExhaustedDrops, Is.EqualTo(Count));
    }

    [Test]
    public void TheBatchPathsAllocateNothing()
    {
        const int Count = 32;
        const int Slot = 2048;
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair(replayWindow: 0);
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

            sender.ProtectDatagrams(buffer, datagrams);
            for (int i = 0; i < Count; i++)
            {
                datagrams[i] = IpsecDatagram.Received(datagrams[i].Offset, datagrams[i].Length, LocalEndpoint, PeerEndpoint, datagrams[i].TrafficClass);
            }

            if (receiver.UnprotectDatagrams(buffer, datagrams) != Count)
            {
                throw new InvalidOperationException("a packet failed");
            }
        });
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void TransportModeRefusesTheSocketPath()
    {
        var processor = new EspProcessor(Tunnels.Gcm.Create(), new EspProcessorOptions { Mode = IpsecMode.Transport });
        var datagram = IpsecDatagram.Outgoing(0, 20);
        Assert.Throws<InvalidOperationException>(() => processor.ProtectDatagram(new byte[64], ref datagram));
    }

    [Test]
    public void ADescriptorOutsideTheBufferThrowsBeforeAnythingIsProtected()
    {
        (EspProcessor sender, _) = Tunnels.Pair();
        byte[] inner = Tunnels.Inner(64);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagrams = new[] { IpsecDatagram.Outgoing(offset, inner.Length), IpsecDatagram.Outgoing(buffer.Length - 4, 8) };
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.ProtectDatagrams(buffer, datagrams));
        Assert.That(sender.SecurityAssociation.OutboundSequenceNumber, Is.Zero);
    }
}

/// <summary>The socket path over IPv6 tunnel endpoints.</summary>
public class EspProcessorDatagramIPv6Tests
{
    [Test]
    public void AnIPv6TunnelSaysWhereToSendAndFitsItsInnerMtu()
    {
        EspProcessorOptions Options(string local, string remote) => new()
        {
            TunnelSource = IPAddress.Parse(local), TunnelDestination = IPAddress.Parse(remote), UdpEncapsulation = true, Mtu = 1280,
        };
        using var sender = new EspProcessor(Tunnels.Gcm.Create(spi: Tunnels.Spi), Options("2001:db8::1", "2001:db8::2"));
        using var receiver = new EspProcessor(Tunnels.Gcm.Create(spi: Tunnels.Spi), Options("2001:db8::2", "2001:db8::1"));
        Assert.That(sender.InnerMtu, Is.EqualTo(sender.GetInnerMtu(1280)));
        Assert.That(sender.InnerMtu, Is.LessThan(new EspProcessor(Tunnels.Gcm.Create(), Tunnels.Options(mtu: 1280)).InnerMtu), "40-byte outer header");

        byte[] inner = Tunnels.Inner(sender.InnerMtu - 28, tos: 0xB8);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.Success));
        Assert.That(datagram.RemoteEndpoint, Is.EqualTo(IpsecEndpoint.FromIPAddress(IPAddress.Parse("2001:db8::2"), 4500)));
        Assert.That(datagram.TrafficClass, Is.EqualTo(0xB8));
        Assert.That(40 + 8 + datagram.Length, Is.LessThanOrEqualTo(1280));

        var received = IpsecDatagram.Received(datagram.Offset, datagram.Length, datagram.RemoteEndpoint, datagram.LocalEndpoint, datagram.TrafficClass);
        Assert.That(receiver.UnprotectDatagram(buffer, ref received), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(received.Offset, received.Length).ToArray(), Is.EqualTo(inner));

        inner = Tunnels.Inner(sender.InnerMtu - 27);
        buffer = Tunnels.InBuffer(inner, out offset);
        datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.MtuExceeded));
    }

    [Test]
    public void ADisposedSaThrowsBeforeTouchingTheBatch()
    {
        (EspProcessor sender, _) = Tunnels.Pair();
        sender.Dispose();
        byte[] inner = Tunnels.Inner(64);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagrams = new[] { IpsecDatagram.Outgoing(offset, inner.Length) };
        Assert.Throws<ObjectDisposedException>(() => sender.ProtectDatagrams(buffer, datagrams));
        Assert.That(datagrams[0].Status, Is.EqualTo(IpsecStatus.Success), "untouched (default)");
        Assert.That(buffer.AsSpan(offset, inner.Length).ToArray(), Is.EqualTo(inner));
    }
}
