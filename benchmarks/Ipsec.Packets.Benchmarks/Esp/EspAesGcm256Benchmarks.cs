using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>
/// ESP AES-GCM-256 (RFC 4106) against AesGcm, BouncyCastle's GcmBlockCipher and libsodium's AES-256-GCM (NSec) on the
/// same bytes.
/// </summary>
[MemoryDiagnoser]
public class EspAesGcm256Benchmarks : EspAesGcmBenchmarkBase
{
    private readonly NSecRows _nsec = new();

    private protected override EspSuite Suite => EspSuite.AesGcm256;

    protected override int KeyLength => 32;

    protected override void SetupBaseline()
    {
        base.SetupBaseline();
        _nsec.Setup(NSecAead.ForAes256Gcm(Suite.EncryptionKey.AsSpan(0, KeyLength)), Payload, Output);
    }

    protected override void CleanupBaseline()
    {
        _nsec.Dispose();
        base.CleanupBaseline();
    }

    [Benchmark(Description = "NSec (libsodium) AES-256-GCM encrypt")]
    [BenchmarkCategory(Protect)]
    public void NSecEncrypt() => _nsec.Encrypt();

    [Benchmark(Description = "NSec (libsodium) AES-256-GCM decrypt")]
    [BenchmarkCategory(Unprotect)]
    public bool NSecDecrypt() => _nsec.Decrypt();
}
