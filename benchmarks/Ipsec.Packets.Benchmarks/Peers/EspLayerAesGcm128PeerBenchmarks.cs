using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// ESP-layer AES-GCM-128 against the BCL's AesGcm (OpenSSL underneath; the baseline). libsodium has no AES-128-GCM;
/// OpenSSL's own streaming rate is `benchmarks/openssl-speed.sh`.
/// </summary>
public class EspLayerAesGcm128PeerBenchmarks : EspLayerPeerBenchmarkBase
{
    private AesGcm _bcl = null!;
    private byte[] _ciphertext = null!;
    private byte[] _tag = null!;

    private protected override EspSuite Suite => EspSuite.AesGcm128;

    protected override int KeyLength => 16;

    protected override void SetupPeers(byte[] key)
    {
        _bcl = new AesGcm(key, 16);
        _bcl.Encrypt(DecryptNonce, Payload, PeerCiphertextAndTag.AsSpan(0, PayloadSize), PeerCiphertextAndTag.AsSpan(PayloadSize), Aad);
        _ciphertext = PeerCiphertextAndTag[..PayloadSize];
        _tag = PeerCiphertextAndTag[PayloadSize..];
    }

    protected override void CleanupPeers() => _bcl.Dispose();

    [Benchmark(Baseline = true, Description = "BCL AesGcm encrypt")]
    [BenchmarkCategory(Protect)]
    public void BclEncrypt() => _bcl.Encrypt(NextNonce(), Payload, Output.AsSpan(0, PayloadSize), Output.AsSpan(PayloadSize, 16), Aad);

    [Benchmark(Baseline = true, Description = "BCL AesGcm decrypt")]
    [BenchmarkCategory(Unprotect)]
    public void BclDecrypt() => _bcl.Decrypt(DecryptNonce, _ciphertext, _tag, Output.AsSpan(0, PayloadSize), Aad);
}
