using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// The ESP layer (<see cref="EspSecurityAssociation.Protect"/> and <see cref="EspSecurityAssociation.Unprotect"/>: SPI to
/// ICV, sequence number, IV, padding, AEAD, replay window) against the raw AEAD call of each peer on the same payload
/// bytes (12-byte nonce, the 8-byte ESP header as AAD, 16-byte tag, a fresh nonce per packet where the peer allows it).
/// Subclasses add their peers' rows; the fastest peer is the baseline, so the ratio column reads against it.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public abstract class EspLayerPeerBenchmarkBase
{
    public const string Protect = "Protect";
    public const string Unprotect = "Unprotect";
    private const int MaximumRingSize = 1024;

    // The peers' decrypt rows open one buffer, hot in L1; the ring stays within L2 so ours is not measured streaming
    // 9 MB from L3 or DRAM (1,024 jumbo packets) against theirs.
    private const int RingBytesLimit = 256 * 1024;
    private const byte NextHeader = 4;

    private EspSecurityAssociation _sender = null!;
    private EspSecurityAssociation _receiver = null!;
    private byte[][] _ring = null!;
    private int _ringSize;
    private byte[] _protected = null!;
    private int _next;

    [Params(64, 512, 1400, 9000)]
    public int PayloadSize { get; set; }

    /// <summary>The payload every row encrypts.</summary>
    protected byte[] Payload { get; private set; } = null!;

    /// <summary>Output for the peers: payload plus a 16-byte tag.</summary>
    protected byte[] Output { get; private set; } = null!;

    /// <summary>The peers' nonce for encryption (salt and an 8-byte counter, advanced per packet) and AAD.</summary>
    protected byte[] Nonce { get; } = new byte[12];

    /// <summary>The fixed nonce <see cref="PeerCiphertextAndTag"/> was made under.</summary>
    protected byte[] DecryptNonce { get; } = new byte[12];

    protected byte[] Aad { get; } = new byte[8];

    /// <summary>A ciphertext and tag of <see cref="Payload"/> under <see cref="DecryptNonce"/>, for the peers' decrypt rows.</summary>
    protected byte[] PeerCiphertextAndTag { get; set; } = null!;

    private protected abstract EspSuite Suite { get; }

    /// <summary>Keys the peers and fills <see cref="PeerCiphertextAndTag"/>.</summary>
    protected abstract void SetupPeers(byte[] key);

    protected abstract void CleanupPeers();

    /// <summary>The cipher key length in bytes (the KEYMAT's salt follows it).</summary>
    protected abstract int KeyLength { get; }

    [GlobalSetup]
    public void Setup()
    {
        Payload = new byte[PayloadSize];
        new Random(3).NextBytes(Payload);
        Output = new byte[PayloadSize + 16];
        EspSecurityAssociationOptions options = Suite.Options(0x1000, 4096, extendedSequenceNumbers: true);
        _sender = new EspSecurityAssociation(options);
        _receiver = new EspSecurityAssociation(options);
        _protected = new byte[_sender.GetProtectedLength(PayloadSize, NextHeader)];
        _ringSize = Math.Clamp(RingBytesLimit / _protected.Length, 16, MaximumRingSize);
        _ring = new byte[_ringSize][];
        using (var ringSender = new EspSecurityAssociation(options))
        {
            for (int i = 0; i < _ringSize; i++)
            {
                _ring[i] = new byte[_protected.Length];
                BenchmarkPackets.Expect(ringSender.Protect(Payload, NextHeader, _ring[i], out _), IpsecStatus.Success, "ring protect");
            }
        }

        PeerCiphertextAndTag = new byte[PayloadSize + 16];
        SetupPeers(Suite.EncryptionKey[..KeyLength]);
        BenchmarkPackets.Expect(EspLayerProtect(), IpsecStatus.Success, "ESP-layer protect");
        BenchmarkPackets.Expect(EspLayerUnprotect(), IpsecStatus.Success, "ESP-layer unprotect");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        CleanupPeers();
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark(Description = "ours: ESP-layer protect")]
    [BenchmarkCategory(Protect)]
    public IpsecStatus EspLayerProtect() => _sender.Protect(Payload, NextHeader, _protected, out _);

    /// <summary>
    /// Unprotect of the next packet of a ring (at most 1,024 packets and 256 KiB; window 4,096, emptied when the ring
    /// wraps), into a separate buffer.
    /// </summary>
    [Benchmark(Description = "ours: ESP-layer unprotect")]
    [BenchmarkCategory(Unprotect)]
    public IpsecStatus EspLayerUnprotect()
    {
        IpsecStatus status = _receiver.Unprotect(_ring[_next], Output, out _);
        if (++_next == _ringSize)
        {
            _next = 0;
            _receiver.ResetReplayWindow();
        }

        return status;
    }

    /// <summary>Counts through nonces as ESP does (peers such as BouncyCastle refuse a repeated nonce).</summary>
    protected ReadOnlySpan<byte> NextNonce()
    {
        ulong counter = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(Nonce.AsSpan(4)) + 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(Nonce.AsSpan(4), counter);
        return Nonce;
    }
}
