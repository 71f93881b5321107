using System;
using Ipsec.Packets;

namespace EspGateway.Gateway;

/// <summary>
/// One worker thread's counters: written only by that thread (plain increments, no atomics on the data path), read
/// racily by the statistics printer, which is fine for 64-bit counters on 64-bit hardware.
/// </summary>
internal sealed class WorkerCounters
{
    /// <summary>Refusals by the library's status (index: <see cref="IpsecStatus"/>).</summary>
    public readonly long[] Refused = new long[Enum.GetValues<IpsecStatus>().Length];

    public long TunReads;
    public long TunSegmentsCut;
    public long TunPacketsWritten;
    public long TunWriteErrors;
    public long TunCoalescedWrites;
    public long EspPacketsSent;
    public long EspBytesSent;
    public long SendCalls;
    public long SendErrors;
    public long GsoSends;
    public long EspPacketsReceived;
    public long EspBytesReceived;
    public long ReceiveCalls;
    public long GroDatagrams;
    public long InnerPacketsDelivered;
    public long InnerBytesDelivered;
    public long NonEspDropped;
    public long InnerMalformed;
    public long NoOutboundSa;
    public long IcmpTooBigSent;
    public long TooBigDropped;
    public long PeerEndpointUpdates;

    /// <summary>Bytes this thread allocated since its warm-up ended (<see cref="GC.GetAllocatedBytesForCurrentThread"/>).</summary>
    public long AllocatedBytesAfterWarmup;

    /// <summary>Packets this thread handled since its warm-up ended.</summary>
    public long PacketsAfterWarmup;

    private long _warmupAllocated = -1;
    private long _warmupPackets;

    /// <summary>Called by the owning thread after each batch; warm-up ends after the first 10,000 packets (JIT tiers settle).</summary>
    public void SampleAllocations(long packetsHandled)
    {
        if (_warmupAllocated < 0)
        {
            if (packetsHandled >= 10_000)
            {
                _warmupAllocated = GC.GetAllocatedBytesForCurrentThread();
                _warmupPackets = packetsHandled;
            }

            return;
        }

        AllocatedBytesAfterWarmup = GC.GetAllocatedBytesForCurrentThread() - _warmupAllocated;
        PacketsAfterWarmup = packetsHandled - _warmupPackets;
    }
}
