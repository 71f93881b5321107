using System.Threading;

namespace Ipsec.Packets;

/// <summary>The live counters behind <see cref="SecurityAssociationStatistics"/>; updated with interlocked adds.</summary>
internal sealed class SecurityAssociationCounters
{
    public long PacketsProtected;
    public long BytesProtected;
    public long PacketsUnprotected;
    public long BytesUnprotected;
    public long ReplayDrops;
    public long AuthenticationFailures;
    public long PaddingErrors;
    public long MalformedDrops;
    public long DummyPackets;
    public long SequenceExhaustedDrops;
    public long PolicyMismatches;

    public void Protected(int bytes)
    {
        Interlocked.Increment(ref PacketsProtected);
        Interlocked.Add(ref BytesProtected, bytes);
    }

    public void Unprotected(int bytes)
    {
        Interlocked.Increment(ref PacketsUnprotected);
        Interlocked.Add(ref BytesUnprotected, bytes);
    }

    public SecurityAssociationStatistics Snapshot() => new(
        Volatile.Read(ref PacketsProtected), Volatile.Read(ref BytesProtected), Volatile.Read(ref PacketsUnprotected),
        Volatile.Read(ref BytesUnprotected), Volatile.Read(ref ReplayDrops), Volatile.Read(ref AuthenticationFailures),
        Volatile.Read(ref PaddingErrors), Volatile.Read(ref MalformedDrops), Volatile.Read(ref DummyPackets),
        Volatile.Read(ref SequenceExhaustedDrops), Volatile.Read(ref PolicyMismatches));
}
