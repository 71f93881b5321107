using System;
using System.Collections.Generic;
using System.Net;
using BenchmarkDotNet.Attributes;

namespace Ipsec.Packets.Benchmarks.Sad;

/// <summary>
/// Inbound SAD lookups at 1,000, 100,000 and 1,000,000 SAs with random SPIs (as IKE allocates them) spread over 256
/// destinations. Each invocation looks up <see cref="LookupsPerInvoke"/> SPIs taken in random order from a pre-built
/// array, so the table reads one lookup; the probes cycle through 64 Ki entries, enough to defeat the caches at 1M SAs.
/// </summary>
[MemoryDiagnoser]
public class SadLookupBenchmarks
{
    public const int LookupsPerInvoke = 1024;
    private const int ProbeCount = 1 << 16;

    private SecurityAssociationDatabase _sad = null!;
    private uint[] _probeSpis = null!;
    private byte[][] _probeDestinations = null!;
    private uint[] _unknownSpis = null!;
    private byte[][] _destinations = null!;
    private int _next;

    [Params(1_000, 100_000, 1_000_000)]
    public int SaCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        _destinations = new byte[256][];
        for (int i = 0; i < _destinations.Length; i++)
        {
            _destinations[i] = [198, 51, 100, (byte)i];
        }

        var spis = new HashSet<uint>(SaCount * 2);
        uint[] installed = new uint[SaCount];
        _sad = new SecurityAssociationDatabase();
        for (int i = 0; i < SaCount; i++)
        {
            uint spi;
            do
            {
                spi = (uint)random.NextInt64(SecurityAssociationDatabase.MinimumSpi, uint.MaxValue);
            }
            while (!spis.Add(spi));
            installed[i] = spi;
            _sad.Add(new LookupOnlySecurityAssociation(spi), SecurityAssociationDirection.Inbound, new IPAddress(_destinations[i & 255]));
        }

        _probeSpis = new uint[ProbeCount];
        _probeDestinations = new byte[ProbeCount][];
        _unknownSpis = new uint[ProbeCount];
        for (int i = 0; i < ProbeCount; i++)
        {
            int index = random.Next(SaCount);
            _probeSpis[i] = installed[index];
            _probeDestinations[i] = _destinations[index & 255];
            uint unknown;
            do
            {
                unknown = (uint)random.NextInt64(SecurityAssociationDatabase.MinimumSpi, uint.MaxValue);
            }
            while (spis.Contains(unknown));
            _unknownSpis[i] = unknown;
        }

        if (FindBySpiAndDestination() != LookupsPerInvoke || FindUnknownSpi() != 0)
        {
            throw new InvalidOperationException("an installed SA was not found, or an unknown SPI was");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _sad.Dispose();

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke, Description = "FindInbound(SPI, destination)")]
    public int FindBySpiAndDestination()
    {
        int found = 0;
        int next = _next;
        for (int i = 0; i < LookupsPerInvoke; i++)
        {
            int probe = (next + i) & (ProbeCount - 1);
            if (_sad.FindInbound(_probeSpis[probe], _probeDestinations[probe], default, out _) == IpsecStatus.Success)
            {
                found++;
            }
        }

        _next = (next + LookupsPerInvoke) & (ProbeCount - 1);
        return found;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke, Description = "FindInbound + Acquire lease + release")]
    public int FindAndAcquire()
    {
        int found = 0;
        int next = _next;
        for (int i = 0; i < LookupsPerInvoke; i++)
        {
            int probe = (next + i) & (ProbeCount - 1);
            if (_sad.FindInbound(_probeSpis[probe], _probeDestinations[probe], default, out SecurityAssociationHandle? handle) == IpsecStatus.Success &&
                handle!.Acquire(out SecurityAssociationLease lease) == IpsecStatus.Success)
            {
                lease.Dispose();
                found++;
            }
        }

        _next = (next + LookupsPerInvoke) & (ProbeCount - 1);
        return found;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke, Description = "FindInbound, unknown SPI")]
    public int FindUnknownSpi()
    {
        int found = 0;
        int next = _next;
        for (int i = 0; i < LookupsPerInvoke; i++)
        {
            int probe = (next + i) & (ProbeCount - 1);
            if (_sad.FindInbound(_unknownSpis[probe], _probeDestinations[probe], default, out _) == IpsecStatus.Success)
            {
                found++;
            }
        }

        _next = (next + LookupsPerInvoke) & (ProbeCount - 1);
        return found;
    }

    /// <summary>An SA with nothing but an SPI, so a million of them cost only the database's own memory.</summary>
    private sealed class LookupOnlySecurityAssociation(uint spi) : ISecurityAssociation
    {
        public uint Spi => spi;

        public void Dispose()
        {
        }
    }
}
