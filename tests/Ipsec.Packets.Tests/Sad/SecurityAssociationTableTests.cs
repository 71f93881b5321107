using System;
using System.Net;
using Ipsec.Packets.Sad;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

/// <summary>
/// The SAD's hash table spreads keys that differ in one field only (each half of the destination and of the source) over
/// the table, and its hash is seeded. A field left out of the hash would still find every entry (the slot compares the
/// whole key) but pile all such keys into one probe.
/// </summary>
public class SecurityAssociationTableTests
{
    private const int Entries = 2048;
    private const uint Spi = 0x5000;

    private static IPAddress V4(int i) => new([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);

    private static IPAddress V6High(int i) => new([0x20, 0x01, 0x0d, 0xb8, 0, 0, (byte)(i >> 8), (byte)i, 0, 0, 0, 0, 0, 0, 0, 1]);

    private static IPAddress V6Low(int i) => new([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)(i >> 8), (byte)i]);

    [TestCase("destination IPv4")]
    [TestCase("destination IPv6 high half")]
    [TestCase("destination IPv6 low half")]
    [TestCase("source IPv4")]
    [TestCase("source IPv6 high half")]
    [TestCase("source IPv6 low half")]
    public void KeysThatDifferInOneFieldOnlySpreadOverTheTable(string field)
    {
        using var sad = new SecurityAssociationDatabase();
        var keys = new (IPAddress Destination, IPAddress Source)[Entries];
        for (int i = 0; i < Entries; i++)
        {
            keys[i] = field switch
            {
                "destination IPv4" => (V4(i), V4(0)),
                "destination IPv6 high half" => (V6High(i), V6High(0)),
                "destination IPv6 low half" => (V6Low(i), V6Low(0)),
                "source IPv4" => (V4(0), V4(i)),
                "source IPv6 high half" => (V6High(0), V6High(i)),
                _ => (V6Low(0), V6Low(i)),
            };
            sad.Add(new FakeSecurityAssociation(Spi), SecurityAssociationDirection.Inbound, keys[i].Destination, keys[i].Source);
        }

        for (int i = 0; i < Entries; i += 97)
        {
            Assert.That(sad.FindInbound(Spi, keys[i].Destination.GetAddressBytes(), keys[i].Source.GetAddressBytes(), out SecurityAssociationHandle? found),
                Is.EqualTo(IpsecStatus.Success), $"key {i}");
            Assert.That(found!.DestinationAddress, Is.EqualTo(keys[i].Destination));
            Assert.That(found.SourceAddress, Is.EqualTo(keys[i].Source));
        }

        // Linear probing at most half full: a mean near 1.5 and a longest probe in the tens; one cluster of all the keys
        // would show as a probe of about 2,048.
        Assert.That(sad.MeanProbe(), Is.LessThanOrEqualTo(2.0));
        Assert.That(sad.LongestProbe(), Is.LessThanOrEqualTo(64));
    }

    [Test]
    public void TheHashIsSeeded()
    {
        // The mixer maps 0 to 0: the all-zero key hashes to something else only because the per-process seed is mixed in
        // (the chance that a seeded hash is 0 is 2^-32).
        Assert.That(SecurityAssociationTable.GetHash(0, SecurityAssociationDirection.Inbound, 0, UInt128.Zero, 0, UInt128.Zero), Is.Not.Zero);
    }
}
