using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets.Sad;

/// <summary>
/// The SAD's hash table: separate chaining over immutable nodes, read without locks.
/// </summary>
/// <remarks>
/// <para>Readers load the bucket array once (volatile) and walk an immutable chain: they see the table before or after
/// any write, never a torn one. Writers are serialized by the caller's lock. Adding pushes a new node on the front of a
/// chain; removing copies the nodes before the removed one; growing builds a new array (and new nodes) and publishes it
/// with one volatile write, while readers still walking the old array see a consistent older state.</para>
/// <para>The load factor stays at or below 1, so a lookup costs a hash and about one node visit whatever the size.
/// Hashes use <see cref="HashCode"/>, which is randomly seeded per process.</para>
/// <para>Memory: one 32-byte node and up to two 8-byte bucket slots per entry, besides the entry itself.</para>
/// </remarks>
internal sealed class SecurityAssociationTable
{
    private const int InitialSize = 16;

    private Node?[] _buckets = new Node?[InitialSize];
    private int _count;

    // Entries per (direction, key kind): the lookup skips kinds that nobody uses.
    private readonly int[] _kindCounts = new int[6];

    public int Count => Volatile.Read(ref _count);

    /// <summary>The key kind: 0 SPI only, 1 SPI and destination, 2 SPI, destination and source.</summary>
    public static int KindOf(byte destinationFamily, byte sourceFamily) =>
        destinationFamily == AddressValue.Any ? 0 : sourceFamily == AddressValue.Any ? 1 : 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetHash(uint spi, SecurityAssociationDirection direction, byte destinationFamily, UInt128 destination, byte sourceFamily, UInt128 source) =>
        HashCode.Combine(spi, (int)direction | (destinationFamily << 8) | (sourceFamily << 16),
            (ulong)(destination >> 64), (ulong)destination, (ulong)(source >> 64), (ulong)source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasKind(SecurityAssociationDirection direction, int kind) => Volatile.Read(ref _kindCounts[((int)direction * 3) + kind]) != 0;

    /// <summary>Finds the entry with exactly this key. Lock-free; no allocation.</summary>
    public SecurityAssociationHandle? Find(uint spi, SecurityAssociationDirection direction, byte destinationFamily, UInt128 destination, byte sourceFamily, UInt128 source)
    {
        int hash = GetHash(spi, direction, destinationFamily, destination, sourceFamily, source);
        Node?[] buckets = Volatile.Read(ref _buckets);
        Node? node = Volatile.Read(ref buckets[hash & (buckets.Length - 1)]);
        while (node is not null)
        {
            SecurityAssociationHandle entry = node.Entry;
            if (entry.Hash == hash && entry.Spi == spi && entry.Direction == direction && entry.DestinationFamily == destinationFamily &&
                entry.SourceFamily == sourceFamily && entry.DestinationValue == destination && entry.SourceValue == source)
            {
                return entry;
            }

            node = node.Next;
        }

        return null;
    }

    /// <summary>Adds an entry unless one with the same key exists. Caller holds the write lock.</summary>
    public bool TryAdd(SecurityAssociationHandle entry)
    {
        if (Find(entry.Spi, entry.Direction, entry.DestinationFamily, entry.DestinationValue, entry.SourceFamily, entry.SourceValue) is not null)
        {
            return false;
        }

        Node?[] buckets = _buckets;
        if (_count >= buckets.Length)
        {
            buckets = Grow(buckets);
        }

        ref Node? head = ref buckets[entry.Hash & (buckets.Length - 1)];
        Volatile.Write(ref head, new Node(entry, head));
        Volatile.Write(ref _count, _count + 1);
        Interlocked.Increment(ref _kindCounts[KindIndex(entry)]);
        return true;
    }

    /// <summary>Removes this exact entry. Caller holds the write lock.</summary>
    public bool Remove(SecurityAssociationHandle entry)
    {
        Node?[] buckets = _buckets;
        ref Node? head = ref buckets[entry.Hash & (buckets.Length - 1)];
        Node? found = head;
        while (found is not null && !ReferenceEquals(found.Entry, entry))
        {
            found = found.Next;
        }

        if (found is null)
        {
            return false;
        }

        // Copy the nodes in front of the removed one onto its successor; readers on the old chain are unaffected.
        Node? rebuilt = found.Next;
        Node?[] prefix = CollectPrefix(head!, found);
        for (int i = prefix.Length - 1; i >= 0; i--)
        {
            rebuilt = new Node(prefix[i]!.Entry, rebuilt);
        }

        Volatile.Write(ref head, rebuilt);
        Volatile.Write(ref _count, _count - 1);
        Interlocked.Decrement(ref _kindCounts[KindIndex(entry)]);
        return true;
    }

    /// <summary>Appends every entry to <paramref name="entries"/> (a snapshot of the current array).</summary>
    public void CopyTo(List<SecurityAssociationHandle> entries)
    {
        Node?[] buckets = Volatile.Read(ref _buckets);
        for (int i = 0; i < buckets.Length; i++)
        {
            for (Node? node = Volatile.Read(ref buckets[i]); node is not null; node = node.Next)
            {
                entries.Add(node.Entry);
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every entry of the current array without copying.</summary>
    public void ForEach<TState>(ref TState state, EntryVisitor<TState> visit)
    {
        Node?[] buckets = Volatile.Read(ref _buckets);
        for (int i = 0; i < buckets.Length; i++)
        {
            for (Node? node = Volatile.Read(ref buckets[i]); node is not null; node = node.Next)
            {
                visit(ref state, node.Entry);
            }
        }
    }

    /// <summary>Empties the table. Caller holds the write lock.</summary>
    public void Clear()
    {
        Volatile.Write(ref _buckets, new Node?[InitialSize]);
        Volatile.Write(ref _count, 0);
        for (int i = 0; i < _kindCounts.Length; i++)
        {
            Volatile.Write(ref _kindCounts[i], 0);
        }
    }

    /// <summary>The longest chain: a diagnostic for tests of the hash distribution.</summary>
    internal int LongestChain()
    {
        int longest = 0;
        Node?[] buckets = Volatile.Read(ref _buckets);
        foreach (Node? head in buckets)
        {
            int length = 0;
            for (Node? node = head; node is not null; node = node.Next)
            {
                length++;
            }

            longest = Math.Max(longest, length);
        }

        return longest;
    }

    private static int KindIndex(SecurityAssociationHandle entry) => ((int)entry.Direction * 3) + KindOf(entry.DestinationFamily, entry.SourceFamily);

    private static Node?[] CollectPrefix(Node head, Node stop)
    {
        int length = 0;
        for (Node? node = head; node != stop; node = node!.Next)
        {
            length++;
        }

        var prefix = new Node?[length];
        Node? current = head;
        for (int i = 0; i < length; i++)
        {
            prefix[i] = current;
            current = current!.Next;
        }

        return prefix;
    }

    private Node?[] Grow(Node?[] old)
    {
        var buckets = new Node?[old.Length * 2];
        int mask = buckets.Length - 1;
        foreach (Node? head in old)
        {
            for (Node? node = head; node is not null; node = node.Next)
            {
                ref Node? slot = ref buckets[node.Entry.Hash & mask];
                slot = new Node(node.Entry, slot);
            }
        }

        Volatile.Write(ref _buckets, buckets);
        return buckets;
    }

    public delegate void EntryVisitor<TState>(ref TState state, SecurityAssociationHandle entry);

    private sealed class Node(SecurityAssociationHandle entry, Node? next)
    {
        public readonly SecurityAssociationHandle Entry = entry;
        public readonly Node? Next = next;
    }
}
