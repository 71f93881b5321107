using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Crypto;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// Poly1305 alone on each path (the radix-2^64 loop, four AVX2 lanes, eight AVX-512 lanes) at the lengths where the
/// thresholds between them sit and at a jumbo frame: the data behind <see cref="Poly1305"/>'s thresholds.
/// </summary>
[MemoryDiagnoser]
public class Poly1305PathBenchmarks
{
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _tag = new byte[16];
    private byte[] _message = null!;

    [Params(1, 4, 8)]
    public int Lanes { get; set; }

    [Params(256, 512, 1024, 9000)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _message = new byte[Length & ~15];
        new Random(7).NextBytes(_message);
        new Random(8).NextBytes(_key);
        Poly1305.LanesLimit = Lanes;
    }

    [GlobalCleanup]
    public void Cleanup() => Poly1305.LanesLimit = 8;

    [Benchmark(Description = "Poly1305")]
    public void Mac()
    {
        var mac = new Poly1305(_key);
        mac.Absorb(_message);
        mac.Finish(_tag);
    }
}
