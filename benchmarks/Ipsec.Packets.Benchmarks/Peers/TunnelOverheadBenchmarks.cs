using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// What the whole-packet path adds to the ESP layer (issue #17's "tunnel protect at most 1.15x the ESP-layer protect at
/// 64 bytes"), AES-GCM-256 in one run: <see cref="EspSecurityAssociation.Protect"/> of a 64-byte inner packet in place
/// (the baseline) against <see cref="EspProcessor.Protect"/> of the same packet in tunnel mode (outer IPv4 header,
/// selector check, RFC 6040 ECN, DF handling) and in transport mode, both in the caller's buffer.
/// </summary>
[MemoryDiagnoser]
public class TunnelOverheadBenchmarks
{
    private const byte IPv4NextHeader = 4;
    private EspSecurityAssociation _layer = null!;
    private byte[] _layerBuffer = null!;
    private EspTestbed _tunnelTestbed = null!;
    private EspProcessor _tunnel = null!;
    private byte[] _tunnelBuffer = null!;
    private int _tunnelOffset;
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
        _tunnelBuffer = EspTestbed.ProtectBuffer(_tunnel, _plain, out _tunnelOffset);

        _layer = new EspSecurityAssociation(suite.Options(0x2000, 0));
        _layerBuffer = new byte[_layer.GetProtectedLength(PayloadSize, IPv4NextHeader)];
        _plain.CopyTo(_layerBuffer, _layer.HeaderLength);
        BenchmarkPackets.Expect(EspLayerProtect(), IpsecStatus.Success, "ESP-layer protect");
        BenchmarkPackets.Expect(TunnelProtect(), IpsecStatus.Success, "tunnel protect");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layer.Dispose();
        _tunnel.Dispose();
        _tunnelTestbed.Dispose();
    }

    /// <summary>
    /// The ESP layer alone: SPI to ICV around the inner packet, in place. The inner header is put back first as in the
    /// tunnel row (which needs it: protecting encrypted it), so the two rows differ only by the library's work.
    /// </summary>
    [Benchmark(Baseline = true, Description = "ESP-layer protect (EspSecurityAssociation, in place)")]
    public IpsecStatus EspLayerProtect()
    {
        _plain.AsSpan(0, Ipsec.Packets.Wire.IPv4Header.MinLength).CopyTo(_layerBuffer.AsSpan(_layer.HeaderLength));
        return _layer.Protect(_layerBuffer.AsSpan(_layer.HeaderLength, PayloadSize), IPv4NextHeader, _layerBuffer, out _);
    }

    /// <summary>The whole packet in tunnel mode; the inner header is put back first (protecting encrypted it).</summary>
    [Benchmark(Description = "tunnel protect (EspProcessor, in the caller's buffer)")]
    public IpsecStatus TunnelProtect()
    {
        _plain.AsSpan(0, Ipsec.Packets.Wire.IPv4Header.MinLength).CopyTo(_tunnelBuffer.AsSpan(_tunnelOffset));
        return _tunnel.Protect(_tunnelBuffer, _tunnelOffset, _plain.Length, out _);
    }
}
