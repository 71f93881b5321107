using System;
using System.Threading;

namespace Ipsec.Packets.Internal;

/// <summary>
/// A fixed, lock-free pool of reusable per-call contexts (keyed hash states and the like), filled once at construction.
/// Renting scans for a free slot with <see cref="Interlocked.Exchange{T}(ref T, T)"/>; when every slot is busy it spins
/// until one is returned, so the data path never allocates.
/// </summary>
internal sealed class ContextPool<T> where T : class
{
    private const int Stride = 8;

    private readonly T?[] _slots;
    private readonly T[] _all;

    public ContextPool(Func<T> factory, int size = 0)
    {
        if (size <= 0)
        {
            size = Math.Max(4, Environment.ProcessorCount * 2);
        }

        // One slot per 64-byte line, and a guard line at each end: threads renting different slots, and the pools of
        // other SAs allocated next to this one, never write to the same cache line.
        _slots = new T?[(size + 2) * Stride];
        _all = new T[size];
        for (int i = 0; i < size; i++)
        {
            _all[i] = factory();
            _slots[(i + 1) * Stride] = _all[i];
        }
    }

    /// <summary>Every context the pool owns, for disposal.</summary>
    public ReadOnlySpan<T> All => _all;

    public T Rent()
    {
        T?[] slots = _slots;
        int count = _all.Length;
        int start = Environment.CurrentManagedThreadId % count;
        SpinWait spin = default;
        while (true)
        {
            for (int n = 0; n < count; n++)
            {
                int i = start + n;
                if (i >= count)
                {
                    i -= count;
                }

                T? item = Interlocked.Exchange(ref slots[(i + 1) * Stride], null);
                if (item is not null)
                {
                    return item;
                }
            }

            spin.SpinOnce();
        }
    }

    public void Return(T item)
    {
        T?[] slots = _slots;
        int count = _all.Length;
        int start = Environment.CurrentManagedThreadId % count;
        for (int n = 0; n < count; n++)
        {
            int i = start + n;
            if (i >= count)
            {
                i -= count;
            }

            if (Interlocked.CompareExchange(ref slots[(i + 1) * Stride], item, null) is null)
            {
                return;
            }
        }
    }
}
