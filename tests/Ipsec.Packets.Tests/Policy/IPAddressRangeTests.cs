using System;
using System.Collections.Generic;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Policy;

public class IPAddressRangeTests
{
    [TestCase("10.0.0.0/8", "10.0.0.0/8")]
    [TestCase("2001:db8::/32", "2001:db8::/32")]
    [TestCase("0.0.0.0/0", "0.0.0.0/0")]
    [TestCase("192.0.2.1/32", "192.0.2.1")]
    public void PrefixesPrintAsPrefixes(string prefix, string expected) =>
        Assert.That(IPAddressRange.FromPrefix(IPNetwork.Parse(prefix)).ToString(), Is.EqualTo(expected));

    [Test]
    public void RangesAndAny()
    {
        IPAddressRange range = IPAddressRange.FromRange(IPAddress.Parse("10.0.0.7"), IPAddress.Parse("10.0.1.3"));
        Assert.That(range.ToString(), Is.EqualTo("10.0.0.7-10.0.1.3"));
        Assert.That(range.Contains(IPAddress.Parse("10.0.0.200")), Is.True);
        Assert.That(range.Contains(IPAddress.Parse("10.0.1.4")), Is.False);
        Assert.That(range.Contains(IPAddress.Parse("::a00:8")), Is.False, "IPv6 with the same low bits is another family");
        Assert.That(IPAddressRange.Any.Contains(IPAddress.IPv6Loopback), Is.True);
        Assert.That(default(IPAddressRange), Is.EqualTo(IPAddressRange.Any));
        Assert.That(IPAddressRange.Any.First, Is.Null);
        Assert.That(range.First, Is.EqualTo(IPAddress.Parse("10.0.0.7")));
    }

    [Test]
    public void InvalidInputsNameTheField()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => IPAddressRange.FromPrefix(IPAddress.Parse("10.0.0.1"), 8))!.ParamName, Is.EqualTo("address"));
        Assert.Throws<ArgumentOutOfRangeException>(() => IPAddressRange.FromPrefix(IPAddress.Parse("10.0.0.0"), 33));
        Assert.That(Assert.Throws<ArgumentException>(() => IPAddressRange.FromRange(IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1")))!.ParamName, Is.EqualTo("last"));
        Assert.Throws<ArgumentException>(() => IPAddressRange.FromRange(IPAddress.Parse("10.0.0.2"), IPAddress.Parse("::1")));
    }

    /// <summary>The prefix split behind the policy index covers exactly the range, with disjoint, aligned prefixes.</summary>
    [Test]
    public void PrefixSplitCoversTheRangeExactly()
    {
        var random = new Random(7);
        var prefixes = new List<(UInt128 Value, int Length)>();
        for (int trial = 0; trial < 2000; trial++)
        {
            uint a = (uint)random.Next(1 << 12), b = (uint)random.Next(1 << 12);
            (uint first, uint last) = (Math.Min(a, b), Math.Max(a, b));
            IPAddressRange range = IPAddressRange.FromRange(ToV4(first), ToV4(last));
            prefixes.Clear();
            range.AppendPrefixes(prefixes);
            var covered = new int[1 << 12];
            foreach ((UInt128 value, int length) in prefixes)
            {
                ulong size = 1UL << (32 - length);
                Assert.That((ulong)value % size, Is.Zero, "aligned");
                for (ulong v = (ulong)value; v < (ulong)value + size; v++)
                {
                    Assert.That(v, Is.LessThan((ulong)covered.Length));
                    covered[v]++;
                }
            }

            for (uint v = 0; v < covered.Length; v++)
            {
                Assert.That(covered[v], Is.EqualTo(v >= first && v <= last ? 1 : 0), $"range {first}-{last}, address {v}");
            }

            Assert.That(prefixes.Count, Is.LessThanOrEqualTo(2 * 12), "at most two prefixes per bit");
        }
    }

    [Test]
    public void WholeSpacesAreOnePrefix()
    {
        var prefixes = new List<(UInt128 Value, int Length)>();
        IPAddressRange.FromRange(IPAddress.Parse("::"), IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).AppendPrefixes(prefixes);
        Assert.That(prefixes, Is.EqualTo(new[] { (UInt128.Zero, 0) }));
        prefixes.Clear();
        IPAddressRange.FromRange(IPAddress.Parse("0.0.0.0"), IPAddress.Parse("255.255.255.255")).AppendPrefixes(prefixes);
        Assert.That(prefixes, Is.EqualTo(new[] { (UInt128.Zero, 0) }));
        prefixes.Clear();
        IPAddressRange.FromRange(IPAddress.Parse("255.255.255.255"), IPAddress.Parse("255.255.255.255")).AppendPrefixes(prefixes);
        Assert.That(prefixes, Is.EqualTo(new[] { ((UInt128)uint.MaxValue, 32) }));
    }

    private static IPAddress ToV4(uint value) => new(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });
}
