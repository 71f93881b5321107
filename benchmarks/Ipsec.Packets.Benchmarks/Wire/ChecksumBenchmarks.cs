using System;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Benchmarks.Wire;

/// <summary>
/// The Internet checksum (RFC 1071) over an IPv4 header (20 bytes) and a full-size packet (1,500 bytes), against a
/// textbook 16-bit loop as the baseline; the incremental update (RFC 1624) and the UDP checksum with its pseudo-header.
/// </summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    private readonly IPv4Address _source = new(192, 0, 2, 1);
    private readonly IPv4Address _destination = new(198, 51, 100, 1);
    private byte[] _data = null!;
    private ushort _checksum;

    [Params(20, 1500)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Length];
        new Random(Length).NextBytes(_data);
        _checksum = InternetChecksum.Compute(_data);
        if (_checksum != TextbookChecksum())
        {
            throw new InvalidOperationException("the checksums disagree");
        }
    }

    [Benchmark(Baseline = true, Description = "textbook RFC 1071 loop (16 bits at a time)")]
    public ushort TextbookChecksum()
    {
        uint sum = 0;
        byte[] data = _data;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(i));
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    [Benchmark(Description = "InternetChecksum.Compute")]
    public ushort Compute() => InternetChecksum.Compute(_data);

    [Benchmark(Description = "InternetChecksum.IsValid")]
    public bool IsValid() => InternetChecksum.IsValid(_data);

    [Benchmark(Description = "InternetChecksum.Update (one 16-bit field, RFC 1624)")]
    public ushort Update() => InternetChecksum.Update(_checksum, (ushort)0x1234, (ushort)0x5678);

    [Benchmark(Description = "UdpChecksum.Compute (IPv4 pseudo-header + data)")]
    public ushort UdpCompute() => UdpChecksum.Compute(_source, _destination, _data);
}
