using System;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

public class SecurityAssociationDatabaseLookupTests
{
    private static readonly IPAddress V4Dst = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress V4Src = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress V4Other = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress V6Dst = IPAddress.Parse("2001:db8::1");
    private static readonly IPAddress V6Src = IPAddress.Parse("2001:db8:ffff::7");
    private static readonly IPAddress V6Other = IPAddress.Parse("2001:db8:1234::9");

    private static byte[] B(IPAddress a) => a.GetAddressBytes();

    [TestCase("192.0.2.1", "198.51.100.7", "203.0.113.9")]
    [TestCase("2001:db8::1", "2001:db8:ffff::7", "2001:db8:1234::9")]
    public void MostSpecificEntryWins(string dstText, string srcText, string otherText)
    {
        IPAddress dst = IPAddress.Parse(dstText), src = IPAddress.Parse(srcText), other = IPAddress.Parse(otherText);
        using var sad = new SecurityAssociationDatabase();
        const uint Spi = 0x1000;
        SecurityAssociationHandle spiOnly = sad.Add(new FakeSecurityAssociation(Spi), SecurityAssociationDirection.Inbound);
        SecurityAssociationHandle withDst = sad.Add(new FakeSecurityAssociation(Spi), SecurityAssociationDirection.Inbound, dst);
        SecurityAssociationHandle withBoth = sad.Add(new FakeSecurityAssociation(Spi), SecurityAssociationDirection.Inbound, dst, src);

        Assert.Multiple(() =>
        {
            Assert.That(sad.FindInbound(Spi, B(dst), B(src), out SecurityAssociationHandle? h1), Is.EqualTo(IpsecStatus.Success));
            Assert.That(h1, Is.SameAs(withBoth), "SPI + destination + source beats the others");
            Assert.That(sad.FindInbound(Spi, B(dst), B(other), out SecurityAssociationHandle? h2), Is.EqualTo(IpsecStatus.Success));
            Assert.That(h2, Is.SameAs(withDst), "another source falls back to SPI + destination");
            Assert.That(sad.FindInbound(Spi, B(dst), default, out SecurityAssociationHandle? h3), Is.EqualTo(IpsecStatus.Success));
            Assert.That(h3, Is.SameAs(withDst), "no source given");
            Assert.That(sad.FindInbound(Spi, B(other), B(src), out SecurityAssociationHandle? h4), Is.EqualTo(IpsecStatus.Success));
            Assert.That(h4, Is.SameAs(spiOnly), "another destination falls back to the SPI-only entry");
            Assert.That(sad.FindInbound(Spi, default, default, out SecurityAssociationHandle? h5), Is.EqualTo(IpsecStatus.Success));
            Assert.That(h5, Is.SameAs(spiOnly));
            Assert.That(sad.FindInbound(Spi + 1, B(dst), B(src), out SecurityAssociationHandle? h6), Is.EqualTo(IpsecStatus.UnknownSpi));
            Assert.That(h6, Is.Null);
        });

        Assert.That(sad.Remove(withBoth), Is.True);
        Assert.That(sad.FindInbound(Spi, B(dst), B(src), out SecurityAssociationHandle? after), Is.EqualTo(IpsecStatus.Success));
        Assert.That(after, Is.SameAs(withDst), "once the most specific entry is gone the next one answers");
        Assert.That(sad.Remove(withDst), Is.True);
        Assert.That(sad.Remove(withDst), Is.False, "removing twice");
        Assert.That(sad.FindInbound(Spi, B(dst), B(src), out SecurityAssociationHandle? last), Is.EqualTo(IpsecStatus.Success));
        Assert.That(last, Is.SameAs(spiOnly));
    }

    [Test]
    public void WithoutSpiOnlyEntryOtherDestinationsAreUnknown()
    {
        using var sad = new SecurityAssociationDatabase();
        sad.Add(new FakeSecurityAssociation(0x2000), SecurityAssociationDirection.Inbound, V4Dst);
        Assert.That(sad.FindInbound(0x2000, B(V4Other), default, out _), Is.EqualTo(IpsecStatus.UnknownSpi));
        Assert.That(sad.FindInbound(0x2000, default, default, out _), Is.EqualTo(IpsecStatus.UnknownSpi));
        Assert.That(sad.FindInbound(0x2000, B(V4Dst), default, out SecurityAssociationHandle? found), Is.EqualTo(IpsecStatus.Success));
        Assert.That(found!.Spi, Is.EqualTo(0x2000u));
    }

    [Test]
    public void IPv4AndIPv6WithSameBitsDoNotCollide()
    {
        // ::c000:201 has the same low 32 bits as 192.0.2.1.
        using var sad = new SecurityAssociationDatabase();
        SecurityAssociationHandle v4 = sad.Add(new FakeSecurityAssociation(0x3000), SecurityAssociationDirection.Inbound, V4Dst);
        SecurityAssociationHandle v6 = sad.Add(new FakeSecurityAssociation(0x3000), SecurityAssociationDirection.Inbound, IPAddress.Parse("::c000:201"));
        Assert.That(sad.FindInbound(0x3000, B(V4Dst), default, out SecurityAssociationHandle? h4), Is.EqualTo(IpsecStatus.Success));
        Assert.That(sad.FindInbound(0x3000, B(IPAddress.Parse("::c000:201")), default, out SecurityAssociationHandle? h6), Is.EqualTo(IpsecStatus.Success));
        Assert.That(h4, Is.SameAs(v4));
        Assert.That(h6, Is.SameAs(v6));
        Assert.That(v6.DestinationAddress, Is.EqualTo(IPAddress.Parse("::c000:201")));
    }

    [Test]
    public void InboundAndOutboundAreSeparate()
    {
        using var sad = new SecurityAssociationDatabase();
        SecurityAssociationHandle inbound = sad.Add(new FakeSecurityAssociation(0x4000), SecurityAssociationDirection.Inbound, V6Dst);
        SecurityAssociationHandle outbound = sad.Add(new FakeSecurityAssociation(0x4000), SecurityAssociationDirection.Outbound, V6Dst);
        Assert.That(sad.FindInbound(0x4000, B(V6Dst), B(V6Src), out SecurityAssociationHandle? i), Is.EqualTo(IpsecStatus.Success));
        Assert.That(sad.FindOutbound(0x4000, B(V6Dst), out SecurityAssociationHandle? o), Is.EqualTo(IpsecStatus.Success));
        Assert.That(i, Is.SameAs(inbound));
        Assert.That(o, Is.SameAs(outbound));
        Assert.That(sad.FindOutbound(0x4000, B(V6Other), out _), Is.EqualTo(IpsecStatus.UnknownSpi));
    }

    [TestCase(0u)]
    [TestCase(1u)]
    [TestCase(255u)]
    public void ReservedSpisAreRejected(uint spi)
    {
        using var sad = new SecurityAssociationDatabase();
        ArgumentException? e = Assert.Throws<ArgumentException>(() => sad.Add(new FakeSecurityAssociation(spi), SecurityAssociationDirection.Inbound));
        Assert.That(e!.Message, Does.Contain("Spi"));
        Assert.That(sad.Count, Is.Zero);
        Assert.That(sad.Add(new FakeSecurityAssociation(256), SecurityAssociationDirection.Inbound).Spi, Is.EqualTo(256u));
    }

    [Test]
    public void ConfigurationErrorsThrow()
    {
        using var sad = new SecurityAssociationDatabase();
        sad.Add(new FakeSecurityAssociation(0x5000), SecurityAssociationDirection.Inbound, V4Dst);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => sad.Add(new FakeSecurityAssociation(0x5000), SecurityAssociationDirection.Inbound, V4Dst), "duplicate key");
            Assert.Throws<ArgumentException>(() => sad.Add(new FakeSecurityAssociation(0x5001), SecurityAssociationDirection.Inbound, null, V4Src), "source without destination");
            Assert.Throws<ArgumentException>(() => sad.Add(new FakeSecurityAssociation(0x5002), SecurityAssociationDirection.Inbound, V4Dst, V6Src), "mixed families");
            Assert.Throws<ArgumentException>(() => sad.Add(
                new FakeSecurityAssociation(0x5003), SecurityAssociationDirection.Inbound,
                lifetime: new SecurityAssociationLifetime { SoftPacketLimit = 10, HardPacketLimit = 5 }), "soft above hard");
            Assert.Throws<ArgumentException>(() => sad.Add(
                new FakeSecurityAssociation(0x5004), SecurityAssociationDirection.Inbound,
                policy: new SecurityPolicy(TrafficSelector.Any, SecurityPolicyAction.Bypass)), "policy not Protect");
            Assert.Throws<ArgumentException>(() => sad.FindInbound(0x5000, new byte[5], default, out _), "address length");
        });
        Assert.That(sad.Count, Is.EqualTo(1));
    }

    [Test]
    public void LookupsDoNotAllocate()
    {
        using var sad = new SecurityAssociationDatabase();
        for (uint spi = 0x1000; spi < 0x1100; spi++)
        {
            sad.Add(new FakeSecurityAssociation(spi), SecurityAssociationDirection.Inbound, V6Dst, (spi & 1) == 0 ? V6Src : null);
            sad.Add(new FakeSecurityAssociation(spi), SecurityAssociationDirection.Inbound);
        }

        byte[] dst = B(V6Dst), src = B(V6Src), dst4 = B(V4Dst);
        long allocated = Allocations.Measure(() =>
        {
            for (uint spi = 0x1000; spi < 0x1100; spi++)
            {
                sad.FindInbound(spi, dst, src, out _);
                sad.FindInbound(spi, dst4, default, out _);
            }

            sad.FindInbound(0x9999, dst, src, out _);
        });
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void HandleDescribesItselfWithoutKeys()
    {
        using var sad = new SecurityAssociationDatabase();
        SecurityAssociationHandle handle = sad.Add(new FakeSecurityAssociation(0x1234), SecurityAssociationDirection.Outbound, V4Dst, V4Src);
        Assert.That(handle.ToString(), Is.EqualTo("outbound spi=0x00001234 dst=192.0.2.1 src=198.51.100.7 Active"));
        Assert.That(handle.SourceAddress, Is.EqualTo(V4Src));
        Assert.That(handle.DestinationAddress, Is.EqualTo(V4Dst));
    }

    [Test]
    public void GrowingKeepsEveryEntryFindable()
    {
        using var sad = new SecurityAssociationDatabase();
        var random = new Random(1234);
        var spis = new uint[5000];
        for (int i = 0; i < spis.Length; i++)
        {
            spis[i] = (uint)(0x10000 + i);
            sad.Add(new FakeSecurityAssociation(spis[i]), SecurityAssociationDirection.Inbound, V4Dst);
        }

        // Remove a random third, then check every SPI.
        var removed = new bool[spis.Length];
        foreach (SecurityAssociationHandle h in sad.GetHandles())
        {
            if (random.Next(3) == 0)
            {
                removed[h.Spi - 0x10000] = true;
                Assert.That(sad.Remove(h), Is.True);
            }
        }

        for (int i = 0; i < spis.Length; i++)
        {
            IpsecStatus status = sad.FindInbound(spis[i], B(V4Dst), default, out SecurityAssociationHandle? h);
            Assert.That(status, Is.EqualTo(removed[i] ? IpsecStatus.UnknownSpi : IpsecStatus.Success), $"spi {spis[i]:x}");
            Assert.That(h?.Spi ?? spis[i], Is.EqualTo(spis[i]));
        }

        Assert.That(sad.MeanProbe(), Is.LessThanOrEqualTo(2.0));
        Assert.That(sad.LongestProbe(), Is.LessThanOrEqualTo(32));
    }

    /// <summary>
    /// Random adds and removes over a small key space (so tables fill with removed slots, rebuild, grow, wrap at their end
    /// and hold many keys that share an SPI), checked every 50 steps against a dictionary: every key is found exactly when
    /// the model has it (or a less specific key the lookup falls back to), and as the entry the model holds.
    /// </summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void RandomAddsAndRemovesAgreeWithAModel(int seed)
    {
        var random = new Random(seed);
        IPAddress?[] destinations = [null, V4Dst, V4Other, V6Dst, V6Other];
        IPAddress?[] sources = [null, V4Src, V6Src];
        var keys = new List<Key>();
        for (uint spi = 0x100; spi < 0x100 + 40; spi++)
        {
            foreach (SecurityAssociationDirection direction in new[] { SecurityAssociationDirection.Inbound, SecurityAssociationDirection.Outbound })
            {
                foreach (IPAddress? destination in destinations)
                {
                    foreach (IPAddress? source in sources)
                    {
                        bool sameFamily = source is null || (destination is not null && destination.AddressFamily == source.AddressFamily);
                        if (sameFamily && (direction == SecurityAssociationDirection.Inbound || source is null))
                        {
                            keys.Add(new Key(spi, direction, destination, source));
                        }
                    }
                }
            }
        }

        using var sad = new SecurityAssociationDatabase();
        var model = new Dictionary<Key, SecurityAssociationHandle>();
        for (int step = 0; step < 4000; step++)
        {
            Key key = keys[random.Next(keys.Count)];
            if (model.Remove(key, out SecurityAssociationHandle? present))
            {
                Assert.That(sad.Remove(present), Is.True);
            }
            else
            {
                model[key] = sad.Add(new FakeSecurityAssociation(key.Spi), key.Direction, key.Destination, key.Source);
            }

            if (step % 50 != 49)
            {
                continue;
            }

            foreach (Key probe in keys)
            {
                byte[] destination = probe.Destination?.GetAddressBytes() ?? [];
                byte[] source = probe.Source?.GetAddressBytes() ?? [];
                SecurityAssociationHandle? found;
                if (probe.Direction == SecurityAssociationDirection.Inbound)
                {
                    sad.FindInbound(probe.Spi, destination, source, out found);
                }
                else
                {
                    sad.FindOutbound(probe.Spi, destination, out found);
                }

                // The lookup falls back from SPI, destination and source to SPI and destination, then to the SPI alone.
                SecurityAssociationHandle? expected = null;
                if (probe.Source is not null)
                {
                    model.TryGetValue(probe, out expected);
                }

                if (expected is null && probe.Destination is not null)
                {
                    model.TryGetValue(probe with { Source = null }, out expected);
                }

                if (expected is null)
                {
                    model.TryGetValue(probe with { Destination = null, Source = null }, out expected);
                }

                Assert.That(found, Is.SameAs(expected), $"step {step}: spi {probe.Spi:x} {probe.Direction} dst {probe.Destination} src {probe.Source}");
            }
        }
    }

    private readonly record struct Key(uint Spi, SecurityAssociationDirection Direction, IPAddress? Destination, IPAddress? Source);
}
