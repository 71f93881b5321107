using System;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
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
/// <remarks>
/// Two control rows share nothing between threads and use no library code. The first runs only AES-NI rounds over the
/// payload in managed code (AES-CTR keystream XOR, one key and one buffer per thread): pure per-core compute, so its
/// factor is what this machine's vCPUs give two threads at all. The second runs only the bare BCL primitive (<see cref="AesGcm.Encrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, Span{byte}, ReadOnlySpan{byte})"/>,
/// one key and one set of buffers per thread) on the same payloads, OpenSSL underneath. The library's rows are read
/// against these ceilings. <see cref="PairedScaling"/> measures the same rows as interleaved one-thread/two-thread pairs,
/// which a noisy host disturbs less than cases run minutes apart.
/// </remarks>
[MemoryDiagnoser]
public class ScalingBenchmarks
{
    public const int PacketsPerInvoke = 16384;

    // Row names, shared with PairedScaling.
    public const string ProtectOwnSaRow = "protect, one SA per thread";
    public const string ProtectSharedSaRow = "protect, one SA shared by all threads";
    public const string UnprotectOwnSaRow = "unprotect, one SA per thread";
    public const string UnprotectSharedSaRow = "unprotect, one SA shared by all threads";
    public const string BclControlRow = "control: bare BCL AesGcm.Encrypt, one key per thread";
    public const string AesNiControlRow = "control: AES-NI CTR rounds only, one key per thread";

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
    private Action<int> _bclEncrypt = null!;
    private AesGcm[] _bclKeys = null!;
    private byte[][] _bclBuffers = null!;
    private Action<int> _aesNiCtr = null!;
    private Vector128<byte>[][] _aesNiKeys = null!;

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

        // The shared receiver's window spans a whole invocation, so however far one thread runs ahead of the other, no
        // packet falls behind the window.
        (_sharedSender, _sharedReceiver) = _testbed.AddSa(suite, 0x2000, PacketsPerInvoke);
        using (EspProcessor ringSender = _testbed.CreateSender(suite.Options(0x2000, 0)))
        {
            _sharedRing = new PacketRing(ringSender, _plain, PacketsPerInvoke);
        }

        for (int t = 0; t < MaximumThreads; t++)
        {
            _receiveBuffers[t] = new byte[_sharedRing.Length + (2 * EspTestbed.GuardBytes)];
        }

        _bclKeys = new AesGcm[MaximumThreads];
        _bclBuffers = new byte[MaximumThreads][];
        for (int t = 0; t < MaximumThreads; t++)
        {
            _bclKeys[t] = new AesGcm(RandomNumberGenerator.GetBytes(16), 16);

            // Nonce, AAD, plaintext, ciphertext and tag of one thread, with a guard line on either side.
            _bclBuffers[t] = new byte[EspTestbed.GuardBytes + 12 + 8 + (2 * PayloadSize) + 16 + EspTestbed.GuardBytes];
        }

        _aesNiKeys = new Vector128<byte>[MaximumThreads][];
        for (int t = 0; t < MaximumThreads; t++)
        {
            // Eleven random round keys: the rounds cost the same whatever the schedule, and no key schedule code is needed.
            _aesNiKeys[t] = new Vector128<byte>[11 + 4];
            for (int r = 0; r < 11; r++)
            {
                _aesNiKeys[t][r] = Vector128.Create(RandomNumberGenerator.GetBytes(16));
            }
        }

        _accepted = new int[MaximumThreads * 16];
        _protectOwn = t => ProtectShare(t, _ownSenders[t]);
        _protectShared = t => ProtectShare(t, _sharedSender);
        _unprotectOwn = UnprotectOwnShare;
        _unprotectShared = UnprotectSharedShare;
        _bclEncrypt = BclEncryptShare;
        _aesNiCtr = AesNiCtrShare;
        _pool = new WorkerPool(Threads);

        if (ProtectOwnSa() != PacketsPerInvoke || ProtectSharedSa() != PacketsPerInvoke ||
            UnprotectOwnSa() != PacketsPerInvoke || UnprotectSharedSa() != PacketsPerInvoke || BclEncryptOwnKey() != PacketsPerInvoke ||
            AesNiCtrOwnKey() != PacketsPerInvoke)
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
        foreach (AesGcm key in _bclKeys)
        {
            key.Dispose();
        }

        _testbed.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = ProtectOwnSaRow)]
    public int ProtectOwnSa() => RunAndCount(_protectOwn);

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = ProtectSharedSaRow)]
    public int ProtectSharedSa() => RunAndCount(_protectShared);

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = UnprotectOwnSaRow)]
    public int UnprotectOwnSa() => RunAndCount(_unprotectOwn);

    /// <summary>All threads feed one receiving SA (interleaved sequence numbers); its window is emptied after each invocation.</summary>
    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = UnprotectSharedSaRow)]
    public int UnprotectSharedSa()
    {
        int accepted = RunAndCount(_unprotectShared);
        _sharedReceiver.ResetReplayWindow();
        return accepted;
    }

    /// <summary>The control: the bare BCL AES-GCM seal of the payload, one key per thread, nothing shared.</summary>
    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = BclControlRow)]
    public int BclEncryptOwnKey() => RunAndCount(_bclEncrypt);

    /// <summary>The compute control: AES-NI CTR over the payload, one key per thread, no library and no OpenSSL.</summary>
    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = AesNiControlRow)]
    public int AesNiCtrOwnKey() => RunAndCount(_aesNiCtr);

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

    private void BclEncryptShare(int thread)
    {
        AesGcm key = _bclKeys[thread];
        Span<byte> buffer = _bclBuffers[thread].AsSpan(EspTestbed.GuardBytes);
        Span<byte> nonce = buffer[..12];
        ReadOnlySpan<byte> aad = buffer.Slice(12, 8);
        ReadOnlySpan<byte> plaintext = buffer.Slice(20, PayloadSize);
        Span<byte> ciphertext = buffer.Slice(20 + PayloadSize, PayloadSize);
        Span<byte> tag = buffer.Slice(20 + (2 * PayloadSize), 16);
        int share = PacketsPerInvoke / Threads;
        for (int i = 0; i < share; i++)
        {
            // A fresh nonce per packet, as ESP's sequence-numbered IVs are.
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(nonce[8..], i);
            key.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        }

        _accepted[thread * 16] = share;
    }

    private void AesNiCtrShare(int thread)
    {
        Vector128<byte>[] keys = _aesNiKeys[thread];
        Span<byte> buffer = _bclBuffers[thread].AsSpan(EspTestbed.GuardBytes);
        ReadOnlySpan<byte> plaintext = buffer.Slice(20, PayloadSize);
        Span<byte> ciphertext = buffer.Slice(20 + PayloadSize, PayloadSize);
        int share = PacketsPerInvoke / Threads;
        if (!System.Runtime.Intrinsics.X86.Aes.IsSupported)
        {
            throw new PlatformNotSupportedException("the AES-NI control needs AES-NI");
        }

        for (int i = 0; i < share; i++)
        {
            var counter = Vector128.Create(0, 0, i, 0).AsByte();
            int offset = 0;
            for (; offset + 16 <= PayloadSize; offset += 16)
            {
                Vector128<byte> block = counter ^ keys[0];
                for (int r = 1; r < 10; r++)
                {
                    block = System.Runtime.Intrinsics.X86.Aes.Encrypt(block, keys[r]);
                }

                block = System.Runtime.Intrinsics.X86.Aes.EncryptLast(block, keys[10]);
                (Vector128.Create(plaintext.Slice(offset, 16)) ^ block).CopyTo(ciphertext.Slice(offset, 16));
                counter = (counter.AsUInt32() + Vector128.Create(0u, 0u, 0u, 1u)).AsByte();
            }
        }

        _accepted[thread * 16] = share;
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
