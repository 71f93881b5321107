using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Benchmarks.Wire;

/// <summary>The header codecs: reading and writing the fixed headers, and the checked packet views over whole packets.</summary>
[MemoryDiagnoser]
public class HeaderCodecBenchmarks
{
    private readonly byte[] _output = new byte[64];
    private byte[] _ipv4 = null!;
    private byte[] _ipv6 = null!;
    private byte[] _udp = null!;
    private byte[] _esp = null!;
    private byte[] _ahIPv4 = null!;
    private IPv4Header _ipv4Header;
    private IPv6Header _ipv6Header;
    private UdpHeader _udpHeader;
    private EspHeader _espHeader;
    private AhHeader _ahHeader;

    [GlobalSetup]
    public void Setup()
    {
        _ipv4 = BenchmarkPackets.IPv4Udp(EspTestbed.GatewayA, EspTestbed.GatewayB, 1400, 1);
        _ipv6 = BenchmarkPackets.IPv6Udp(IPv6Address.Parse("2001:db8::1"), IPv6Address.Parse("2001:db8::2"), 1400, 1);
        _udp = _ipv4[IPv4Header.MinLength..];
        IPv4Header.TryRead(_ipv4, out _ipv4Header);
        IPv6Header.TryRead(_ipv6, out _ipv6Header);
        UdpHeader.TryRead(_udp, out _udpHeader);
        _espHeader = new EspHeader(0x1000, 42);
        _esp = new byte[64];
        _espHeader.TryWrite(_esp);
        _ahHeader = new AhHeader(IPProtocol.Udp, AhHeader.GetPayloadLength(AhHeader.GetHeaderLength(16, false)), 0x2000, 42);
        _ahIPv4 = new byte[64];
        _ahHeader.TryWrite(_ahIPv4);
    }

    [Benchmark(Description = "IPv4Header.TryRead")]
    public bool IPv4Read() => IPv4Header.TryRead(_ipv4, out _);

    [Benchmark(Description = "IPv4Header.TryWrite")]
    public bool IPv4Write() => _ipv4Header.TryWrite(_output);

    [Benchmark(Description = "IPv4Packet.TryCreate (checked view)")]
    public bool IPv4Create() => IPv4Packet.TryCreate(_ipv4, out _);

    [Benchmark(Description = "IPv6Header.TryRead")]
    public bool IPv6Read() => IPv6Header.TryRead(_ipv6, out _);

    [Benchmark(Description = "IPv6Header.TryWrite")]
    public bool IPv6Write() => _ipv6Header.TryWrite(_output);

    [Benchmark(Description = "IPv6Packet.TryCreate (checked view)")]
    public bool IPv6Create() => IPv6Packet.TryCreate(_ipv6, out _);

    [Benchmark(Description = "UdpHeader.TryRead")]
    public bool UdpRead() => UdpHeader.TryRead(_udp, out _);

    [Benchmark(Description = "UdpHeader.TryWrite")]
    public bool UdpWrite() => _udpHeader.TryWrite(_output);

    [Benchmark(Description = "UdpDatagram.TryCreate (checked view)")]
    public bool UdpCreate() => UdpDatagram.TryCreate(_udp, out _);

    [Benchmark(Description = "EspHeader.TryRead")]
    public bool EspRead() => EspHeader.TryRead(_esp, out _);

    [Benchmark(Description = "EspHeader.TryWrite")]
    public bool EspWrite() => _espHeader.TryWrite(_output);

    [Benchmark(Description = "AhHeader.TryRead")]
    public bool AhRead() => AhHeader.TryRead(_ahIPv4, out _);

    [Benchmark(Description = "AhHeader.TryWrite")]
    public bool AhWrite() => _ahHeader.TryWrite(_output);

    [Benchmark(Description = "AhPacket.TryCreate (checked view)")]
    public bool AhCreate() => AhPacket.TryCreate(_ahIPv4, isIPv6: false, out _);
}
