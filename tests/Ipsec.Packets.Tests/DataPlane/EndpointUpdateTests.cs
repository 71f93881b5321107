using System;
using System.Buffers.Binary;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.DataPlane;

/// <summary>NAT rebinding: the peer's address and port move while other threads protect packets.</summary>
public class EndpointUpdateTests
{
    private static readonly IpsecEndpoint First = IpsecEndpoint.FromIPAddress(IPAddress.Parse("198.51.100.1"), 4501);
    private static readonly IpsecEndpoint Second = IpsecEndpoint.FromIPAddress(IPAddress.Parse("203.0.113.77"), 31000);

    [Test]
    public void AnUpdateTakesEffectForBothDoors()
    {
        (EspProcessor sender, _) = Tunnels.Pair();
        sender.UpdateRemoteEndpoint(Second);
        Assert.That(sender.RemoteEndpoint, Is.EqualTo(Second));
        byte[] inner = Tunnels.Inner(64);
        byte[] buffer = Tunnels.InBuffer(inner, out int offset);
        var datagram = IpsecDatagram.Outgoing(offset, inner.Length);
        sender.ProtectDatagram(buffer, ref datagram);
        Assert.That(datagram.RemoteEndpoint, Is.EqualTo(Second));

        buffer = new byte[128 + inner.Length + 64];
        inner.CopyTo(buffer, 128);
        sender.Protect(buffer, 128, inner.Length, out EspProcessResult result);
        Assert.That(buffer.AsSpan(result.Offset + 16, 4).ToArray(), Is.EqualTo(new byte[] { 203, 0, 113, 77 }), "outer destination");
        Assert.That(InternetChecksum.IsValid(buffer.AsSpan(result.Offset, 20)), Is.True, "outer checksum over the new address");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(result.Offset + 22)), Is.EqualTo(31000), "UDP destination port");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(result.Offset + 20)), Is.EqualTo(4501), "our port unchanged");
    }

    [Test]
    public void InvalidUpdatesAreRefusedNamingTheField()
    {
        (EspProcessor sender, _) = Tunnels.Pair();
        (EspProcessor raw, _) = Tunnels.Pair(udp: false);
        Assert.Throws<ArgumentException>(() => sender.UpdateRemoteEndpoint(First.WithPort(0)));
        Assert.Throws<ArgumentException>(() => raw.UpdateRemoteEndpoint(First));
        Assert.Throws<ArgumentException>(() => sender.UpdateRemoteEndpoint(IpsecEndpoint.FromIPAddress(IPAddress.Parse("2001:db8::1"), 4500)));
        Assert.Throws<ArgumentException>(() => sender.UpdateRemoteEndpoint(default));
        Assert.That(sender.RemoteEndpoint, Is.EqualTo(First), "a refused update changes nothing");
        raw.UpdateRemoteEndpoint(Second.WithPort(0));
        Assert.That(raw.RemoteEndpoint, Is.EqualTo(Second.WithPort(0)));
    }

    [Test]
    public void ConcurrentProtectorsNeverSeeHalfAnUpdate()
    {
        (EspProcessor sender, EspProcessor receiver) = Tunnels.Pair(replayWindow: 0);
        using var stop = new CancellationTokenSource();
        int torn = 0;
        long packets = 0;
        Task[] workers = new Task[2];
        for (int w = 0; w < workers.Length; w++)
        {
            int seed = w;
            workers[w] = Task.Run(() =>
            {
                byte[] inner = Tunnels.Inner(64, seed: seed);
                var buffer = new byte[256];
                while (!stop.IsCancellationRequested)
                {
                    // Socket path: the addressing decided must be one published pair.
                    inner.CopyTo(buffer, 64);
                    var datagram = IpsecDatagram.Outgoing(64, inner.Length);
                    if (sender.ProtectDatagram(buffer, ref datagram) != IpsecStatus.Success ||
                        (datagram.RemoteEndpoint != First && datagram.RemoteEndpoint != Second))
                    {
                        Interlocked.Increment(ref torn);
                    }

                    // Whole-packet path: outer destination address and UDP port from one pair.
                    inner.CopyTo(buffer, 64);
                    if (sender.Protect(buffer, 64, inner.Length, out EspProcessResult result) != IpsecStatus.Success)
                    {
                        Interlocked.Increment(ref torn);
                        continue;
                    }

                    byte first = buffer[result.Offset + 16];
                    ushort port = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(result.Offset + 22));
                    if (!((first == 198 && port == 4501) || (first == 203 && port == 31000)))
                    {
                        Interlocked.Increment(ref torn);
                    }

                    // Inbound is unaffected: the receiver finds the SA by SPI whatever the sender's addressing.
                    if (receiver.Unprotect(buffer, result.Offset, result.Length, out _) != IpsecStatus.Success)
                    {
                        Interlocked.Increment(ref torn);
                    }

                    Interlocked.Increment(ref packets);
                }
            });
        }

        for (int i = 0; i < 20_000 || Interlocked.Read(ref packets) < 2_000; i++)
        {
            sender.UpdateRemoteEndpoint(i % 2 == 0 ? Second : First);
            if (i % 3 == 0)
            {
                sender.UpdateEndpoints(sender.LocalEndpoint, i % 2 == 0 ? First : Second);
            }
        }

        stop.Cancel();
        Task.WaitAll(workers);
        Assert.That(torn, Is.Zero);
        Assert.That(Interlocked.Read(ref packets), Is.GreaterThanOrEqualTo(2_000));
    }
}
