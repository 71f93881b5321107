using System;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Policy;

/// <summary>
/// A selector that could never match a packet is a caller mistake (RFC 4301 §4.4.1: ports are selectors only for
/// protocols that carry them), refused with an ArgumentException naming the field; and the selector describes itself.
/// </summary>
public class TrafficSelectorTests
{
    [Test]
    public void PortRangesWithoutAProtocolAreRefusedNamingTheFields()
    {
        var selector = new TrafficSelector { LocalPorts = PortRange.Single(500) };
        var error = Assert.Throws<ArgumentException>(() => _ = new SecurityPolicy(selector, SecurityPolicyAction.Bypass))!;
        Assert.That(error.Message, Does.StartWith("LocalPorts/RemotePorts: "));
        Assert.That(error.Message, Does.Contain("got any."));
    }

    [TestCase((byte)50)]   // ESP
    [TestCase((byte)47)]   // GRE
    public void PortRangesWithAProtocolWithoutPortsAreRefusedNamingTheProtocol(byte protocol)
    {
        var selector = new TrafficSelector { Protocol = protocol, RemotePorts = new PortRange(1, 1023) };
        var error = Assert.Throws<ArgumentException>(() => _ = new SecurityPolicy(selector, SecurityPolicyAction.Discard))!;
        Assert.That(error.Message, Does.StartWith("LocalPorts/RemotePorts: "));
        Assert.That(error.Message, Does.EndWith($"got {protocol}."));
    }

    [TestCase((byte)6)]
    [TestCase((byte)17)]
    [TestCase((byte)58)]
    public void PortRangesWithAProtocolWithPortsAreAccepted(byte protocol)
    {
        var selector = new TrafficSelector { Protocol = protocol, LocalPorts = PortRange.Single(4500), RemotePorts = new PortRange(1, 1023) };
        Assert.That(new SecurityPolicy(selector, SecurityPolicyAction.Bypass).Selector, Is.SameAs(selector));
    }

    [Test]
    public void AddressRangesOfDifferentFamiliesAreRefusedNamingTheFields()
    {
        var selector = new TrafficSelector
        {
            LocalAddress = IPAddressRange.FromPrefix(IPAddress.Parse("192.0.2.0"), 24),
            RemoteAddress = IPAddressRange.FromPrefix(IPAddress.Parse("2001:db8::"), 32),
        };
        var error = Assert.Throws<ArgumentException>(() => _ = new SecurityPolicy(selector, SecurityPolicyAction.Bypass))!;
        Assert.That(error.Message, Does.StartWith("LocalAddress/RemoteAddress: "));
    }

    [Test]
    public void OneAddressRangeOfEitherFamilyWithTheOtherAnyIsAccepted()
    {
        var v4 = new TrafficSelector { LocalAddress = IPAddressRange.FromPrefix(IPAddress.Parse("192.0.2.0"), 24) };
        var v6 = new TrafficSelector { RemoteAddress = IPAddressRange.FromPrefix(IPAddress.Parse("2001:db8::"), 32) };
        Assert.That(new SecurityPolicy(v4, SecurityPolicyAction.Bypass).Selector, Is.SameAs(v4));
        Assert.That(new SecurityPolicy(v6, SecurityPolicyAction.Bypass).Selector, Is.SameAs(v6));
    }

    [Test]
    public void ToStringDescribesEveryField()
    {
        Assert.That(TrafficSelector.Any.ToString(), Is.EqualTo("local any remote any proto any ports any->any"));
        var selector = new TrafficSelector
        {
            LocalAddress = IPAddressRange.FromPrefix(IPAddress.Parse("192.0.2.0"), 24),
            RemoteAddress = IPAddressRange.FromAddress(IPAddress.Parse("198.51.100.7")),
            Protocol = 17,
            LocalPorts = PortRange.Single(4500),
            RemotePorts = new PortRange(1024, 65535),
        };
        Assert.That(selector.ToString(), Is.EqualTo("local 192.0.2.0/24 remote 198.51.100.7 proto 17 ports 4500->1024-65535"));
    }
}
