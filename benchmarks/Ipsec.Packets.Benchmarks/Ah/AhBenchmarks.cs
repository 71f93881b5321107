using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ipsec.Packets.Benchmarks.Support;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Benchmarks.Ah;

/// <summary>
/// AH (RFC 4302) in transport mode over IPv4 and IPv6 with HMAC-SHA2-256-128 and AES-GMAC-128 (RFC 4543): protect of the
/// whole packet in place, unprotect (replay window of 4,096 on, ICV over the packet with its mutable fields zeroed, header
/// removal) and the forged-packet reject path, against the bare BCL MAC over the same packet bytes
/// (HMACSHA256.HashData, or AesGcm with the packet as AAD and nothing to encrypt).
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class AhBenchmarks
{
    public const string HmacSha256 = "HMAC-SHA2-256-128";
    public const string Gmac128 = "AES-GMAC-128";
    private const string Protect = "Protect";
    private const string Unprotect = "Unprotect";
    private const uint Spi = 0x2000;

    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _mac = new byte[32];
    private readonly byte[] _gmacTag = new byte[16];
    private AhSecurityAssociation _sender = null!;
    private AhSecurityAssociation _receiver = null!;
    private byte[] _plain = null!;
    private byte[] _plainHeader = null!;
    private byte[] _protectBuffer = null!;
    private int _protectOffset;
    private PacketRing _ring = null!;
    private int _next;
    private byte[] _forged = null!;
    private byte[] _work = null!;
    private byte[] _key = null!;
    private byte[] _icv = null!;
    private AesGcm? _gmac;

    [Params(HmacSha256, Gmac128)]
    public string Integrity { get; set; } = HmacSha256;

    [Params(4, 6)]
    public int IPVersion { get; set; }

    /// <summary>The bytes after the IP header (the UDP datagram).</summary>
    [Params(64, 1400)]
    public int PayloadSize { get; set; }

    private bool IsGmac => Integrity == Gmac128;

    [GlobalSetup]
    public void Setup()
    {
        _key = new byte[IsGmac ? 20 : 32];
        new Random(3).NextBytes(_key);
        _plain = IPVersion == 4
            ? BenchmarkPackets.IPv4Udp(EspTestbed.GatewayA, EspTestbed.GatewayB, IPv4Header.MinLength + PayloadSize, 5)
            : BenchmarkPackets.IPv6Udp(IPv6Address.Parse("2001:db8::1"), IPv6Address.Parse("2001:db8::2"), IPv6Header.Length + PayloadSize, 5);
        _plainHeader = _plain[..(IPVersion == 4 ? IPv4Header.MinLength : IPv6Header.Length)];
        _sender = Create(0, 0);
        _receiver = Create(4096, 0);
        _protectBuffer = new byte[_sender.MaximumHeadroom + _plain.Length];
        _protectOffset = _sender.MaximumHeadroom;
        _plain.CopyTo(_protectBuffer, _protectOffset);

        using (AhSecurityAssociation ringSender = Create(0, 0))
        {
            _ring = new PacketRing(() => ProtectCopy(ringSender), PacketRing.SizeFor(_plain.Length + 64));
        }

        using (AhSecurityAssociation forger = Create(0, 0x8000_0000))
        {
            // A fresh sequence number ahead of the window, so the ICV check is what rejects it.
            _forged = ProtectCopy(forger);
            _forged[^1] ^= 1;
        }

        _work = new byte[_ring.Length];
        if (IsGmac)
        {
            _gmac = new AesGcm(_key.AsSpan(0, 16), 16);
            _gmac.Encrypt(_nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, _gmacTag, _plain);
        }
        else
        {
            _icv = HMACSHA256.HashData(_key, _plain)[..16];
        }

        BenchmarkPackets.Expect(AhProtect(), IpsecStatus.Success, "AH protect");
        for (int i = 0; i < 3; i++)
        {
            BenchmarkPackets.Expect(AhUnprotect(), IpsecStatus.Success, "AH unprotect");
        }

        BenchmarkPackets.Expect(AhUnprotectForged(), IpsecStatus.AuthenticationFailed, "AH unprotect, forged");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _gmac?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "BCL MAC over the packet")]
    [BenchmarkCategory(Protect)]
    public int BclMac()
    {
        if (_gmac is not null)
        {
            _gmac.Encrypt(_nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, _mac.AsSpan(0, 16), _plain);
            return 16;
        }

        return HMACSHA256.HashData(_key, _plain, _mac);
    }

    [Benchmark(Baseline = true, Description = "BCL MAC over the packet + compare")]
    [BenchmarkCategory(Unprotect)]
    public bool BclVerify()
    {
        if (_gmac is not null)
        {
            _gmac.Decrypt(_nonce, ReadOnlySpan<byte>.Empty, _gmacTag, Span<byte>.Empty, _plain);
            return true;
        }

        HMACSHA256.HashData(_key, _plain, _mac);
        return CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, 16), _icv);
    }

    /// <summary>Protect in place; the IP header is put back first (protecting moved it into the headroom).</summary>
    [Benchmark(Description = "AH protect")]
    [BenchmarkCategory(Protect)]
    public IpsecStatus AhProtect()
    {
        _plainHeader.CopyTo(_protectBuffer.AsSpan(_protectOffset));
        return _sender.Protect(_protectBuffer, _protectOffset, _plain.Length, out _);
    }

    /// <summary>
    /// Unprotect of the next ring packet, copied into the receive buffer first (unprotect works in place); at the ring's
    /// wrap the replay window is emptied, amortised over 1,024 to 8,192 packets.
    /// </summary>
    [Benchmark(Description = "AH unprotect")]
    [BenchmarkCategory(Unprotect)]
    public IpsecStatus AhUnprotect()
    {
        _ring[_next].CopyTo(_work);
        IpsecStatus status = _receiver.Unprotect(_work, 0, _work.Length, out _);
        if (++_next == _ring.Count)
        {
            _next = 0;
            _receiver.ResetReplayWindow();
        }

        return status;
    }

    [Benchmark(Description = "AH unprotect, forged (rejected)")]
    [BenchmarkCategory(Unprotect)]
    public IpsecStatus AhUnprotectForged()
    {
        _forged.CopyTo(_work, 0);
        return _receiver.Unprotect(_work, 0, _forged.Length, out _);
    }

    private AhSecurityAssociation Create(int replayWindowSize, ulong initialOutboundSequenceNumber) => new(new AhSecurityAssociationOptions
    {
        Spi = Spi,
        Integrity = IsGmac ? IntegrityAlgorithm.AesGmac128 : IntegrityAlgorithm.HmacSha2_256_128,
        IntegrityKey = _key,
        Mode = IpsecMode.Transport,
        ReplayWindowSize = replayWindowSize,
        InitialOutboundSequenceNumber = initialOutboundSequenceNumber,
    });

    private byte[] ProtectCopy(AhSecurityAssociation sender)
    {
        byte[] buffer = new byte[sender.MaximumHeadroom + _plain.Length];
        _plain.CopyTo(buffer, sender.MaximumHeadroom);
        BenchmarkPackets.Expect(sender.Protect(buffer, sender.MaximumHeadroom, _plain.Length, out AhProcessResult result), IpsecStatus.Success, "AH protect");
        return buffer.AsSpan(result.Offset, result.Length).ToArray();
    }
}
