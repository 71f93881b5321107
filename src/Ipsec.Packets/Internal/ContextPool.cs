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
    private readonly T?[] _slots;
    private readonly T[] _all;

    public ContextPool(Func<T> factory, int size = 0)
    {
        if (size <= 0)
        {
            size = Math.Max(4, Environment.ProcessorCount * 2);
        }

        _slots = new T?[size];
        _all = new T[size];
        for (int i = 0; i < size; i++)
        {
            _all[i] = factory();
            _slots[i] = _all[i];
        }
    }

    /// <summary>Every context the pool owns, for disposal.</summary>
    public ReadOnlySpan<T> All => _all;

    public T Rent()
    {
        T?[] slots = _slots;
        int start = Environment.CurrentManagedThreadId % slots.Length;
        SpinWait spin = default;
        while (true)
        {
            for (int n = 0; n < slots.Length; n++)
            {
                int i = start + n;
                if (i >= slots.Length)
                {
                    i -= slots.Length;
                }

                T? item = Interlocked.Exchange(ref slots[i], null);
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
        int start = Environment.CurrentManagedThreadId % slots.Length;
        for (int n = 0; n < slots.Length; n++)
        {
            int i = start + n;
            if (i >= slots.Length)
            {
                i -= slots.Length;
            }

            if (Interlocked.CompareExchange(ref slots[i], item, null) is null)
            {
                return;
            }
        }
    }
}
