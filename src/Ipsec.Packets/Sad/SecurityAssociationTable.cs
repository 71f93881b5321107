using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets.Sad;

/// <summary>
/// The SAD's hash table: open addressing with linear probing over an array of 56-byte slots that carry each entry's
/// whole key and its expired flag, read without locks.
/// </summary>
/// <remarks>
/// <para>A lookup loads the slot array once (volatile) and reads slots from the key's home slot on. The slot alone answers
/// it (key, hash and whether the SA has hard-expired), so a hit costs one slot and never dereferences the entry: at a
/// million SAs that is one cache miss instead of two. The table keeps at least half its slots empty (tombstones counted as
/// used), so probes stay short and always end at an empty slot.</para>
/// <para>Writers are serialized by the caller's lock. A slot's key is written once, before its entry is published with a
/// volatile write, and never changes: removal turns the entry into a tombstone, and tombstones are only dropped by a
/// rebuild into a new array, published with one volatile write. Readers read the entry (acquire) before the key, so they
/// see each slot whole, and readers on an old array see an older, consistent state.</para>
/// <para>Hashes mix the whole key with a per-process random seed.</para>
/// <para>A one-hash Bloom filter of four bits per slot answers most unknown SPIs before any slot is read.</para>
/// <para>Memory: two to four slots of 56 bytes and one to two bytes of filter per entry (between growths), besides the
/// entry itself.</para>
/// </remarks>
internal sealed class SecurityAssociationTable
{
    private const int InitialSize = 16;

    private static readonly ulong Seed = CreateSeed();

    /// <summary>Marks a slot whose entry was removed: probes go on past it, inserts may reuse it.</summary>
    private static readonly object Tombstone = new();

    private Slot[] _slots = new Slot[InitialSize];

    // A one-hash Bloom filter over the live keys, four bits per slot (eight to sixteen per entry, a megabyte at a million
    // SAs, cache-resident): most unknown SPIs (a flood of random ones included) are refused without touching a slot.
    // Bits are set before an entry is published and only cleared by a rebuild, which builds a new filter beside the new
    // slots; a reader that pairs an older filter with newer slots can only miss an entry added while it was reading.
    private ulong[] _filter = new ulong[InitialSize * 4 / 64];
    private int _count;
    private int _used;

    // Entries per (direction, key kind): the lookup skips kinds that nobody uses.
    private readonly int[] _kindCounts = new int[6];

    public int Count => Volatile.Read(ref _count);

    /// <summary>The key kind: 0 SPI only, 1 SPI and destination, 2 SPI, destination and source.</summary>
    public static int KindOf(byte destinationFamily, byte sourceFamily) =>
        destinationFamily == AddressValue.Any ? 0 : sourceFamily == AddressValue.Any ? 1 : 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetHash(uint spi, SecurityAssociationDirection direction, byte destinationFamily, UInt128 destination, byte sourceFamily, UInt128 source)
    {
        ulong x = spi | ((ulong)((uint)direction | ((uint)destinationFamily << 8) | ((uint)sourceFamily << 16)) << 32);
        x ^= ((ulong)destination * 0x9E3779B97F4A7C15) ^ ((ulong)(destination >> 64) * 0xC2B2AE3D27D4EB4F);
        x ^= ((ulong)source * 0x165667B19E3779F9) ^ ((ulong)(source >> 64) * 0xD6E8FEB86659FD93);
        x ^= Seed;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return (int)(x ^ (x >> 31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasKind(SecurityAssociationDirection direction, int kind) => Volatile.Read(ref _kindCounts[((int)direction * 3) + kind]) != 0;

    /// <summary>
    /// Finds the entry with exactly this key, and whether it has hard-expired, from the slot alone. Lock-free; no allocation.
    /// </summary>
    public SecurityAssociationHandle? Find(
        uint spi, SecurityAssociationDirection direction, byte destinationFamily, UInt128 destination, byte sourceFamily, UInt128 source,
        out bool expired)
    {
        int hash = GetHash(spi, direction, destinationFamily, destination, sourceFamily, source);
        int kind = KindTag(direction, destinationFamily, sourceFamily);
        Slot[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        int home = hash & mask;
        if (Sse.IsSupported)
        {
            // Start the home slot's cache miss now, so it overlaps the filter check.
            unsafe
            {
                Sse.Prefetch0(Unsafe.AsPointer(ref slots[home]));
            }
        }

        ulong[] filter = Volatile.Read(ref _filter);
        uint bit = FilterBit(hash, filter.Length);
        if ((filter[bit >> 6] & (1UL << (int)bit)) == 0)
        {
            expired = false;
            return null;
        }

        for (int i = home; ; i = (i + 1) & mask)
        {
            ref Slot slot = ref slots[i];
            object? item = Volatile.Read(ref slot.Entry);
            if (item is null)
            {
                expired = false;
                return null;
            }

            if (slot.Hash == hash && slot.Spi == spi && slot.Kind == kind && slot.Destination == destination && slot.Source == source &&
                !ReferenceEquals(item, Tombstone))
            {
                expired = Volatile.Read(ref slot.Expired) != 0;
                return Unsafe.As<SecurityAssociationHandle>(item);
            }
        }
    }

    /// <summary>Records in the entry's slot that it hard-expired. Caller holds the write lock.</summary>
    public void MarkExpired(SecurityAssociationHandle entry)
    {
        int index = IndexOf(_slots, entry);
        if (index >= 0)
        {
            Volatile.Write(ref _slots[index].Expired, 1);
        }
    }

    /// <summary>Adds an entry unless one with the same key exists. Caller holds the write lock.</summary>
    public bool TryAdd(SecurityAssociationHandle entry)
    {
        if (Find(entry.Spi, entry.Direction, entry.DestinationFamily, entry.DestinationValue, entry.SourceFamily, entry.SourceValue, out _) is not null)
        {
            return false;
        }

        Slot[] slots = _slots;
        if (2 * (_used + 1) > slots.Length)
        {
            // Grow when live entries fill a quarter or more; otherwise the same size without the tombstones.
            slots = Rebuild(4 * (_count + 1) > slots.Length ? slots.Length * 2 : slots.Length);
        }

        SetFilterBit(_filter, entry.Hash);
        Insert(slots, entry, entry.State >= SecurityAssociationState.Expired);
        _used++;

        Volatile.Write(ref _count, _count + 1);
        Interlocked.Increment(ref _kindCounts[KindIndex(entry)]);
        return true;
    }

    /// <summary>Removes this exact entry. Caller holds the write lock.</summary>
    public bool Remove(SecurityAssociationHandle entry)
    {
        int index = IndexOf(_slots, entry);
        if (index < 0)
        {
            return false;
        }

        Volatile.Write(ref _slots[index].Entry, Tombstone);
        Volatile.Write(ref _count, _count - 1);
        Interlocked.Decrement(ref _kindCounts[KindIndex(entry)]);
        return true;
    }

    /// <summary>Appends every entry to <paramref name="entries"/> (a snapshot of the current array).</summary>
    public void CopyTo(List<SecurityAssociationHandle> entries)
    {
        Slot[] slots = Volatile.Read(ref _slots);
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i].Entry) is SecurityAssociationHandle entry)
            {
                entries.Add(entry);
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every entry of the current array without copying.</summary>
    public void ForEach<TState>(ref TState state, EntryVisitor<TState> visit)
    {
        Slot[] slots = Volatile.Read(ref _slots);
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i].Entry) is SecurityAssociationHandle entry)
            {
                visit(ref state, entry);
            }
        }
    }

    /// <summary>Empties the table. Caller holds the write lock.</summary>
    public void Clear()
    {
        Volatile.Write(ref _filter, new ulong[InitialSize * 4 / 64]);
        Volatile.Write(ref _slots, new Slot[InitialSize]);
        Volatile.Write(ref _count, 0);
        _used = 0;
        for (int i = 0; i < _kindCounts.Length; i++)
        {
            Volatile.Write(ref _kindCounts[i], 0);
        }
    }

    /// <summary>The longest probe, in slots read to find an entry: a diagnostic for tests of the hash distribution.</summary>
    internal int LongestProbe()
    {
        Slot[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        int longest = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i].Entry is SecurityAssociationHandle entry)
            {
                longest = Math.Max(longest, ((i - (entry.Hash & mask)) & mask) + 1);
            }
        }

        return longest;
    }

    /// <summary>The mean probe over all entries, in slots read (1 when every entry sits in its home slot).</summary>
    internal double MeanProbe()
    {
        Slot[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        long total = 0;
        int entries = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i].Entry is SecurityAssociationHandle entry)
            {
                total += ((i - (entry.Hash & mask)) & mask) + 1;
                entries++;
            }
        }

        return entries == 0 ? 0 : total / (double)entries;
    }

    private static int KindIndex(SecurityAssociationHandle entry) => ((int)entry.Direction * 3) + KindOf(entry.DestinationFamily, entry.SourceFamily);

    private static int KindTag(SecurityAssociationDirection direction, byte destinationFamily, byte sourceFamily) =>
        (int)direction | (destinationFamily << 8) | (sourceFamily << 16);

    /// <summary>The filter bit of a hash: its top bits after a multiply, independent of the slot index (its low bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FilterBit(int hash, int filterWords) =>
        ((uint)hash * 0x9E3779B1u) >> (32 - BitOperations.Log2((uint)filterWords * 64));

    private static void SetFilterBit(ulong[] filter, int hash)
    {
        uint bit = FilterBit(hash, filter.Length);
        Volatile.Write(ref filter[bit >> 6], filter[bit >> 6] | (1UL << (int)bit));
    }

    private static int IndexOf(Slot[] slots, SecurityAssociationHandle entry)
    {
        int mask = slots.Length - 1;
        for (int i = entry.Hash & mask; ; i = (i + 1) & mask)
        {
            object? item = slots[i].Entry;
            if (item is null)
            {
                return -1;
            }

            if (ReferenceEquals(item, entry))
            {
                return i;
            }
        }
    }

    /// <summary>Writes the entry's key into the first empty slot of its probe, then publishes the entry.</summary>
    private static void Insert(Slot[] slots, SecurityAssociationHandle entry, bool expired)
    {
        int mask = slots.Length - 1;
        for (int i = entry.Hash & mask; ; i = (i + 1) & mask)
        {
            ref Slot slot = ref slots[i];
            if (slot.Entry is null)
            {
                slot.Hash = entry.Hash;
                slot.Spi = entry.Spi;
                slot.Kind = KindTag(entry.Direction, entry.DestinationFamily, entry.SourceFamily);
                slot.Destination = entry.DestinationValue;
                slot.Source = entry.SourceValue;
                slot.Expired = expired ? 1 : 0;
                Volatile.Write(ref slot.Entry, entry);
                return;
            }
        }
    }

    private Slot[] Rebuild(int size)
    {
        Slot[] old = _slots;
        var slots = new Slot[size];
        var filter = new ulong[size * 4 / 64];
        int used = 0;
        for (int i = 0; i < old.Length; i++)
        {
            if (old[i].Entry is SecurityAssociationHandle entry)
            {
                SetFilterBit(filter, entry.Hash);
                Insert(slots, entry, old[i].Expired != 0 || entry.State >= SecurityAssociationState.Expired);
                used++;
            }
        }

        _used = used;
        Volatile.Write(ref _filter, filter);
        Volatile.Write(ref _slots, slots);
        return slots;
    }

    private static ulong CreateSeed()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    public delegate void EntryVisitor<TState>(ref TState state, SecurityAssociationHandle entry);

    /// <summary>One table slot: the entry (or null, or the tombstone) and, written before it is published, its key.</summary>
    private struct Slot
    {
        public object? Entry;
        public UInt128 Destination;
        public UInt128 Source;
        public int Hash;
        public uint Spi;
        public int Kind;
        public int Expired;
    }
}
