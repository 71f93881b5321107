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
    // 128 packets: at 64 B the ring (about 13 KB) stays in L1 like the single buffer the peers' rows read; at 9,000 B
    // it is 1.2 MB (L2), while the peers' 9 KB buffer stays in L1, so the large rows are if anything against us.
    private const int RingSize = 128;
    private const byte NextHeader = 4;

    private EspSecurityAssociation _sender = null!;
    private EspSecurityAssociation _receiver = null!;
    private EspSecurityAssociation _forgeryReceiver = null!;
    private byte[][] _ring = null!;
    private byte[][] _forgedRing = null!;
    private int _nextForged;
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
        _forgeryReceiver = new EspSecurityAssociation(options);
        _protected = new byte[_sender.GetProtectedLength(PayloadSize, NextHeader)];
        _ring = new byte[RingSize][];
        _forgedRing = new byte[RingSize][];
        using (var ringSender = new EspSecurityAssociation(options))
        {
            for (int i = 0; i < RingSize; i++)
            {
                _ring[i] = new byte[_protected.Length];
                BenchmarkPackets.Expect(ringSender.Protect(Payload, NextHeader, _ring[i], out _), IpsecStatus.Success, "ring protect");
                _forgedRing[i] = (byte[])_ring[i].Clone();
                _forgedRing[i][^1] ^= 0x01;
            }
        }

        PeerCiphertextAndTag = new byte[PayloadSize + 16];
        SetupPeers(Suite.EncryptionKey[..KeyLength]);
        BenchmarkPackets.Expect(EspLayerProtect(), IpsecStatus.Success, "ESP-layer protect");
        BenchmarkPackets.Expect(EspLayerUnprotect(), IpsecStatus.Success, "ESP-layer unprotect");
        BenchmarkPackets.Expect(EspLayerUnprotectForged(), IpsecStatus.AuthenticationFailed, "ESP-layer unprotect, forged");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        CleanupPeers();
        _sender.Dispose();
        _receiver.Dispose();
        _forgeryReceiver.Dispose();
    }

    [Benchmark(Description = "ours: ESP-layer protect")]
    [BenchmarkCategory(Protect)]
    public IpsecStatus EspLayerProtect() => _sender.Protect(Payload, NextHeader, _protected, out _);

    /// <summary>
    /// Unprotect of the next packet of a ring of 128 (each sequence number is accepted once: window 4,096, emptied when
    /// the ring wraps, about 0.2 ns per packet), into a separate buffer.
    /// </summary>
    [Benchmark(Description = "ours: ESP-layer unprotect")]
    [BenchmarkCategory(Unprotect)]
    public IpsecStatus EspLayerUnprotect()
    {
        IpsecStatus status = _receiver.Unprotect(_ring[_next], Output, out _);
        if (++_next == RingSize)
        {
            _next = 0;
            _receiver.ResetReplayWindow();
        }

        return status;
    }

    /// <summary>
    /// Unprotect of the next packet of a ring of 128 forgeries (the ring's packets with the ICV's last bit flipped) into a
    /// separate buffer, at an SA of its own that sees only forgeries (a flood): each is refused with AuthenticationFailed.
    /// </summary>
    [Benchmark(Description = "ours: ESP-layer unprotect, forged")]
    [BenchmarkCategory(Unprotect)]
    public IpsecStatus EspLayerUnprotectForged()
    {
        IpsecStatus status = _forgeryReceiver.Unprotect(_forgedRing[_nextForged], Output, out _);
        _nextForged = _nextForged == RingSize - 1 ? 0 : _nextForged + 1;
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
