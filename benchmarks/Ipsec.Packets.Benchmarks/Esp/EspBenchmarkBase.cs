using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>
/// One ESP suite on whole IPv4 packets, in tunnel mode (IPv4 in IPv4) and transport mode, in two categories each with its
/// own baseline, the bare BCL primitive a derived class runs on the same bytes ESP encrypts (<see cref="Payload"/>):
/// <list type="bullet">
/// <item><b>Protect</b>: <see cref="EspProcessor.Protect"/> of the IP packet in the caller's buffer.</item>
/// <item><b>Unprotect</b>: <see cref="IpsecPacketProcessor.ProcessInbound"/> of the whole protected packet — SAD lookup by
/// SPI and destination, lease, replay check (window of 4,096), ICV, decryption, header rewrite and policy check — and the
/// same for a forged packet (bad ICV), which must be rejected without an exception.</item>
/// </list>
/// <see cref="PayloadSize"/> is the number of bytes ESP encrypts: the inner packet in tunnel mode, the UDP datagram after
/// the IPv4 header in transport mode.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public abstract class EspBenchmarkBase
{
    public const string Protect = "Protect";
    public const string Unprotect = "Unprotect";
    private const uint Spi = 0x1000;
    private const int ReplayWindowSize = 4096;
    private const ulong ForgedSequenceNumber = 0x8000_0000;

    private EspTestbed _testbed = null!;
    private EspProcessor _sender = null!;
    private EspSecurityAssociation _receiver = null!;
    private byte[] _protectBuffer = null!;
    private int _protectOffset;
    private byte[] _plainHeader = null!;
    private int _plainLength;
    private PacketRing _ring = null!;
    private int _next;
    private byte[] _forged = null!;
    private byte[] _work = null!;

    [Params(IpsecMode.Tunnel, IpsecMode.Transport)]
    public IpsecMode Mode { get; set; }

    [Params(64, 512, 1400, 9000)]
    public int PayloadSize { get; set; }

    /// <summary>The bytes ESP encrypts (inner packet or transport payload), for the baselines.</summary>
    protected byte[] Payload { get; private set; } = null!;

    /// <summary>An output buffer large enough for any baseline.</summary>
    protected byte[] Output { get; private set; } = null!;

    /// <summary>The suite under test.</summary>
    private protected abstract EspSuite Suite { get; }

    /// <summary>Keys the baselines' primitives and prepares what their decrypt rows read; <see cref="Payload"/> is set.</summary>
    protected abstract void SetupBaseline();

    /// <summary>Disposes the baselines' primitives.</summary>
    protected virtual void CleanupBaseline()
    {
    }

    [GlobalSetup]
    public void Setup()
    {
        _testbed = new EspTestbed(Mode);
        _sender = _testbed.CreateSender(Suite.Options(Spi, 0));
        _receiver = _testbed.AddReceiver(Suite.Options(Spi, ReplayWindowSize));
        byte[] plain = _testbed.PlainPacket(PayloadSize);
        _plainLength = plain.Length;
        _plainHeader = plain[..Ipsec.Packets.Wire.IPv4Header.MinLength];
        Payload = _testbed.EspPayload(plain).ToArray();
        Output = new byte[PayloadSize + 256];
        _protectBuffer = EspTestbed.ProtectBuffer(_sender, plain, out _protectOffset);

        using (EspProcessor ringSender = _testbed.CreateSender(Suite.Options(Spi, 0)))
        {
            _ring = new PacketRing(ringSender, plain, PacketRing.SizeFor(plain.Length + 64));
        }

        using (EspProcessor forger = _testbed.CreateSender(Suite.Options(Spi, 0, ForgedSequenceNumber)))
        {
            // A fresh sequence number far ahead of the window, so the replay check passes and the ICV is what fails.
            _forged = EspTestbed.Protect(forger, plain);
            _forged[^1] ^= 1;
        }

        _work = new byte[_ring.Length];
        SetupBaseline();

        BenchmarkPackets.Expect(EspProtect(), IpsecStatus.Success, "ESP protect");
        for (int i = 0; i < 3; i++)
        {
            BenchmarkPackets.Expect(EspUnprotect(), IpsecStatus.Success, "ESP unprotect");
        }

        BenchmarkPackets.Expect(EspUnprotectForged(), IpsecStatus.AuthenticationFailed, "ESP unprotect, forged");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        CleanupBaseline();
        _sender.Dispose();
        _testbed.Dispose();
    }

    /// <summary>
    /// Protect of the IP packet in place. The packet's 20-byte IP header is put back first (protecting moved or encrypted
    /// it); the rest of the buffer still holds the last ciphertext, which costs the same to encrypt as the plain text.
    /// </summary>
    [Benchmark(Description = "ESP protect (EspProcessor)")]
    [BenchmarkCategory(Protect)]
    public IpsecStatus EspProtect()
    {
        _plainHeader.CopyTo(_protectBuffer.AsSpan(_protectOffset));
        return _sender.Protect(_protectBuffer, _protectOffset, _plainLength, out _);
    }

    /// <summary>
    /// Inbound processing of the next packet of the ring. Unprotect works in place, so the packet is first copied into the
    /// receive buffer (a memcpy a NIC's DMA would have done, counted here against us). When the ring wraps the receiver's
    /// replay window is emptied so the same sequence numbers are accepted again: one clear of 1 KiB per ring of 1,024
    /// to 8,192 packets.
    /// </summary>
    [Benchmark(Description = "ESP unprotect (IpsecPacketProcessor)")]
    [BenchmarkCategory(Unprotect)]
    public IpsecStatus EspUnprotect()
    {
        _ring[_next].CopyTo(_work);
        IpsecStatus status = _testbed.Inbound.ProcessInbound(_work, 0, _work.Length, out _);
        if (++_next == _ring.Count)
        {
            _next = 0;
            _receiver.ResetReplayWindow();
        }

        return status;
    }

    /// <summary>Inbound processing of a forged packet (last ICV byte flipped): lookup, replay check and ICV, then rejected.</summary>
    [Benchmark(Description = "ESP unprotect, forged (rejected)")]
    [BenchmarkCategory(Unprotect)]
    public IpsecStatus EspUnprotectForged()
    {
        _forged.CopyTo(_work, 0);
        return _testbed.Inbound.ProcessInbound(_work, 0, _forged.Length, out _);
    }
}
