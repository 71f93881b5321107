using System.Runtime.InteropServices;
using System.Threading;

namespace Ipsec.Packets;

/// <summary>The live counters behind <see cref="SecurityAssociationStatistics"/>; updated with interlocked adds.</summary>
// The counters sit 64 bytes from either end of the object (Size = 64 + 88 + 64), so written on every packet they never
// share a cache line with a neighbour on the heap, such as another SA's counters.
[StructLayout(LayoutKind.Explicit, Size = 216)]
internal sealed class SecurityAssociationCounters
{
    [FieldOffset(64)]
    public long PacketsProtected;
    [FieldOffset(72)]
    public long BytesProtected;
    [FieldOffset(80)]
    public long PacketsUnprotected;
    [FieldOffset(88)]
    public long BytesUnprotected;
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

    public void Protected(int bytes)
    {
        Interlocked.Increment(ref PacketsProtected);
        Interlocked.Add(ref BytesProtected, bytes);
    }

    /// <summary>Counts a batch of protected packets with two interlocked adds.</summary>
    public void Protected(int packets, long bytes)
    {
        if (packets != 0)
        {
            Interlocked.Add(ref PacketsProtected, packets);
            Interlocked.Add(ref BytesProtected, bytes);
        }
    }

    public void Unprotected(int bytes)
    {
        Interlocked.Increment(ref PacketsUnprotected);
        Interlocked.Add(ref BytesUnprotected, bytes);
    }

    /// <summary>Counts a batch of unprotected packets with two interlocked adds.</summary>
    public void Unprotected(int packets, long bytes)
    {
        if (packets != 0)
        {
            Interlocked.Add(ref PacketsUnprotected, packets);
            Interlocked.Add(ref BytesUnprotected, bytes);
        }
    }

    public SecurityAssociationStatistics Snapshot() => new(
        Volatile.Read(ref PacketsProtected), Volatile.Read(ref BytesProtected), Volatile.Read(ref PacketsUnprotected),
        Volatile.Read(ref BytesUnprotected), Volatile.Read(ref ReplayDrops), Volatile.Read(ref AuthenticationFailures),
        Volatile.Read(ref PaddingErrors), Volatile.Read(ref MalformedDrops), Volatile.Read(ref DummyPackets),
        Volatile.Read(ref SequenceExhaustedDrops), Volatile.Read(ref PolicyMismatches));
}
