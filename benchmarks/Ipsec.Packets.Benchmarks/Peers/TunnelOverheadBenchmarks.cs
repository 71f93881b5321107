using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// What the whole-packet path adds to the ESP layer (issue #17's "tunnel protect at most 1.15x the ESP-layer protect at
/// 64 bytes"), AES-GCM-256 in one run: <see cref="EspSecurityAssociation.Protect"/> of a 64-byte inner packet in place
/// (the baseline) against <see cref="EspProcessor.Protect"/> of the same packet in tunnel mode (outer IPv4 header,
/// RFC 6040 ECN, DF handling, length and MTU checks), both in the caller's buffer.
/// </summary>
/// <remarks>
/// Each row protects its packets in a ring of <see cref="RingSlots"/> buffer slots, one after the other, as a data path
/// takes packets from a pool. With one fixed buffer a row's time depended on where the heap put it: the same build read
/// tunnel/ESP-layer ratios from 1.13 to 1.19 with the heap shifted by 1 to 6 KB before the buffers were allocated
/// (2026-12-05), the kind of shift that moves loads and stores of a fixed stack frame in and out of one 4 KB alias. The
/// ring spreads each row's packets over 48 in-page offsets, so both rows see the same mix.
/// </remarks>
[MemoryDiagnoser]
public class TunnelOverheadBenchmarks
{
    /// <summary>Buffer slots per row: enough to cover a 4 KB page several times over at <see cref="SlotStride"/>.</summary>
    public const int RingSlots = 48;

    // Slots 328 bytes apart: wider than either row's packet and its room, and not a divisor of 4,096, so the slots fall
    // on different offsets within a page (48 slots span about 15 KB, well inside the L1 data cache with both rows).
    private const int SlotStride = 328;
    private const byte IPv4NextHeader = 4;
    private EspSecurityAssociation _layer = null!;
    private byte[] _layerRing = null!;
    private int _layerSlot;
    private EspTestbed _tunnelTestbed = null!;
    private EspProcessor _tunnel = null!;
    private byte[] _tunnelRing = null!;
    private int _tunnelOffset;
    private int _tunnelSlot;
    private byte[] _plain = null!;

    [Params(64)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        EspSuite suite = EspSuite.AesGcm256;
        _tunnelTestbed = new EspTestbed(IpsecMode.Tunnel);
        _tunnel = _tunnelTestbed.CreateSender(suite.Options(0x1000, 0));
        _plain = _tunnelTestbed.PlainPacket(PayloadSize);
        _tunnelOffset = _tunnel.MaximumHeadroom;
        if (_tunnelOffset + _plain.Length + _tunnel.MaximumTailroom > SlotStride)
        {
            throw new InvalidOperationException("A tunnel packet does not fit its ring slot.");
        }

        _tunnelRing = new byte[RingSlots * SlotStride];
        _layer = new EspSecurityAssociation(suite.Options(0x2000, 0));
        _layerRing = new byte[RingSlots * SlotStride];
        for (int slot = 0; slot < RingSlots; slot++)
        {
            _plain.CopyTo(_tunnelRing, (slot * SlotStride) + _tunnelOffset);
            _plain.CopyTo(_layerRing, (slot * SlotStride) + _layer.HeaderLength);
        }

        for (int slot = 0; slot < RingSlots; slot++)
        {
            BenchmarkPackets.Expect(EspLayerProtect(), IpsecStatus.Success, "ESP-layer protect");
            BenchmarkPackets.Expect(TunnelProtect(), IpsecStatus.Success, "tunnel protect");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layer.Dispose();
        _tunnel.Dispose();
        _tunnelTestbed.Dispose();
    }

    /// <summary>
    /// The ESP layer alone: SPI to ICV around the inner packet, in place in the next slot. The inner header is put back
    /// first as in the tunnel row (which needs it: protecting encrypted it), so the two rows differ only by the library's
    /// work.
    /// </summary>
    [Benchmark(Baseline = true, Description = "ESP-layer protect (EspSecurityAssociation, in place)")]
    public IpsecStatus EspLayerProtect()
    {
        int slot = _layerSlot;
        _layerSlot = slot == RingSlots - 1 ? 0 : slot + 1;
        Span<byte> packet = _layerRing.AsSpan(slot * SlotStride, SlotStride);
        _plain.AsSpan(0, Ipsec.Packets.Wire.IPv4Header.MinLength).CopyTo(packet[_layer.HeaderLength..]);
        return _layer.Protect(packet.Slice(_layer.HeaderLength, PayloadSize), IPv4NextHeader, packet, out _);
    }

    /// <summary>The whole packet in tunnel mode in the next slot; the inner header is put back first (protecting encrypted it).</summary>
    [Benchmark(Description = "tunnel protect (EspProcessor, in the caller's buffer)")]
    public IpsecStatus TunnelProtect()
    {
        int slot = _tunnelSlot;
        _tunnelSlot = slot == RingSlots - 1 ? 0 : slot + 1;
        Span<byte> buffer = _tunnelRing.AsSpan(slot * SlotStride, SlotStride);
        _plain.AsSpan(0, Ipsec.Packets.Wire.IPv4Header.MinLength).CopyTo(buffer[_tunnelOffset..]);
        return _tunnel.Protect(buffer, _tunnelOffset, _plain.Length, out _);
    }
}
