using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Scaling;

/// <summary>
/// Multi-core scaling of ESP AES-GCM-128 in tunnel mode: <see cref="Threads"/> worker threads share a fixed
/// <see cref="PacketsPerInvoke"/> packets per invocation, each protecting (or unprotecting through
/// <see cref="IpsecPacketProcessor.ProcessInbound"/>, replay window on) either over its own SA or all over one shared SA.
/// The table reads per packet, so the scaling factor is Mean(Threads = 1) / Mean(Threads = 2) of a row; the program prints it
/// after the run. Workers are long-lived threads woken per invocation.
/// </summary>
[MemoryDiagnoser]
public class ScalingBenchmarks
{
    public const int PacketsPerInvoke = 4096;
    private const int MaximumThreads = 2;

    // Each thread's own ring stays within its core's L2 cache (512 packets of at most ~1.5 KB), so the rows measure the
    // library rather than two threads streaming pre-built packets from the shared L3; the receiver's window is reset at
    // every wrap (a few hundred bytes cleared per 512 packets).
    private const int OwnRingPackets = 512;

    private EspTestbed _testbed = null!;
    private WorkerPool _pool = null!;
    private EspProcessor[] _ownSenders = null!;
    private EspSecurityAssociation[] _ownReceivers = null!;
    private PacketRing[] _ownRings = null!;
    private EspProcessor _sharedSender = null!;
    private EspSecurityAssociation _sharedReceiver = null!;
    private PacketRing _sharedRing = null!;
    private byte[][] _protectBuffers = null!;
    private byte[][] _receiveBuffers = null!;
    private int _protectOffset;
    private byte[] _plain = null!;
    private int[] _accepted = null!;
    private Action<int> _protectOwn = null!;
    private Action<int> _protectShared = null!;
    private Action<int> _unprotectOwn = null!;
    private Action<int> _unprotectShared = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(64, 1400)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        EspSuite suite = EspSuite.AesGcm128;
        _testbed = new EspTestbed(IpsecMode.Tunnel);
        _plain = _testbed.PlainPacket(PayloadSize);
        _ownSenders = new EspProcessor[MaximumThreads];
        _ownReceivers = new EspSecurityAssociation[MaximumThreads];
        _ownRings = new PacketRing[MaximumThreads];
        _protectBuffers = new byte[MaximumThreads][];
        _receiveBuffers = new byte[MaximumThreads][];
        for (int t = 0; t < MaximumThreads; t++)
        {
            (_ownSenders[t], _ownReceivers[t]) = _testbed.AddSa(suite, (uint)(0x1000 + t), 4096);
            using EspProcessor ringSender = _testbed.CreateSender(suite.Options((uint)(0x1000 + t), 0));
            _ownRings[t] = new PacketRing(ringSender, _plain, OwnRingPackets);
            _protectBuffers[t] = EspTestbed.ProtectBuffer(_ownSenders[t], _plain, out _protectOffset);
        }

        (_sharedSender, _sharedReceiver) = _testbed.AddSa(suite, 0x2000, 4096);
        using (EspProcessor ringSender = _testbed.CreateSender(suite.Options(0x2000, 0)))
        {
            _sharedRing = new PacketRing(ringSender, _plain, PacketsPerInvoke);
        }

        for (int t = 0; t < MaximumThreads; t++)
        {
            _receiveBuffers[t] = new byte[_sharedRing.Length + (2 * EspTestbed.GuardBytes)];
        }

        _accepted = new int[MaximumThreads * 16];
        _protectOwn = t => ProtectShare(t, _ownSenders[t]);
        _protectShared = t => ProtectShare(t, _sharedSender);
        _unprotectOwn = UnprotectOwnShare;
        _unprotectShared = UnprotectSharedShare;
        _pool = new WorkerPool(Threads);

        if (ProtectOwnSa() != PacketsPerInvoke || ProtectSharedSa() != PacketsPerInvoke ||
            UnprotectOwnSa() != PacketsPerInvoke || UnprotectSharedSa() != PacketsPerInvoke)
        {
            throw new InvalidOperationException("a packet failed");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        foreach (EspProcessor sender in _ownSenders)
        {
            sender.Dispose();
        }

        _sharedSender.Dispose();
        _testbed.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "protect, one SA per thread")]
    public int ProtectOwnSa() => RunAndCount(_protectOwn);

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "protect, one SA shared by all threads")]
    public int ProtectSharedSa() => RunAndCount(_protectShared);

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "unprotect, one SA per thread")]
    public int UnprotectOwnSa() => RunAndCount(_unprotectOwn);

    /// <summary>All threads feed one receiving SA (interleaved sequence numbers); its window is emptied after each invocation.</summary>
    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "unprotect, one SA shared by all threads")]
    public int UnprotectSharedSa()
    {
        int accepted = RunAndCount(_unprotectShared);
        _sharedReceiver.ResetReplayWindow();
        return accepted;
    }

    private int RunAndCount(Action<int> work)
    {
        _pool.Run(work);
        int accepted = 0;
        for (int t = 0; t < Threads; t++)
        {
            accepted += _accepted[t * 16];
        }

        return accepted;
    }

    private void ProtectShare(int thread, EspProcessor sender)
    {
        byte[] buffer = _protectBuffers[thread];
        int offset = _protectOffset;
        int share = PacketsPerInvoke / Threads;
        int accepted = 0;
        for (int i = 0; i < share; i++)
        {
            // The inner header is put back (protect encrypted it); the rest is last round's ciphertext, same cost.
            _plain.AsSpan(0, 20).CopyTo(buffer.AsSpan(offset));
            if (sender.Protect(buffer, offset, _plain.Length, out _) == IpsecStatus.Success)
            {
                accepted++;
            }
        }

        _accepted[thread * 16] = accepted;
    }

    /// <summary>Thread t unprotects the first share of its own SA's ring, then empties that SA's window for the next invocation.</summary>
    private void UnprotectOwnShare(int thread)
    {
        PacketRing ring = _ownRings[thread];
        byte[] buffer = _receiveBuffers[thread];
        int share = PacketsPerInvoke / Threads;
        int accepted = 0;
        for (int i = 0; i < share; i++)
        {
            int index = i % OwnRingPackets;
            ring[index].CopyTo(buffer.AsSpan(EspTestbed.GuardBytes));
            if (_testbed.Inbound.ProcessInbound(buffer, EspTestbed.GuardBytes, ring.Length, out _) == IpsecStatus.Success)
            {
                accepted++;
            }

            if (index == OwnRingPackets - 1)
            {
                _ownReceivers[thread].ResetReplayWindow();
            }
        }

        _ownReceivers[thread].ResetReplayWindow();
        _accepted[thread * 16] = accepted;
    }

    /// <summary>Thread t unprotects packets t, t + N, t + 2N, ... of the shared ring.</summary>
    private void UnprotectSharedShare(int thread)
    {
        PacketRing ring = _sharedRing;
        byte[] buffer = _receiveBuffers[thread];
        int accepted = 0;
        for (int i = thread; i < PacketsPerInvoke; i += Threads)
        {
            ring[i].CopyTo(buffer.AsSpan(EspTestbed.GuardBytes));
            if (_testbed.Inbound.ProcessInbound(buffer, EspTestbed.GuardBytes, ring.Length, out _) == IpsecStatus.Success)
            {
                accepted++;
            }
        }

        _accepted[thread * 16] = accepted;
    }
}
