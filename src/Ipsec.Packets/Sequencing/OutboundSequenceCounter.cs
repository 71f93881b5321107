using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Ipsec.Packets.Sequencing;

/// <summary>
/// The sender's sequence number (RFC 4303 §3.3.3): unique under any number of threads and never wrapping; once the
/// last number is used the SA is exhausted and must be rekeyed.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal sealed class OutboundSequenceCounter
{
    // The counter sits 64 bytes from either end of the object, so no neighbour on the heap (another SA's counter
    // included) shares its cache line: two threads on two SAs never contend.
    [FieldOffset(0)]
    private readonly ulong _maximum;
    [FieldOffset(64)]
    private ulong _last;

    /// <summary>Creates a counter for 32-bit or extended 64-bit sequence numbers.</summary>
    /// <param name="extended">True for extended (64-bit) sequence numbers.</param>
    /// <param name="lastUsed">The last number already sent (0 for a new SA).</param>
    public OutboundSequenceCounter(bool extended, ulong lastUsed)
    {
        _maximum = extended ? ulong.MaxValue : uint.MaxValue;
        _last = lastUsed;
    }

    /// <summary>The last sequence number handed out.</summary>
    public ulong LastUsed => Volatile.Read(ref _last);

    /// <summary>The largest sequence number the SA may use.</summary>
    public ulong Maximum => _maximum;

    /// <summary>Hands out the next sequence number.</summary>
    /// <returns>False once the sequence space is exhausted; the counter does not move then.</returns>
    public bool TryNext(out ulong sequenceNumber)
    {
        while (true)
        {
            ulong current = Volatile.Read(ref _last);
            if (current >= _maximum)
            {
                sequenceNumber = 0;
                return false;
            }

            if (Interlocked.CompareExchange(ref _last, current + 1, current) == current)
            {
                sequenceNumber = current + 1;
                return true;
            }
        }
    }

    /// <summary>Hands out up to <paramref name="count"/> consecutive sequence numbers with one atomic step.</summary>
    /// <param name="count">How many are wanted (at least 1).</param>
    /// <param name="first">The first number handed out; 0 when none is.</param>
    /// <returns>How many were handed out: <paramref name="count"/>, fewer just before exhaustion, 0 once exhausted.</returns>
    public int Reserve(int count, out ulong first)
    {
        while (true)
        {
            ulong current = Volatile.Read(ref _last);
            ulong available = _maximum - current;
            int granted = (int)Math.Min(available, (ulong)count);
            if (granted <= 0)
            {
                first = 0;
                return 0;
            }

            if (Interlocked.CompareExchange(ref _last, current + (ulong)granted, current) == current)
            {
                first = current + 1;
                return granted;
            }
        }
    }
}
