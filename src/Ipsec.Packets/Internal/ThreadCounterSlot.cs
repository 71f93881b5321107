using System;
using System.Numerics;
using System.Threading;

namespace Ipsec.Packets.Internal;

/// <summary>
/// Gives each thread, for its lifetime, one of <see cref="Count"/> counter slots that no other thread writes, or none
/// (-1) while all are taken. A thread that owns a slot adds to its stripe of an SA's counters with plain stores (one
/// writer per stripe); the others share one more stripe with interlocked adds. A slot returns to the pool when its
/// thread has ended (the holder kept in a thread-static is then unreachable and its finalizer frees the slot).
/// </summary>
internal static class ThreadCounterSlot
{
    /// <summary>Slots: the processor count rounded up to a power of two, at most 16.</summary>
    public static readonly int Count = (int)uint.Min(BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount), 16u);

    private static int s_free = (1 << Count) - 1;

    // The slot plus one (0: not asked yet, -1: none free when asked): a primitive thread-static, read inline on every
    // packet. The holder only keeps the slot for the thread's lifetime (its finalizer frees it); it is never read.
    [ThreadStatic]
    private static int t_slotPlusOne;

    [ThreadStatic]
    private static Holder? t_holder;

    /// <summary>How many slots are free now (tests).</summary>
    internal static int FreeSlots => BitOperations.PopCount((uint)Volatile.Read(ref s_free));

    /// <summary>The calling thread's slot (0 to <see cref="Count"/> - 1), or -1 when it has none.</summary>
    public static int Current
    {
        get
        {
            int slotPlusOne = t_slotPlusOne;
            return slotPlusOne > 0 ? slotPlusOne - 1 : slotPlusOne < 0 ? -1 : Acquire();
        }
    }

    private static int Acquire()
    {
        int slot = -1;
        int free = Volatile.Read(ref s_free);
        while (free != 0)
        {
            int bit = BitOperations.TrailingZeroCount(free);
            int witnessed = Interlocked.CompareExchange(ref s_free, free & ~(1 << bit), free);
            if (witnessed == free)
            {
                slot = bit;
                break;
            }

            free = witnessed;
        }

        t_holder = new Holder(slot);
        t_slotPlusOne = slot >= 0 ? slot + 1 : -1;
        return slot;
    }

    private sealed class Holder(int slot)
    {
        public readonly int Slot = slot;

        ~Holder()
        {
            if (Slot >= 0)
            {
                int free = Volatile.Read(ref s_free);
                while (true)
                {
                    int witnessed = Interlocked.CompareExchange(ref s_free, free | (1 << Slot), free);
                    if (witnessed == free)
                    {
                        return;
                    }

                    free = witnessed;
                }
            }
        }
    }
}
