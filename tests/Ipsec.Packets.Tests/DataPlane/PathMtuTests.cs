using System;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.DataPlane;

/// <summary>The inner-MTU helper against a scan over GetProtectedLength, and the path MTU as Protect honours it.</summary>
public class PathMtuTests
{
    public static IEnumerable<TestCaseData> Layouts()
    {
        foreach (EspConfiguration config in EspConfigurations.All())
        {
            foreach ((bool ipv6, bool udp, int tfc) in new[] { (false, true, 0), (false, false, 0), (true, true, 0), (true, false, 0), (false, true, 1000) })
            {
                yield return new TestCaseData(config, ipv6, udp, tfc).SetArgDisplayNames($"{config}{(ipv6 ? " v6" : " v4")}{(udp ? " udp" : " raw")}{(tfc > 0 ? " tfc" : "")}");
            }
        }
    }

    [TestCaseSource(nameof(Layouts))]
    public void TheInnerMtuIsTheLargestPacketThatFitsForEveryMtu(EspConfiguration config, bool ipv6, bool udp, int tfc)
    {
        using var processor = new EspProcessor(config.Create(tfc: tfc), new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse(ipv6 ? "2001:db8::1" : "192.0.2.1"),
            TunnelDestination = IPAddress.Parse(ipv6 ? "2001:db8::2" : "198.51.100.1"),
            UdpEncapsulation = udp,
        });
        int outer = (ipv6 ? 40 : 20) + (udp ? 8 : 0);
        EspSecurityAssociation sa = processor.SecurityAssociation;

        // The scan: the largest inner length n with outer + GetProtectedLength(n) <= mtu. It only grows with the MTU, so
        // one pass over the lengths covers every MTU.
        int scanned = -1;
        for (int mtu = 576; mtu <= 9000; mtu++)
        {
            while (outer + sa.GetProtectedLength(scanned + 1, 4) <= mtu)
            {
                scanned++;
            }

            int closedForm = processor.GetInnerMtu(mtu);
            if (closedForm != Math.Max(0, scanned))
            {
                Assert.Fail($"MTU {mtu}: closed form {closedForm}, scan {scanned}");
            }
        }

        Assert.That(processor.GetInnerMtu(1500), Is.GreaterThan(0));
    }

    [Test]
    public void ProtectHonoursALoweredPathMtuAndReportsTheInnerMtu()
    {
        (EspProcessor sender, _) = Tunnels.Pair();
        Assert.That(sender.PathMtu, Is.Zero);
        Assert.That(sender.InnerMtu, Is.Zero, "no limit");
        sender.SetPathMtu(1400);
        int innerMtu = sender.InnerMtu;
        Assert.That(innerMtu, Is.EqualTo(sender.GetInnerMtu(1400)));

        byte[] fits = Tunnels.Inner(innerMtu - 28);
        byte[] buffer = Tunnels.InBuffer(fits, out int offset);
        Assert.That(sender.Protect(buffer, offset, fits.Length, out EspProcessResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.Length, Is.LessThanOrEqualTo(1400));

        byte[] tooBig = Tunnels.Inner(innerMtu - 27);
        buffer = Tunnels.InBuffer(tooBig, out offset);
        Assert.That(sender.Protect(buffer, offset, tooBig.Length, out result), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(result.InnerMtu, Is.EqualTo(innerMtu));
        var datagram = IpsecDatagram.Outgoing(offset, tooBig.Length);
        Assert.That(sender.ProtectDatagram(buffer, ref datagram), Is.EqualTo(IpsecStatus.MtuExceeded));
        Assert.That(datagram.InnerMtu, Is.EqualTo(innerMtu));
        Assert.That(buffer.AsSpan(offset, tooBig.Length).ToArray(), Is.EqualTo(tooBig), "a refused packet is left alone");

        sender.SetPathMtu(0);
        Assert.That(sender.Protect(buffer, offset, tooBig.Length, out _), Is.EqualTo(IpsecStatus.Success));
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.SetPathMtu(-1));
    }

    [Test]
    public void MaximumPayloadLengthInvertsGetProtectedLength()
    {
        EspSecurityAssociation sa = new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha2_256_128).Create();
        for (int room = 0; room < 200; room++)
        {
            int n = sa.GetMaximumPayloadLength(room, 4);
            if (n >= 0)
            {
                Assert.That(sa.GetProtectedLength(n, 4), Is.LessThanOrEqualTo(room));
            }

            Assert.That(sa.GetProtectedLength(n + 1, 4), Is.GreaterThan(room), $"room {room}");
        }
    }
}
