using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// ESP-layer ChaCha20-Poly1305 against libsodium (NSec, the baseline) and the BCL's ChaCha20Poly1305 on the same bytes;
/// the target reads against the faster of the two at each size.
/// </summary>
public class EspLayerChaCha20Poly1305PeerBenchmarks : EspLayerPeerBenchmarkBase
{
    private NSecAead _nsec = null!;
    private System.Security.Cryptography.ChaCha20Poly1305 _bcl = null!;
    private byte[] _bclCiphertext = null!;
    private byte[] _bclTag = null!;

    private protected override EspSuite Suite => EspSuite.ChaCha20Poly1305;

    protected override int KeyLength => 32;

    protected override void SetupPeers(byte[] key)
    {
        _nsec = NSecAead.ForChaCha20Poly1305(key);
        _bcl = new System.Security.Cryptography.ChaCha20Poly1305(key);
        _nsec.Encrypt(DecryptNonce, Aad, Payload, PeerCiphertextAndTag);
        _bclCiphertext = PeerCiphertextAndTag[..PayloadSize];
        _bclTag = PeerCiphertextAndTag[PayloadSize..];
    }

    protected override void CleanupPeers()
    {
        _nsec.Dispose();
        _bcl.Dispose();
    }

    [Benchmark(Baseline = true, Description = "NSec (libsodium) ChaCha20-Poly1305 encrypt")]
    [BenchmarkCategory(Protect)]
    public void NSecEncrypt() => _nsec.Encrypt(NextNonce(), Aad, Payload, Output);

    [Benchmark(Baseline = true, Description = "NSec (libsodium) ChaCha20-Poly1305 decrypt")]
    [BenchmarkCategory(Unprotect)]
    public bool NSecDecrypt() => _nsec.Decrypt(DecryptNonce, Aad, PeerCiphertextAndTag, Output.AsSpan(0, PayloadSize));

    [Benchmark(Description = "BCL ChaCha20Poly1305 encrypt")]
    [BenchmarkCategory(Protect)]
    public void BclEncrypt() => _bcl.Encrypt(NextNonce(), Payload, Output.AsSpan(0, PayloadSize), Output.AsSpan(PayloadSize, 16), Aad);

    [Benchmark(Description = "BCL ChaCha20Poly1305 decrypt")]
    [BenchmarkCategory(Unprotect)]
    public void BclDecrypt() => _bcl.Decrypt(DecryptNonce, _bclCiphertext, _bclTag, Output.AsSpan(0, PayloadSize), Aad);
}
