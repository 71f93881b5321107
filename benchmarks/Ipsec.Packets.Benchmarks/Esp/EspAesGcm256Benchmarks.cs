using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>ESP AES-GCM-256 (RFC 4106) against AesGcm and BouncyCastle's GcmBlockCipher.</summary>
[MemoryDiagnoser]
public class EspAesGcm256Benchmarks : EspAesGcmBenchmarkBase
{
    private protected override EspSuite Suite => EspSuite.AesGcm256;

    protected override int KeyLength => 32;
}
