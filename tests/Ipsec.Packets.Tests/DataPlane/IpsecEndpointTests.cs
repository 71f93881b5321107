using System;
using System.Net;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.DataPlane;

public class IpsecEndpointTests
{
    [Test]
    public void AnIPv4MappedAddressIsTheIPv4Endpoint()
    {
        IpsecEndpoint mapped = IpsecEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.1"), 4500));
        IpsecEndpoint plain = IpsecEndpoint.FromIPAddress(IPAddress.Parse("192.0.2.1"), 4500);
        Assert.That(mapped, Is.EqualTo(plain));
        Assert.That(mapped.IsIPv6, Is.False);
        Assert.That(mapped.IPv4Address, Is.EqualTo(new IPv4Address(192, 0, 2, 1)));
        Assert.That(mapped.ToString(), Is.EqualTo("192.0.2.1:4500"));
    }

    [Test]
    public void EndpointsReadWriteAndCompare()
    {
        Assert.That(IpsecEndpoint.TryCreate([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 4501, out IpsecEndpoint v6), Is.True);
        Assert.That(v6.IsIPv6, Is.True);
        Assert.That(v6.ToString(), Is.EqualTo("[2001:db8::1]:4501"));
        Span<byte> bytes = stackalloc byte[16];
        Assert.That(v6.WriteAddress(bytes), Is.EqualTo(16));
        Assert.That(bytes[1], Is.EqualTo(0x01));
        Assert.That(v6.WithPort(31000).Port, Is.EqualTo(31000));
        Assert.That(v6.WithPort(31000).AddressEquals(v6), Is.True);
        Assert.That(v6.WithPort(31000) == v6, Is.False);
        Assert.That(v6.ToIPEndPoint(), Is.EqualTo(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 4501)));
        Assert.That(IpsecEndpoint.TryCreate(new byte[5], 1, out IpsecEndpoint bad), Is.False);
        Assert.That(bad.IsSpecified, Is.False);
        Assert.Throws<InvalidOperationException>(() => _ = v6.IPv4Address);
        Assert.Throws<ArgumentException>(() => v6.WriteAddress(new byte[4]));
    }
}
