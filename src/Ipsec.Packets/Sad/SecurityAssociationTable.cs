using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets.Sad;

/// <summary>
/// The SAD's hash table: open addressing with linear probing over an array of 16-byte slots (entry reference and full
/// hash), read without locks.
/// </summary>
/// <remarks>
/// <para>A lookup loads the slot array once (volatile), reads slots from the key's home slot on and dereferences an entry
/// only when the stored hash matches, so a hit costs about one slot cache line and the entry itself. The table keeps at
/// least half its slots empty (tombstones counted as used), so probes stay short and always end at an empty slot.</para>
/// <para>Writers are serialized by the caller's lock. A slot only moves from empty to an entry, from an entry to a tombstone
/// and from a tombstone to an entry; the hash is written before the entry is published, and readers read the entry
/// (acquire) before the hash, so a reader sees each slot before or after a write, never a torn one. Growing or purging
/// tombstones builds a new array and publishes it with one volatile write; readers on the old array see an older,
/// consistent state.</para>
/// <para>Hashes mix the whole key with a per-process random seed.</para>
/// <para>Memory: 16 to 64 bytes of slots per entry (between growths), besides the entry itself.</para>
/// </remarks>
internal sealed class SecurityAssociationTable
{
    private const int InitialSize = 16;

    private static readonly ulong Seed = CreateSeed();

    /// <summary>Marks a slot whose entry was removed: probes go on past it, inserts may reuse it.</summary>
    private static readonly object Tombstone = new();

    private Slot[] _slots = new Slot[InitialSize];
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

    /// <summary>Finds the entry with exactly this key. Lock-free; no allocation.</summary>
    public SecurityAssociationHandle? Find(uint spi, SecurityAssociationDirection direction, byte destinationFamily, UInt128 destination, byte sourceFamily, UInt128 source)
    {
        int hash = GetHash(spi, direction, destinationFamily, destination, sourceFamily, source);
        Slot[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            ref Slot slot = ref slots[i];
            object? item = Volatile.Read(ref slot.Entry);
            if (item is null)
            {
                return null;
            }

            if (slot.Hash == hash && item is SecurityAssociationHandle entry && entry.Spi == spi && entry.Direction == direction &&
                entry.DestinationFamily == destinationFamily && entry.SourceFamily == sourceFamily &&
                entry.DestinationValue == destination && entry.SourceValue == source)
            {
                return entry;
            }
        }
    }

    /// <summary>Adds an entry unless one with the same key exists. Caller holds the write lock.</summary>
    public bool TryAdd(SecurityAssociationHandle entry)
    {
        if (Find(entry.Spi, entry.Direction, entry.DestinationFamily, entry.DestinationValue, entry.SourceFamily, entry.SourceValue) is not null)
        {
            return false;
        }

        Slot[] slots = _slots;
        if (2 * (_used + 1) > slots.Length)
        {
            // Grow when live entries fill a quarter or more; otherwise the same size without the tombstones.
            slots = Rebuild(4 * (_count + 1) > slots.Length ? slots.Length * 2 : slots.Length);
        }

        if (Insert(slots, entry))
        {
            _used++;
        }

        Volatile.Write(ref _count, _count + 1);
        Interlocked.Increment(ref _kindCounts[KindIndex(entry)]);
        return true;
    }

    /// <summary>Removes this exact entry. Caller holds the write lock.</summary>
    public bool Remove(SecurityAssociationHandle entry)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (int i = entry.Hash & mask; ; i = (i + 1) & mask)
        {
            object? item = slots[i].Entry;
            if (item is null)
            {
                return false;
            }

            if (ReferenceEquals(item, entry))
            {
                Volatile.Write(ref slots[i].Entry, Tombstone);
                Volatile.Write(ref _count, _count - 1);
                Interlocked.Decrement(ref _kindCounts[KindIndex(entry)]);
                return true;
            }
        }
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

    /// <summary>Puts the entry in the first empty or tombstone slot of its probe; true when that slot was empty.</summary>
    private static bool Insert(Slot[] slots, SecurityAssociationHandle entry)
    {
        int mask = slots.Length - 1;
        for (int i = entry.Hash & mask; ; i = (i + 1) & mask)
        {
            object? item = slots[i].Entry;
            if (item is null || ReferenceEquals(item, Tombstone))
            {
                slots[i].Hash = entry.Hash;
                Volatile.Write(ref slots[i].Entry, entry);
                return item is null;
            }
        }
    }

    private Slot[] Rebuild(int size)
    {
        Slot[] old = _slots;
        var slots = new Slot[size];
        int used = 0;
        for (int i = 0; i < old.Length; i++)
        {
            if (old[i].Entry is SecurityAssociationHandle entry)
            {
                Insert(slots, entry);
                used++;
            }
        }

        _used = used;
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

    private struct Slot
    {
        public object? Entry;
        public int Hash;
    }
}
