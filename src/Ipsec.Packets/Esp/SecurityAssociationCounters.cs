using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading;

namespace Ipsec.Packets;

/// <summary>
/// The live counters behind <see cref="SecurityAssociationStatistics"/>. The per-packet ones (packets and bytes protected
/// and unprotected) are striped: each thread adds to its own stripe (threads take stripes round robin, as many stripes as
/// processors up to 16), so threads sharing one SA do not write the same cache line for every packet; a snapshot sums
/// the stripes. Drops are rare and counted in one place. Every update is an interlocked add (with more threads than
/// stripes, two share one).
/// </summary>
// The drop counters sit 64 bytes from either end of the object (Size = 64 + 88 + 64), so they never share a cache line
// with a neighbour on the heap, such as another SA's counters.
[StructLayout(LayoutKind.Explicit, Size = 216)]
internal sealed class SecurityAssociationCounters
{
    // Stripes 128 bytes apart with their 32 bytes of counters in the middle: two stripes' counters are at least 96 bytes
    // apart, so they never share a 64-byte line whatever the array's alignment.
    [FieldOffset(0)]
    private readonly Stripe[] _stripes = new Stripe[StripeCount];

    [FieldOffset(96)]
    public long ReplayDrops;
    [FieldOffset(104)]
    public long AuthenticationFailures;
    [FieldOffset(112)]
    public long PaddingErrors;
    [FieldOffset(120)]
    public long MalformedDrops;
    [FieldOffset(128)]
    public long DummyPackets;
    [FieldOffset(136)]
    public long SequenceExhaustedDrops;
    [FieldOffset(144)]
    public long PolicyMismatches;

    /// <summary>Stripes per SA: the processor count rounded up to a power of two, at most 16.</summary>
    internal static readonly int StripeCount = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount), 16u);

    // Each thread takes the next stripe, round robin, the first time it counts on any SA, and keeps it: threads spread
    // over the stripes like processors do, without asking the OS which processor runs them (sched_getcpu costs about
    // as much as an interlocked add here).
    [ThreadStatic]
    private static int t_stripePlusOne;
    private static int s_threadsSeen;

    /// <summary>The calling thread's stripe.</summary>
    private ref Stripe Current
    {
        get
        {
            int stripe = t_stripePlusOne - 1;
            if (stripe < 0)
            {
                stripe = (Interlocked.Increment(ref s_threadsSeen) - 1) & (StripeCount - 1);
                t_stripePlusOne = stripe + 1;
            }

            return ref _stripes[stripe];
        }
    }

    public void Protected(int bytes)
    {
        ref Stripe stripe = ref Current;
        Interlocked.Increment(ref stripe.PacketsProtected);
        Interlocked.Add(ref stripe.BytesProtected, bytes);
    }

    /// <summary>Counts a batch of protected packets with two interlocked adds.</summary>
    public void Protected(int packets, long bytes)
    {
        if (packets != 0)
        {
            ref Stripe stripe = ref Current;
            Interlocked.Add(ref stripe.PacketsProtected, packets);
            Interlocked.Add(ref stripe.BytesProtected, bytes);
        }
    }

    public void Unprotected(int bytes)
    {
        ref Stripe stripe = ref Current;
        Interlocked.Increment(ref stripe.PacketsUnprotected);
        Interlocked.Add(ref stripe.BytesUnprotected, bytes);
    }

    /// <summary>Counts a batch of unprotected packets with two interlocked adds.</summary>
    public void Unprotected(int packets, long bytes)
    {
        if (packets != 0)
        {
            ref Stripe stripe = ref Current;
            Interlocked.Add(ref stripe.PacketsUnprotected, packets);
            Interlocked.Add(ref stripe.BytesUnprotected, bytes);
        }
    }

    public SecurityAssociationStatistics Snapshot()
    {
        long packetsProtected = 0, bytesProtected = 0, packetsUnprotected = 0, bytesUnprotected = 0;
        foreach (ref Stripe stripe in _stripes.AsSpan())
        {
            packetsProtected += Volatile.Read(ref stripe.PacketsProtected);
            bytesProtected += Volatile.Read(ref stripe.BytesProtected);
            packetsUnprotected += Volatile.Read(ref stripe.PacketsUnprotected);
            bytesUnprotected += Volatile.Read(ref stripe.BytesUnprotected);
        }

        return new(
            packetsProtected, bytesProtected, packetsUnprotected, bytesUnprotected, Volatile.Read(ref ReplayDrops),
            Volatile.Read(ref AuthenticationFailures), Volatile.Read(ref PaddingErrors), Volatile.Read(ref MalformedDrops),
            Volatile.Read(ref DummyPackets), Volatile.Read(ref SequenceExhaustedDrops), Volatile.Read(ref PolicyMismatches));
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Stripe
    {
        [FieldOffset(48)]
        public long PacketsProtected;
        [FieldOffset(56)]
        public long BytesProtected;
        [FieldOffset(64)]
        public long PacketsUnprotected;
        [FieldOffset(72)]
        public long BytesUnprotected;
    }
}
