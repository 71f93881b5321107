using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>ESP-layer AES-GCM-256 against libsodium (NSec, the baseline) and the BCL's AesGcm on the same bytes.</summary>
public class EspLayerAesGcm256PeerBenchmarks : EspLayerPeerBenchmarkBase
{
    private NSecAead _nsec = null!;
    private AesGcm _bcl = null!;

    private protected override EspSuite Suite => EspSuite.AesGcm256;

    protected override int KeyLength => 32;

    protected override void SetupPeers(byte[] key)
    {
        if (!NSecAead.IsAes256GcmSupported)
        {
            throw new PlatformNotSupportedException("libsodium's AES-256-GCM needs AES-NI and PCLMULQDQ");
        }

        _nsec = NSecAead.ForAes256Gcm(key);
        _bcl = new AesGcm(key, 16);
        _nsec.Encrypt(DecryptNonce, Aad, Payload, PeerCiphertextAndTag);
    }

    protected override void CleanupPeers()
    {
        _nsec.Dispose();
        _bcl.Dispose();
    }

    [Benchmark(Baseline = true, Description = "NSec (libsodium) AES-256-GCM encrypt")]
    [BenchmarkCategory(Protect)]
    public void NSecEncrypt() => _nsec.Encrypt(NextNonce(), Aad, Payload, Output);

    [Benchmark(Baseline = true, Description = "NSec (libsodium) AES-256-GCM decrypt")]
    [BenchmarkCategory(Unprotect)]
    public bool NSecDecrypt() => _nsec.Decrypt(DecryptNonce, Aad, PeerCiphertextAndTag, Output.AsSpan(0, PayloadSize));

    [Benchmark(Description = "BCL AesGcm encrypt")]
    [BenchmarkCategory(Protect)]
    public void BclEncrypt() => _bcl.Encrypt(NextNonce(), Payload, Output.AsSpan(0, PayloadSize), Output.AsSpan(PayloadSize, 16), Aad);
}
