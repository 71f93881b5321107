using System;
using System.Net;
using System.Reflection;
using Ipsec.Packets.Policy;
using Ipsec.Packets.Sad;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Sad;

/// <summary>
/// The SAD's hash table spreads keys that differ in one field only (each half of the destination and of the source) over
/// the table, and its hash is seeded (a field left out of the hash would still find every entry, as the slot compares the
/// whole key, but pile all such keys into one probe). On the table itself: the probe diagnostics, the per-kind counts the
/// lookup uses to skip kinds, the expired flag through a rebuild and in slot 0, clearing, and its size under churn.
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

    // Known answers computed outside .NET (Python, from the definition: the SPI in the low and the kind tag in the high
    // half of 64 bits, xor each address half times its constant, xor the seed, the SplitMix64 finalizer, the low 32 bits).
    // One field at a time, then all at once. The address value 1 alone gives 0x7B1DCDAF, the low half of SplitMix64's
    // published first output for state 0 (0xE220A8397B1DCDAF), which checks the finalizer's constants independently.
    [TestCase(0x0000000000000000UL, 0x00000000u, 0x00000000, "0", "0", 0x00000000u, TestName = "the all-zero key under seed 0")]
    [TestCase(0x0123456789ABCDEFUL, 0x00000000u, 0x00000000, "0", "0", 0xEBB5112Cu, TestName = "the seed alone")]
    [TestCase(0x0000000000000000UL, 0x12345678u, 0x00000000, "0", "0", 0x0FAE6A61u, TestName = "the SPI alone")]
    [TestCase(0x0000000000000000UL, 0x00000000u, 0x00060601, "0", "0", 0xEEF3604Eu, TestName = "the kind tag alone")]
    [TestCase(0x0000000000000000UL, 0x00000000u, 0x00000000, "1", "0", 0x7B1DCDAFu, TestName = "the destination's low half alone")]
    [TestCase(0x0000000000000000UL, 0x00000000u, 0x00000000, "20010db8000000000000000000000000", "0", 0xD5484C72u, TestName = "the destination's high half alone")]
    [TestCase(0x0000000000000000UL, 0x00000000u, 0x00000000, "0", "c0a80001", 0x7A0F470Bu, TestName = "the source's low half alone")]
    [TestCase(0x0000000000000000UL, 0x00000000u, 0x00000000, "0", "fe800000000000000000000000000000", 0x841E60B3u, TestName = "the source's high half alone")]
    [TestCase(0x0123456789ABCDEFUL, 0x12345678u, 0x00060601, "20010db8000000000000000000000001", "fe80000000000000000000000000abcd", 0x98FBE1B7u,
        TestName = "every field at once")]
    public void TheHashMatchesKnownAnswers(ulong seed, uint spi, int kindTag, string destination, string source, uint expected)
    {
        UInt128 destinationValue = UInt128.Parse(destination, System.Globalization.NumberStyles.HexNumber);
        UInt128 sourceValue = UInt128.Parse(source, System.Globalization.NumberStyles.HexNumber);
        Assert.That((uint)SecurityAssociationTable.GetHash(seed, spi, kindTag, destinationValue, sourceValue), Is.EqualTo(expected));
    }

    [TestCase(0x00000000, (byte)0x80)]
    [TestCase(0x01FFFFFF, (byte)0x80)]
    [TestCase(0x02000000, (byte)0x81)]
    [TestCase(0x7FFFFFFF, (byte)0xBF)]
    [TestCase(int.MinValue, (byte)0xC0)]
    [TestCase(-1, (byte)0xFF)]
    public void TheControlByteIsTheHashsTopSevenBitsWithTheHighBitSet(int hash, byte expected)
    {
        // A constant control byte would still find every key (the slot compares the whole key), but every used slot of a
        // group would become a candidate read; the seven bits are what lets a lookup normally read one slot.
        Assert.That(SecurityAssociationTable.Fingerprint(hash), Is.EqualTo(expected));
    }

    [Test]
    public void TheUpperHalfOfAnAddressValueIsItsHigh64Bits()
    {
        Assert.That(SecurityAssociationTable.UpperHalf(new UInt128(0x20010DB800000001, 0xFFFFFFFFFFFFFFFF)), Is.EqualTo(0x20010DB800000001UL));
        Assert.That(SecurityAssociationTable.UpperHalf(new UInt128(0, 0xFFFFFFFFFFFFFFFF)), Is.Zero);
    }

    /// <summary>An inbound SPI-only handle (listed in a throwaway database, used here only as a key and an entry).</summary>
    private static SecurityAssociationHandle Handle(SecurityAssociationDatabase sad, uint spi) =>
        sad.Add(new FakeSecurityAssociation(spi), SecurityAssociationDirection.Inbound);

    /// <summary>The first SPI from <paramref name="start"/> whose SPI-only inbound key has this home slot in a 16-slot table.</summary>
    private static uint SpiWithHome(int home, uint start)
    {
        uint spi = start;
        while ((SecurityAssociationTable.GetHash(spi, SecurityAssociationDirection.Inbound, AddressValue.Any, 0, AddressValue.Any, 0) & 15) != home)
        {
            spi++;
        }

        return spi;
    }

    private static SecurityAssociationHandle? Find(SecurityAssociationTable table, SecurityAssociationHandle key, out bool expired) =>
        table.Find(key.Spi, key.Direction, key.DestinationFamily, key.DestinationValue, key.SourceFamily, key.SourceValue, out expired);

    [Test]
    public void ProbeDiagnosticsCountSlotsRead()
    {
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        Assert.That(table.LongestProbe(), Is.Zero);
        Assert.That(table.MeanProbe(), Is.Zero, "no entries");

        uint first = SpiWithHome(5, 0x1000);
        Assert.That(table.TryAdd(Handle(sad, first)), Is.True);
        Assert.That(table.LongestProbe(), Is.EqualTo(1), "in its home slot");
        Assert.That(table.MeanProbe(), Is.EqualTo(1.0));

        // A second key with the same home slot lands in the next one: probes of 1 and 2.
        Assert.That(table.TryAdd(Handle(sad, SpiWithHome(5, first + 1))), Is.True);
        Assert.That(table.LongestProbe(), Is.EqualTo(2));
        Assert.That(table.MeanProbe(), Is.EqualTo(1.5));
    }

    [Test]
    public void AnUnknownKeyIsNotReportedExpired()
    {
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        SecurityAssociationHandle known = Handle(sad, 0x2000);
        table.TryAdd(known);
        table.MarkExpired(known);
        Assert.That(Find(table, Handle(sad, 0x2001), out bool expired), Is.Null);
        Assert.That(expired, Is.False, "out values are default when nothing is found");
        Assert.That(Find(table, known, out expired), Is.SameAs(known));
        Assert.That(expired, Is.True);
    }

    [Test]
    public void AProbeThatWrapsPastTheLastSlotFindsItsKey()
    {
        // Two keys with home slot 15 of 16: the second wraps to slot 0. A lookup reads the control bytes from its home on,
        // 16 at once, so for home 15 it reads slot 15's byte and then the copy of slot 0's byte kept after the last one.
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        uint first = SpiWithHome(15, 0x3100);
        SecurityAssociationHandle last = Handle(sad, first);
        SecurityAssociationHandle wrapped = Handle(sad, SpiWithHome(15, first + 1));
        Assert.That(table.TryAdd(last), Is.True);
        Assert.That(table.TryAdd(wrapped), Is.True);
        Assert.That(table.LongestProbe(), Is.EqualTo(2), "the second key sits one slot past its home, in slot 0");
        Assert.That(Find(table, last, out _), Is.SameAs(last));
        Assert.That(Find(table, wrapped, out _), Is.SameAs(wrapped));

        Assert.That(table.Remove(wrapped), Is.True);
        Assert.That(Find(table, wrapped, out _), Is.Null, "removed");
        Assert.That(Find(table, last, out _), Is.SameAs(last));
    }

    [Test]
    public void AnEntryInSlotZeroCanBeMarkedExpired()
    {
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        SecurityAssociationHandle entry = Handle(sad, SpiWithHome(0, 0x3000));
        table.TryAdd(entry);
        table.MarkExpired(entry);
        Assert.That(Find(table, entry, out bool expired), Is.SameAs(entry));
        Assert.That(expired, Is.True);
    }

    [Test]
    public void TheExpiredFlagSurvivesARebuild()
    {
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        SecurityAssociationHandle entry = Handle(sad, 0x4000);
        table.TryAdd(entry);
        table.MarkExpired(entry);
        SecurityAssociationHandle other = Handle(sad, 0x4001);
        table.TryAdd(other);
        for (uint spi = 0x4002; spi < 0x4002 + 40; spi++)
        {
            table.TryAdd(Handle(sad, spi));   // grows 16 -> 32 -> 64 -> 128 slots, copying the entries each time
        }

        Assert.That(Find(table, entry, out bool expired), Is.SameAs(entry));
        Assert.That(expired, Is.True);
        Assert.That(Find(table, other, out expired), Is.SameAs(other));
        Assert.That(expired, Is.False);
    }

    [Test]
    public void AnEntryAddedAfterItHardExpiredIsFoundExpired()
    {
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        SecurityAssociationHandle soft = Handle(sad, 0x4100);
        soft.Advance(SecurityAssociationState.SoftExpired);
        SecurityAssociationHandle hard = Handle(sad, 0x4101);
        hard.Advance(SecurityAssociationState.Expired);
        table.TryAdd(soft);
        table.TryAdd(hard);
        Assert.That(Find(table, soft, out bool expired), Is.SameAs(soft));
        Assert.That(expired, Is.False, "soft-expired SAs still process packets");
        Assert.That(Find(table, hard, out expired), Is.SameAs(hard));
        Assert.That(expired, Is.True);
    }

    [Test]
    public void ARebuildMarksAnEntryThatHardExpiredBeforeItsSlotWasMarked()
    {
        // The state moves first and the slot is marked afterwards (under the writers' lock): a rebuild in between copies
        // the entry's state into its new slot rather than the old slot's flag alone.
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        SecurityAssociationHandle entry = Handle(sad, 0x4200);
        table.TryAdd(entry);
        entry.Advance(SecurityAssociationState.Expired);
        Assert.That(Find(table, entry, out bool expired), Is.SameAs(entry));
        Assert.That(expired, Is.False, "the slot is not marked yet");
        for (uint spi = 0x4201; spi < 0x4201 + 40; spi++)
        {
            table.TryAdd(Handle(sad, spi));   // grows 16 -> 32 -> 64 -> 128 slots, copying the entry each time
        }

        Assert.That(SlotCount(table), Is.EqualTo(128));
        Assert.That(Find(table, entry, out expired), Is.SameAs(entry));
        Assert.That(expired, Is.True);
    }

    [TestCase(5, 16, TestName = "three live entries and a fourth fill exactly a quarter: a rebuild at the same size")]
    [TestCase(4, 32, TestName = "four live entries and a fifth fill more than a quarter: the rebuild doubles")]
    public void ARebuildDoublesOnlyWhenMoreThanAQuarterIsLive(int removed, int slotsAfter)
    {
        // 8 entries in 16 slots; removing some leaves their slots used (tombstones), so the next add rebuilds. The rebuild
        // doubles the table when the live entries with the new one exceed a quarter of it, else only drops the tombstones.
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        var entries = new SecurityAssociationHandle[8];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = Handle(sad, 0x6200 + (uint)i);
            table.TryAdd(entries[i]);
        }

        for (int i = 0; i < removed; i++)
        {
            table.Remove(entries[i]);
        }

        Assert.That(SlotCount(table), Is.EqualTo(16));
        SecurityAssociationHandle added = Handle(sad, 0x6208);
        Assert.That(table.TryAdd(added), Is.True);
        Assert.That(SlotCount(table), Is.EqualTo(slotsAfter));
        Assert.That(table.Count, Is.EqualTo(8 - removed + 1));
        Assert.That(Find(table, added, out _), Is.SameAs(added));
        Assert.That(Find(table, entries[7], out _), Is.SameAs(entries[7]), "a live entry is copied by the rebuild");
        Assert.That(Find(table, entries[0], out _), Is.Null, "a removed one is not");
    }

    [Test]
    public void KindCountsFollowAddsRemovesAndClear()
    {
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        SecurityAssociationHandle entry = sad.Add(new FakeSecurityAssociation(0x5000), SecurityAssociationDirection.Inbound, V4(1), V4(2));
        Assert.That(table.HasKind(SecurityAssociationDirection.Inbound, 2), Is.False);
        table.TryAdd(entry);
        Assert.That(table.HasKind(SecurityAssociationDirection.Inbound, 2), Is.True);
        Assert.That(table.HasKind(SecurityAssociationDirection.Outbound, 2), Is.False, "kinds are counted per direction");
        Assert.That(table.HasKind(SecurityAssociationDirection.Inbound, 0), Is.False);

        Assert.That(table.Remove(entry), Is.True);
        Assert.That(table.HasKind(SecurityAssociationDirection.Inbound, 2), Is.False, "removed");
        Assert.That(Find(table, entry, out _), Is.Null);

        table.TryAdd(entry);
        table.Clear();
        Assert.That(table.HasKind(SecurityAssociationDirection.Inbound, 2), Is.False, "cleared");
        Assert.That(table.Count, Is.Zero);
        Assert.That(Find(table, entry, out _), Is.Null, "a cleared table finds nothing");
        Assert.That(table.TryAdd(entry), Is.True);
    }

    private static int SlotCount(SecurityAssociationTable table)
    {
        object layout = typeof(SecurityAssociationTable).GetField("_layout", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(table)!;
        return ((Array)layout.GetType().GetField("Slots")!.GetValue(layout)!).Length;
    }

    [Test]
    public void TheTableFillsToHalfThenDoubles()
    {
        // At most half the slots used: 8 entries fit the first 16 slots, the 9th doubles them.
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        for (uint spi = 0x6100; spi < 0x6108; spi++)
        {
            table.TryAdd(Handle(sad, spi));
        }

        Assert.That(SlotCount(table), Is.EqualTo(16));
        table.TryAdd(Handle(sad, 0x6108));
        Assert.That(SlotCount(table), Is.EqualTo(32));
    }

    [Test]
    public void AddAndRemoveChurnDoesNotGrowTheTable()
    {
        // Removed slots are only freed by a rebuild; with one live entry the rebuild keeps the size.
        using var sad = new SecurityAssociationDatabase();
        var table = new SecurityAssociationTable();
        SecurityAssociationHandle entry = Handle(sad, 0x6000);
        for (int i = 0; i < 1000; i++)
        {
            Assert.That(table.TryAdd(entry), Is.True);
            Assert.That(table.Remove(entry), Is.True);
        }

        Assert.That(SlotCount(table), Is.EqualTo(16));
    }

    [Test]
    public void AnIPv4SourceOfAllZerosIsNotTheSameKeyAsNoSource()
    {
        // Both keys have the value 0 in the source; only the source family tells them apart.
        using var sad = new SecurityAssociationDatabase();
        SecurityAssociationHandle withSource = sad.Add(new FakeSecurityAssociation(0x7000), SecurityAssociationDirection.Inbound, V4(1), IPAddress.Any);
        SecurityAssociationHandle without = sad.Add(new FakeSecurityAssociation(0x7000), SecurityAssociationDirection.Inbound, V4(1));
        Assert.That(sad.FindInbound(0x7000, V4(1).GetAddressBytes(), IPAddress.Any.GetAddressBytes(), out SecurityAssociationHandle? found), Is.EqualTo(IpsecStatus.Success));
        Assert.That(found, Is.SameAs(withSource));
        Assert.That(sad.FindInbound(0x7000, V4(1).GetAddressBytes(), V4(9).GetAddressBytes(), out found), Is.EqualTo(IpsecStatus.Success));
        Assert.That(found, Is.SameAs(without));
    }
}
