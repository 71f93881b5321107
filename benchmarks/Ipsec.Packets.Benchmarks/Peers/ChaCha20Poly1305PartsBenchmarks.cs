using System;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Ipsec.Packets.Crypto;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// Where ChaCha20-Poly1305's time goes: the ChaCha20 key stream alone (at each run width), Poly1305 alone, the whole seal
/// and open, and the BCL's (the baseline) and libsodium's raw encrypt on the same bytes.
/// </summary>
[MemoryDiagnoser]
public class ChaCha20Poly1305PartsBenchmarks
{
    private readonly byte[] _iv = new byte[8];
    private readonly byte[] _aad = new byte[8];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private readonly uint[] _key = new uint[8];
    private readonly byte[] _macKey = new byte[32];
    private AeadTransform _chacha = null!;
    private System.Security.Cryptography.ChaCha20Poly1305 _bcl = null!;
    private byte[] _payload = null!;
    private byte[] _output = null!;
    private byte[] _sealed = null!;
    private byte[] _sealedTag = null!;
    private NSecAead _nsec = null!;

    [Params(512, 1400, 9000)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadSize];
        new Random(5).NextBytes(_payload);
        new Random(6).NextBytes(_macKey);
        _output = new byte[PayloadSize + 16];
        byte[] keymat = EspSuite.ChaCha20Poly1305.EncryptionKey;
        for (int i = 0; i < 8; i++)
        {
            _key[i] = BinaryPrimitives.ReadUInt32LittleEndian(keymat.AsSpan(4 * i));
        }

        _chacha = AeadFactory.Create(EncryptionAlgorithm.ChaCha20Poly1305, keymat);
        _bcl = new System.Security.Cryptography.ChaCha20Poly1305(keymat.AsSpan(0, 32));
        _nsec = NSecAead.ForChaCha20Poly1305(keymat.AsSpan(0, 32));
        _sealed = new byte[PayloadSize];
        _sealedTag = new byte[16];
        _chacha.Seal(_iv, _aad, default, _payload, _sealed, _sealedTag);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _chacha.Dispose();
        _bcl.Dispose();
        _nsec.Dispose();
    }

    [Benchmark(Baseline = true, Description = "BCL ChaCha20Poly1305 encrypt")]
    public void Bcl() => _bcl.Encrypt(_nonce, _payload, _output.AsSpan(0, PayloadSize), _tag, _aad);

    [Benchmark(Description = "ours seal")]
    public void Seal() => _chacha.Seal(_iv, _aad, default, _payload, _output.AsSpan(0, PayloadSize), _tag);

    [Benchmark(Description = "ours open")]
    public bool Open() => _chacha.TryOpen(_iv, _aad, default, _sealed, _sealedTag, _output.AsSpan(0, PayloadSize));

    [Benchmark(Description = "NSec (libsodium) encrypt")]
    public void NSec() => _nsec.Encrypt(_nonce, _aad, _payload, _output);

    [Benchmark(Description = "ChaCha20 key stream, widest")]
    public void ChaCha20Widest() => KeyStream(16);

    [Benchmark(Description = "ChaCha20 key stream, 8 wide")]
    public void ChaCha20Eight() => KeyStream(8);

    [Benchmark(Description = "Poly1305")]
    public void Poly1305Only()
    {
        var mac = new Poly1305(_macKey);
        mac.Absorb(_payload.AsSpan(0, PayloadSize & ~15));
        mac.Finish(_tag);
    }

    private void KeyStream(int width)
    {
        ChaCha20.State state = default;
        ChaCha20.Initialize(ref state, _key, 1, 0, 0, 0);
        ChaCha20.Xor(ref state, _payload, _output.AsSpan(0, PayloadSize), width);
    }
}
