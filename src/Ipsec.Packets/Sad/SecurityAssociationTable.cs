using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets.Sad;

/// <summary>
/// The SAD's hash table: open addressing with linear probing over an array of 56-byte slots that carry each entry's
/// whole key and its expired flag, and beside it one control byte per slot (empty, removed, or seven bits of the key's
/// hash), read without locks.
/// </summary>
/// <remarks>
/// <para>A lookup compares sixteen control bytes from the key's home slot at once (one vector compare) and reads only
/// the slots whose byte matches, normally exactly one: the slot alone answers it (key and whether the SA has
/// hard-expired), so a hit costs one slot read and never dereferences the entry, and an unknown SPI is usually refused
/// from the control bytes alone (2 MiB at a million SAs, mostly in cache), without touching a slot. Because the slot to read
/// comes from the control bytes and not from a branch on the slot's contents, the processor does not mispredict on a
/// cache miss and can start the next packet's lookup while this one's slot is on its way: at a million SAs that is what
/// keeps a lookup well under one memory latency.</para>
/// <para>The table keeps at least half its slots empty (removed ones counted as used), so probes stay short and always end
/// at an empty slot. Large slot arrays are backed by 2 MiB pages where Linux allows it (<see cref="LargePages"/>), so the
/// miss is not also a TLB miss.</para>
/// <para>Writers are serialized by the caller's lock. A slot's key is written once, then its entry is published with a
/// volatile write, then its control byte: a reader that sees the control byte sees the slot whole. Removal turns the
/// entry into a tombstone and its control byte into "removed"; tombstones are only dropped by a rebuild into new arrays,
/// published together with one volatile write, and readers on old arrays see an older, consistent state.</para>
/// <para>Hashes mix the whole key with a per-process random seed.</para>
/// <para>Memory: two to four slots of 56 bytes and two to four control bytes per entry (between growths), besides the
/// entry itself.</para>
/// </remarks>
internal sealed class SecurityAssociationTable
{
    private const int InitialSize = 16;

    /// <summary>Control bytes compared at once: one 128-bit vector.</summary>
    private const int GroupSize = 16;

    /// <summary>The control byte of a slot never used.</summary>
    private const byte Empty = 0;

    /// <summary>The control byte of a slot whose entry was removed (its tombstone stays until a rebuild).</summary>
    private const byte Removed = 1;

    private static readonly ulong Seed = CreateSeed();

    /// <summary>Marks a slot whose entry was removed: probes go on past it; only a rebuild frees the slot.</summary>
    private static readonly object Tombstone = new();

    private Layout _layout = new(InitialSize);
    private int _count;
    private int _used;

    // Entries per (direction, key kind): the lookup skips kinds that nobody uses.
    private readonly int[] _kindCounts = new int[6];

    public int Count => Volatile.Read(ref _count);

    /// <summary>The key kind: 0 SPI only, 1 SPI and destination, 2 SPI, destination and source.</summary>
    public static int KindOf(byte destinationFamily, byte sourceFamily) =>
        destinationFamily == AddressValue.Any ? 0 : sourceFamily == AddressValue.Any ? 1 : 2;

    /// <summary>The key's hash under this process's random seed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetHash(uint spi, SecurityAssociationDirection direction, byte destinationFamily, UInt128 destination, byte sourceFamily, UInt128 source) =>
        GetHash(Seed, spi, KindTag(direction, destinationFamily, sourceFamily), destination, source);

    /// <summary>
    /// The key's hash under <paramref name="seed"/>: the SPI and the kind tag, and each half of both addresses times its
    /// own odd constant, folded into 64 bits with the seed, then the SplitMix64 finalizer (two multiply and xor-shift
    /// rounds); the low 32 bits. Taking the seed as an argument lets known-answer tests pin the function down.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int GetHash(ulong seed, uint spi, int kindTag, UInt128 destination, UInt128 source)
    {
        ulong x = spi | ((ulong)(uint)kindTag << 32);
        x ^= ((ulong)destination * 0x9E3779B97F4A7C15) ^ (UpperHalf(destination) * 0xC2B2AE3D27D4EB4F);
        x ^= ((ulong)source * 0x165667B19E3779F9) ^ (UpperHalf(source) * 0xD6E8FEB86659FD93);
        x ^= seed;
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
        Layout layout = Volatile.Read(ref _layout);
        Slot[] slots = layout.Slots;
        int mask = slots.Length - 1;
        int home = hash & mask;
        // Most entries sit in their home slot: start its cache miss now, so it overlaps the control-byte compare.
        CachePrefetch.Prefetch(ref slots[home]);

        int kind = KindTag(direction, destinationFamily, sourceFamily);
        ulong tag = (uint)hash | ((ulong)spi << 32);
        ulong destination0 = (ulong)destination;
        ulong destination1 = UpperHalf(destination);
        ulong source0 = (ulong)source;
        ulong source1 = UpperHalf(source);
        Vector128<byte> wanted = Vector128.Create(Fingerprint(hash));
        ref byte control = ref MemoryMarshal.GetArrayDataReference(layout.Control);
        for (int group = home; ; group = (group + GroupSize) & mask)
        {
            // The control array repeats its first GroupSize bytes at its end, so a group read never wraps.
            Vector128<byte> bytes = Vector128.LoadUnsafe(ref control, (nuint)group);
            uint empty = Vector128.Equals(bytes, Vector128.Create(Empty)).ExtractMostSignificantBits();
            uint candidates = Vector128.Equals(bytes, wanted).ExtractMostSignificantBits() & ((empty & (0u - empty)) - 1);
            while (candidates != 0)
            {
                ref Slot slot = ref slots[(group + BitOperations.TrailingZeroCount(candidates)) & mask];
                object? item = Volatile.Read(ref slot.Entry);
                ulong difference = (slot.Tag ^ tag) | (uint)(slot.Kind ^ kind) |
                    (slot.Destination0 ^ destination0) | (slot.Destination1 ^ destination1) |
                    (slot.Source0 ^ source0) | (slot.Source1 ^ source1);
                if (difference == 0 && item is not null && !ReferenceEquals(item, Tombstone))
                {
                    expired = Volatile.Read(ref slot.Expired) != 0;
                    return Unsafe.As<SecurityAssociationHandle>(item);
                }

                candidates &= candidates - 1;
            }

            if (empty != 0)
            {
                expired = false;
                return null;
            }
        }
    }

    /// <summary>Records in the entry's slot that it hard-expired. Caller holds the write lock.</summary>
    public void MarkExpired(SecurityAssociationHandle entry)
    {
        Slot[] slots = _layout.Slots;
        int index = IndexOf(slots, entry);
        if (index >= 0)
        {
            Volatile.Write(ref slots[index].Expired, 1);
        }
    }

    /// <summary>Adds an entry unless one with the same key exists. Caller holds the write lock.</summary>
    public bool TryAdd(SecurityAssociationHandle entry)
    {
        if (Find(entry.Spi, entry.Direction, entry.DestinationFamily, entry.DestinationValue, entry.SourceFamily, entry.SourceValue, out _) is not null)
        {
            return false;
        }

        Layout layout = _layout;
        if (2 * (_used + 1) > layout.Slots.Length)
        {
            // Grow when the live entries, the new one included, fill more than a quarter; otherwise the same size without
            // the tombstones.
            layout = Rebuild(4 * (_count + 1) > layout.Slots.Length ? layout.Slots.Length * 2 : layout.Slots.Length);
        }

        layout.Insert(entry, entry.State >= SecurityAssociationState.Expired);
        _used++;

        Volatile.Write(ref _count, _count + 1);
        Interlocked.Increment(ref _kindCounts[KindIndex(entry)]);
        return true;
    }

    /// <summary>Removes this exact entry. Caller holds the write lock.</summary>
    public bool Remove(SecurityAssociationHandle entry)
    {
        Layout layout = _layout;
        int index = IndexOf(layout.Slots, entry);
        if (index < 0)
        {
            return false;
        }

        Volatile.Write(ref layout.Slots[index].Entry, Tombstone);
        layout.SetControl(index, Removed);
        Volatile.Write(ref _count, _count - 1);
        Interlocked.Decrement(ref _kindCounts[KindIndex(entry)]);
        return true;
    }

    /// <summary>Appends every entry to <paramref name="entries"/> (a snapshot of the current array).</summary>
    public void CopyTo(List<SecurityAssociationHandle> entries)
    {
        Slot[] slots = Volatile.Read(ref _layout).Slots;
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
        Slot[] slots = Volatile.Read(ref _layout).Slots;
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
        Volatile.Write(ref _layout, new Layout(InitialSize));
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
        Slot[] slots = Volatile.Read(ref _layout).Slots;
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
        Slot[] slots = Volatile.Read(ref _layout).Slots;
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

    /// <summary>A hash's control byte: its top seven bits with the high bit set, so never <see cref="Empty"/> or <see cref="Removed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Fingerprint(int hash) => (byte)(((uint)hash >> 25) | 0x80);

    /// <summary>The high 64 bits of an address value (the low ones are a plain cast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong UpperHalf(UInt128 value) => (ulong)(value >> 64);

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

    private Layout Rebuild(int size)
    {
        Slot[] old = _layout.Slots;
        var layout = new Layout(size);
        int used = 0;
        for (int i = 0; i < old.Length; i++)
        {
            if (old[i].Entry is SecurityAssociationHandle entry)
            {
                layout.Insert(entry, old[i].Expired != 0 || entry.State >= SecurityAssociationState.Expired);
                used++;
            }
        }

        _used = used;
        LargePages.Collapse(layout.Slots);
        Volatile.Write(ref _layout, layout);
        return layout;
    }

    private static ulong CreateSeed()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    public delegate void EntryVisitor<TState>(ref TState state, SecurityAssociationHandle entry);

    /// <summary>The slots and their control bytes, replaced together by a rebuild.</summary>
    private sealed class Layout
    {
        public readonly Slot[] Slots;

        /// <summary>One byte per slot, then the first <see cref="GroupSize"/> again (so a group read never wraps).</summary>
        public readonly byte[] Control;

        public Layout(int size)
        {
            Slots = new Slot[size];
            LargePages.Prepare(Slots);
            Control = new byte[size + GroupSize];
        }

        /// <summary>Writes the entry's key into the first empty slot of its probe, publishes the entry, then its control byte.</summary>
        public void Insert(SecurityAssociationHandle entry, bool expired)
        {
            int mask = Slots.Length - 1;
            for (int i = entry.Hash & mask; ; i = (i + 1) & mask)
            {
                ref Slot slot = ref Slots[i];
                if (slot.Entry is null)
                {
                    slot.Tag = (uint)entry.Hash | ((ulong)entry.Spi << 32);
                    slot.Kind = KindTag(entry.Direction, entry.DestinationFamily, entry.SourceFamily);
                    slot.Destination0 = (ulong)entry.DestinationValue;
                    slot.Destination1 = UpperHalf(entry.DestinationValue);
                    slot.Source0 = (ulong)entry.SourceValue;
                    slot.Source1 = UpperHalf(entry.SourceValue);
                    slot.Expired = expired ? 1 : 0;
                    Volatile.Write(ref slot.Entry, entry);
                    SetControl(i, Fingerprint(entry.Hash));
                    return;
                }
            }
        }

        public void SetControl(int index, byte value)
        {
            Volatile.Write(ref Control[index], value);
            if (index < GroupSize)
            {
                Volatile.Write(ref Control[Slots.Length + index], value);
            }
        }
    }

    /// <summary>One table slot: the entry (or null, or the tombstone) and, written before it is published, its key.</summary>
    private struct Slot
    {
        public object? Entry;

        /// <summary>The key's hash (low half) and SPI (high half).</summary>
        public ulong Tag;
        public ulong Destination0;
        public ulong Destination1;
        public ulong Source0;
        public ulong Source1;
        public int Kind;
        public int Expired;
    }
}
