using System;
using System.Net;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class AddressTests
{
    [TestCase("0.0.0.0", 0x00000000u)]
    [TestCase("192.0.2.10", 0xC000020Au)]
    [TestCase("198.51.100.20", 0xC6336414u)]
    [TestCase("255.255.255.255", 0xFFFFFFFFu)]
    public void IPv4ParsesFormatsAndRoundTrips(string text, uint value)
    {
        IPv4Address address = IPv4Address.Parse(text);
        Assert.That(address.Value, Is.EqualTo(value));
        Assert.That(address.ToString(), Is.EqualTo(text));
        Assert.That(address.ToIPAddress(), Is.EqualTo(IPAddress.Parse(text)));
        Assert.That(IPv4Address.FromIPAddress(IPAddress.Parse(text)), Is.EqualTo(address));

        byte[] buffer = WirePackets.Poisoned(6);
        Assert.That(address.TryWrite(buffer.AsSpan(1)), Is.True);
        Assert.That(buffer[0], Is.EqualTo(0xA5));
        Assert.That(buffer[5], Is.EqualTo(0xA5));
        Assert.That(IPv4Address.TryRead(buffer.AsSpan(1), out IPv4Address read), Is.True);
        Assert.That(read, Is.EqualTo(address));
        Assert.That(buffer.AsSpan(1, 4).ToArray(), Is.EqualTo(IPAddress.Parse(text).GetAddressBytes()));
    }

    [TestCase("")]
    [TestCase("1.2.3")]
    [TestCase("1.2.3.4.")]
    [TestCase("1.2.3.4.5")]
    [TestCase("256.1.1.1")]
    [TestCase("01.2.3.4")]
    [TestCase("1..3.4")]
    [TestCase(" 1.2.3.4")]
    [TestCase("1.2.3.4 ")]
    [TestCase("127.1")]
    [TestCase("0x7f.0.0.1")]
    [TestCase("1.2.3.-4")]
    [TestCase("1234.1.1.1")]
    public void IPv4RejectsNonStrictText(string text)
    {
        Assert.That(IPv4Address.TryParse(text, out IPv4Address address), Is.False);
        Assert.That(address, Is.EqualTo(default(IPv4Address)));
        Assert.Throws<FormatException>(() => IPv4Address.Parse(text));
    }

    [Test]
    public void IPv4TryFormatFailsOnShortBufferAndMatchesBclOnRandomAddresses()
    {
        var random = new Random(4);
        Span<char> chars = stackalloc char[IPv4Address.MaxTextLength];
        for (int i = 0; i < 2000; i++)
        {
            var address = new IPv4Address((uint)random.NextInt64(0, 1L << 32));
            string expected = address.ToIPAddress().ToString();
            Assert.That(address.TryFormat(chars, out int written), Is.True);
            Assert.That(chars[..written].ToString(), Is.EqualTo(expected));
            Assert.That(address.TryFormat(chars[..(expected.Length - 1)], out written), Is.False);
            Assert.That(written, Is.Zero);
            Assert.That(IPv4Address.Parse(expected), Is.EqualTo(address));
        }
    }

    [Test]
    public void IPv4OrdersNumerically()
    {
        IPv4Address a = IPv4Address.Parse("9.255.255.255"), b = IPv4Address.Parse("10.0.0.0");
        Assert.That(a < b && b > a && a <= b && a != b, Is.True);
        Assert.That(a.CompareTo(b), Is.Negative);
        Assert.That(new IPv4Address(10, 0, 0, 0), Is.EqualTo(b));
        Assert.That(a.GetHashCode(), Is.Not.EqualTo(b.GetHashCode()));
    }

    [TestCase("::", "::")]
    [TestCase("::1", "::1")]
    [TestCase("2001:db8::1", "2001:db8::1")]
    [TestCase("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]
    [TestCase("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]
    [TestCase("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [TestCase("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]
    [TestCase("1:0:0:0:0:0:0:0", "1::")]
    [TestCase("::ffff:192.0.2.1", "::ffff:192.0.2.1")]
    [TestCase("fe80::1:2:3:4", "fe80::1:2:3:4")]
    [TestCase("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void IPv6ParsesAndFormatsPerRfc5952(string text, string canonical)
    {
        IPv6Address address = IPv6Address.Parse(text);
        Assert.That(address.ToString(), Is.EqualTo(canonical));
        Assert.That(address.ToIPAddress(), Is.EqualTo(IPAddress.Parse(text)));
        Assert.That(IPv6Address.FromIPAddress(IPAddress.Parse(text)), Is.EqualTo(address));
        Assert.That(IPv6Address.Parse(canonical), Is.EqualTo(address));
    }

    [TestCase("")]
    [TestCase("1.2.3.4")]
    [TestCase("fe80::1%eth0")]
    [TestCase("[::1]")]
    [TestCase("::1 ")]
    [TestCase("1:2:3:4:5:6:7:8:9")]
    [TestCase("gggg::")]
    [TestCase("1:::2")]
    public void IPv6RejectsBadText(string text)
    {
        Assert.That(IPv6Address.TryParse(text, out IPv6Address address), Is.False);
        Assert.That(address, Is.EqualTo(default(IPv6Address)));
    }

    [Test]
    public void IPv6FormatMatchesBclAndRoundTripsOnRandomAddresses()
    {
        var random = new Random(6);
        byte[] bytes = new byte[16];
        char[] chars = new char[IPv6Address.MaxTextLength];
        for (int i = 0; i < 1500; i++)
        {
            random.NextBytes(bytes);
            for (int g = 0; g < 8; g++)
            {
                if (random.Next(3) == 0)
                {
                    bytes[2 * g] = 0;
                    bytes[(2 * g) + 1] = 0;
                }
            }

            Assert.That(IPv6Address.TryRead(bytes, out IPv6Address address), Is.True);
            byte[] written = WirePackets.Poisoned(16);
            address.WriteTo(written);
            Assert.That(written, Is.EqualTo(bytes));
            var bcl = new IPAddress(bytes);
            Assert.That(address.TryFormat(chars, out int length), Is.True);
            string text = new(chars, 0, length);
            if (!bcl.IsIPv4MappedToIPv6 && !IsIPv4Compatible(bytes))
            {
                Assert.That(text, Is.EqualTo(bcl.ToString()));
            }

            Assert.That(IPv6Address.Parse(text), Is.EqualTo(address));
            Assert.That(address.TryFormat(chars.AsSpan(0, length - 1), out int none), Is.False);
            Assert.That(none, Is.Zero);
        }
    }

    private static bool IsIPv4Compatible(byte[] b)
    {
        // The BCL prints ::a.b.c.d for some deprecated IPv4-compatible forms; RFC 5952 does not.
        for (int i = 0; i < 12; i++)
        {
            if (b[i] != 0)
            {
                return false;
            }
        }

        return true;
    }

    [Test]
    public void IPv6OrdersNumericallyAndChecksLengths()
    {
        IPv6Address a = IPv6Address.Parse("2001:db8::ffff"), b = IPv6Address.Parse("2001:db8::1:0");
        Assert.That(a < b && a.CompareTo(b) < 0 && b >= a, Is.True);
        Assert.That(IPv6Address.TryRead(new byte[15], out _), Is.False);
        Assert.That(a.TryWrite(new byte[15]), Is.False);
        Assert.Throws<ArgumentException>(() => a.WriteTo(new byte[15]));
        Assert.Throws<ArgumentException>(() => IPv6Address.FromIPAddress(IPAddress.Loopback));
        Assert.Throws<ArgumentException>(() => IPv4Address.FromIPAddress(IPAddress.IPv6Loopback));
        Assert.That(a.Value, Is.EqualTo(new UInt128(a.Upper, a.Lower)));
    }

    [Test]
    public void ReadWriteAndFormatDoNotAllocate()
    {
        byte[] buffer = new byte[16];
        char[] chars = new char[64];
        IPv6Address v6 = IPv6Address.Parse("2001:db8::1:0:0:1");
        IPv4Address v4 = IPv4Address.Parse("192.0.2.1");
        long bytes = Allocations.Measure(() =>
        {
            v6.TryWrite(buffer);
            IPv6Address.TryRead(buffer, out _);
            v6.TryFormat(chars, out _);
            v4.TryWrite(buffer);
            IPv4Address.TryRead(buffer, out _);
            v4.TryFormat(chars, out _);
            IPv4Address.TryParse("198.51.100.20", out _);
        });
        Assert.That(bytes, Is.Zero);
    }
}
