using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets;

/// <summary>
/// The live counters behind <see cref="SecurityAssociationStatistics"/>. The per-packet ones (packets and bytes protected
/// and unprotected) are striped: a thread that owns a <see cref="ThreadCounterSlot"/> adds to its own stripe with plain
/// stores (it is the stripe's only writer, so no interlocked add and no line shared with another thread); threads
/// beyond the slots share one more stripe with interlocked adds. A snapshot sums the stripes. Drops are rare and
/// counted in one place with interlocked adds.
/// </summary>
// The drop counters sit 64 bytes from either end of the object (Size = 64 + 88 + 64), so they never share a cache line
// with a neighbour on the heap, such as another SA's counters.
[StructLayout(LayoutKind.Explicit, Size = 216)]
internal sealed class SecurityAssociationCounters
{
    // Stripes 128 bytes apart with their 32 bytes of counters in the middle: two stripes' counters are at least 96 bytes
    // apart, so they never share a 64-byte line whatever the array's alignment.
    [FieldOffset(0)]
    private readonly Stripe[] _stripes = new Stripe[ThreadCounterSlot.Count + 1];

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

    /// <summary>Stripes per SA: one per thread slot and one shared.</summary>
    internal int StripeCount => _stripes.Length;

    public void Protected(int bytes) => Count(1, bytes, protect: true);

    /// <summary>Counts protected packets: plain stores on the caller's own stripe, else two interlocked adds.</summary>
    public void Protected(int packets, long bytes) => Count(packets, bytes, protect: true);

    public void Unprotected(int bytes) => Count(1, bytes, protect: false);

    /// <summary>Counts unprotected packets: plain stores on the caller's own stripe, else two interlocked adds.</summary>
    public void Unprotected(int packets, long bytes) => Count(packets, bytes, protect: false);

    /// <summary><paramref name="protect"/> is a constant at every call, so the field choice folds away.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Count(int packets, long bytes, bool protect)
    {
        int slot = ThreadCounterSlot.Current;
        ref Stripe stripe = ref _stripes[slot >= 0 ? slot : _stripes.Length - 1];
        ref long packetCount = ref protect ? ref stripe.PacketsProtected : ref stripe.PacketsUnprotected;
        ref long byteCount = ref protect ? ref stripe.BytesProtected : ref stripe.BytesUnprotected;
        if (slot >= 0)
        {
            // The stripe's only writer: plain stores, published for Snapshot's volatile reads.
            Volatile.Write(ref packetCount, packetCount + packets);
            Volatile.Write(ref byteCount, byteCount + bytes);
        }
        else if (packets != 0)
        {
            Interlocked.Add(ref packetCount, packets);
            Interlocked.Add(ref byteCount, bytes);
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
