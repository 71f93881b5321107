using System;
using System.Net;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>
/// Two gateways: A (192.0.2.1) protects with <see cref="EspProcessor"/>s; B (198.51.100.1) receives through the real inbound
/// path, an <see cref="IpsecPacketProcessor"/> over a <see cref="SecurityAssociationDatabase"/> (lookup by SPI and
/// destination, lease, replay check, ICV, decryption, header rewrite, policy check). Tunnel mode carries 10.1.0.5 to
/// 10.2.0.9 inside; transport mode carries the gateways' own traffic. Each <see cref="AddSa"/> adds one SA pair.
/// </summary>
internal sealed class EspTestbed : IDisposable
{
    public static readonly IPv4Address GatewayA = new(192, 0, 2, 1);
    public static readonly IPv4Address GatewayB = new(198, 51, 100, 1);
    public static readonly IPv4Address HostA = new(10, 1, 0, 5);
    public static readonly IPv4Address HostB = new(10, 2, 0, 9);

    private readonly SecurityAssociationDatabase _sad = new();
    private readonly SecurityPolicy _inboundPolicy;
    private readonly EspProcessorOptions _processorOptions;

    public EspTestbed(IpsecMode mode)
    {
        Mode = mode;
        var spd = new SecurityPolicyDatabase();
        _inboundPolicy = new SecurityPolicy(
            mode == IpsecMode.Tunnel ? Selector("10.2.0.0/16", "10.1.0.0/16") : Selector("198.51.100.1/32", "192.0.2.1/32"),
            SecurityPolicyAction.Protect,
            priority: 10);
        spd.Add(_inboundPolicy);
        Inbound = new IpsecPacketProcessor(_sad, spd);
        _processorOptions = new EspProcessorOptions
        {
            Mode = mode,
            TunnelSource = mode == IpsecMode.Tunnel ? IPAddress.Parse("192.0.2.1") : null,
            TunnelDestination = mode == IpsecMode.Tunnel ? IPAddress.Parse("198.51.100.1") : null,
        };
    }

    public IpsecMode Mode { get; }

    /// <summary>Gateway B's inbound path.</summary>
    public IpsecPacketProcessor Inbound { get; }

    /// <summary>
    /// The plain IP packet A protects when ESP is to encrypt <paramref name="espPayloadLength"/> bytes: in tunnel mode an inner
    /// packet of that length; in transport mode a packet whose IP payload (the UDP datagram) has that length.
    /// </summary>
    public byte[] PlainPacket(int espPayloadLength, int seed = 7) => Mode == IpsecMode.Tunnel
        ? BenchmarkPackets.IPv4Udp(HostA, HostB, espPayloadLength, seed)
        : BenchmarkPackets.IPv4Udp(GatewayA, GatewayB, IPv4Header.MinLength + espPayloadLength, seed);

    /// <summary>The bytes ESP encrypts in <paramref name="plainPacket"/>: all of it in tunnel mode, the IP payload in transport mode.</summary>
    public ReadOnlySpan<byte> EspPayload(byte[] plainPacket) =>
        Mode == IpsecMode.Tunnel ? plainPacket : plainPacket.AsSpan(IPv4Header.MinLength);

    /// <summary>A sender processor for <paramref name="options"/> on A, not installed anywhere.</summary>
    public EspProcessor CreateSender(EspSecurityAssociationOptions options) => new(new EspSecurityAssociation(options), _processorOptions);

    /// <summary>Installs the receiving SA for <paramref name="options"/> on B (the SAD owns and disposes it) and returns its SA.</summary>
    public EspSecurityAssociation AddReceiver(EspSecurityAssociationOptions options)
    {
        var processor = new EspProcessor(new EspSecurityAssociation(options), _processorOptions);
        _sad.Add(processor, SecurityAssociationDirection.Inbound, IPAddress.Parse("198.51.100.1"), policy: _inboundPolicy);
        return processor.SecurityAssociation;
    }

    /// <summary>A sender on A and its receiver installed on B.</summary>
    public (EspProcessor Sender, EspSecurityAssociation Receiver) AddSa(EspSuite suite, uint spi, int replayWindowSize) =>
        (CreateSender(suite.Options(spi, replayWindowSize)), AddReceiver(suite.Options(spi, replayWindowSize)));

    /// <summary>Bytes left unused before and after a packet in the buffers a benchmark thread writes.</summary>
    public const int GuardBytes = 64;

    /// <summary>A buffer holding <paramref name="plainPacket"/> with the sender's headroom before it and tailroom after it.</summary>
    public static byte[] ProtectBuffer(EspProcessor sender, byte[] plainPacket, out int offset)
    {
        // A cache line of guard on either side, so buffers of different threads never share a line (no false sharing
        // in the multi-core rows).
        offset = sender.MaximumHeadroom + GuardBytes;
        byte[] buffer = new byte[offset + plainPacket.Length + sender.MaximumTailroom + GuardBytes];
        plainPacket.CopyTo(buffer, offset);
        return buffer;
    }

    /// <summary>Protects a copy of <paramref name="plainPacket"/> and returns the whole protected packet.</summary>
    public static byte[] Protect(EspProcessor sender, byte[] plainPacket)
    {
        byte[] buffer = ProtectBuffer(sender, plainPacket, out int offset);
        BenchmarkPackets.Expect(sender.Protect(buffer, offset, plainPacket.Length, out EspProcessResult result), IpsecStatus.Success, "protect");
        return buffer.AsSpan(result.Offset, result.Length).ToArray();
    }

    public void Dispose() => _sad.Dispose();

    private static TrafficSelector Selector(string local, string remote) => new()
    {
        LocalAddress = IPAddressRange.FromPrefix(IPNetwork.Parse(local)),
        RemoteAddress = IPAddressRange.FromPrefix(IPNetwork.Parse(remote)),
    };
}
