using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ipsec.Packets.Benchmarks.Support;
using Ipsec.Packets.Crypto;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// Streaming rate of the raw AEADs at 9,000 bytes (a jumbo frame) and 65,536 bytes (beyond any ESP packet, for the
/// GB/s comparison with `openssl speed`): our transforms, libsodium through NSec and the BCL, each sealing the same
/// buffer with an 8-byte AAD; the GB/s column is payload bytes per nanosecond.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Columns))]
public class AeadStreamingBenchmarks
{
    private readonly byte[] _iv = new byte[8];
    private readonly byte[] _aad = new byte[8];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private AeadTransform _gcm128 = null!;
    private AeadTransform _gcm256 = null!;
    private AeadTransform _chacha = null!;
    private NSecAead? _nsecGcm;
    private NSecAead _nsecChaCha = null!;
    private AesGcm _bclGcm128 = null!;
    private byte[] _payload = null!;
    private byte[] _output = null!;

    [Params(9000, 65536)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadSize];
        new Random(5).NextBytes(_payload);
        _output = new byte[PayloadSize + 16];
        _gcm128 = AeadFactory.Create(EncryptionAlgorithm.AesGcm16, EspSuite.AesGcm128.EncryptionKey);
        _gcm256 = AeadFactory.Create(EncryptionAlgorithm.AesGcm16, EspSuite.AesGcm256.EncryptionKey);
        _chacha = AeadFactory.Create(EncryptionAlgorithm.ChaCha20Poly1305, EspSuite.ChaCha20Poly1305.EncryptionKey);
        _nsecGcm = NSecAead.IsAes256GcmSupported ? NSecAead.ForAes256Gcm(EspSuite.AesGcm256.EncryptionKey.AsSpan(0, 32)) : null;
        _nsecChaCha = NSecAead.ForChaCha20Poly1305(EspSuite.ChaCha20Poly1305.EncryptionKey.AsSpan(0, 32));
        _bclGcm128 = new AesGcm(EspSuite.AesGcm128.EncryptionKey.AsSpan(0, 16), 16);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gcm128.Dispose();
        _gcm256.Dispose();
        _chacha.Dispose();
        _nsecGcm?.Dispose();
        _nsecChaCha.Dispose();
        _bclGcm128.Dispose();
    }

    [Benchmark(Description = "ours AES-GCM-128 seal")]
    public void OursAesGcm128() => _gcm128.Seal(_iv, _aad, default, _payload, _output.AsSpan(0, PayloadSize), _tag);

    [Benchmark(Description = "ours AES-GCM-256 seal")]
    public void OursAesGcm256() => _gcm256.Seal(_iv, _aad, default, _payload, _output.AsSpan(0, PayloadSize), _tag);

    [Benchmark(Description = "NSec (libsodium) AES-256-GCM encrypt")]
    public void NSecAesGcm256() => _nsecGcm!.Encrypt(_nonce, _aad, _payload, _output);

    [Benchmark(Description = "BCL AesGcm-128 encrypt")]
    public void BclAesGcm128() => _bclGcm128.Encrypt(_nonce, _payload, _output.AsSpan(0, PayloadSize), _tag, _aad);

    [Benchmark(Description = "ours ChaCha20-Poly1305 seal")]
    public void OursChaCha20Poly1305() => _chacha.Seal(_iv, _aad, default, _payload, _output.AsSpan(0, PayloadSize), _tag);

    [Benchmark(Description = "NSec (libsodium) ChaCha20-Poly1305 encrypt")]
    public void NSecChaCha20Poly1305() => _nsecChaCha.Encrypt(_nonce, _aad, _payload, _output);

    private sealed class Columns : ManualConfig
    {
        public Columns() => AddColumn(new ThroughputColumn());
    }
}
