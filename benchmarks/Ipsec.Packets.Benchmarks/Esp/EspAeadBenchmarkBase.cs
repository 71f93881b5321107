using System;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>
/// The AEAD suites' baselines: the BCL primitive with a 12-byte nonce and 8-byte AAD (the ESP header) on the same bytes,
/// and BouncyCastle driven as a user naively would, a new parameter object and Init per packet (the nonce must change).
/// </summary>
public abstract class EspAeadBenchmarkBase : EspBenchmarkBase
{
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[8];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _outputTag = new byte[16];
    private readonly byte[] _bouncyNonce = new byte[12];
    private byte[] _key = null!;
    private byte[] _ciphertext = null!;
    private byte[] _ciphertextAndTag = null!;
    private IAeadCipher _bouncy = null!;
    private ulong _bouncyCounter;

    /// <summary>The cipher key length in bytes (the KEYMAT's salt follows it).</summary>
    protected abstract int KeyLength { get; }

    protected abstract void EncryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad);

    protected abstract void DecryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad);

    protected abstract void KeyBcl(byte[] key);

    protected abstract IAeadCipher CreateBouncyCastle();

    protected override void SetupBaseline()
    {
        _key = Suite.EncryptionKey[..KeyLength];
        KeyBcl(_key);
        _ciphertext = new byte[PayloadSize];
        EncryptBcl(_nonce, Payload, _ciphertext, _tag, _aad);
        _ciphertextAndTag = Bytes.Concat(_ciphertext, _tag);
        _bouncy = CreateBouncyCastle();
    }

    [Benchmark(Baseline = true, Description = "BCL Encrypt (bare primitive)")]
    [BenchmarkCategory(Protect)]
    public void BclEncrypt() => EncryptBcl(_nonce, Payload, Output.AsSpan(0, PayloadSize), _outputTag, _aad);

    [Benchmark(Baseline = true, Description = "BCL Decrypt (bare primitive)")]
    [BenchmarkCategory(Unprotect)]
    public void BclDecrypt() => DecryptBcl(_nonce, _ciphertext, _tag, Output.AsSpan(0, PayloadSize), _aad);

    [Benchmark(Description = "BouncyCastle encrypt (Init per packet)")]
    [BenchmarkCategory(Protect)]
    public int BouncyCastleEncrypt()
    {
        // BouncyCastle refuses to encrypt twice under one nonce, as it should: count through nonces like ESP does.
        BinaryPrimitives.WriteUInt64BigEndian(_bouncyNonce.AsSpan(4), ++_bouncyCounter);
        _bouncy.Init(true, new AeadParameters(new KeyParameter(_key), 128, _bouncyNonce, _aad));
        int n = _bouncy.ProcessBytes(Payload, 0, PayloadSize, Output, 0);
        return _bouncy.DoFinal(Output, n);
    }

    [Benchmark(Description = "BouncyCastle decrypt (Init per packet)")]
    [BenchmarkCategory(Unprotect)]
    public int BouncyCastleDecrypt()
    {
        _bouncy.Init(false, new AeadParameters(new KeyParameter(_key), 128, _nonce, _aad));
        int n = _bouncy.ProcessBytes(_ciphertextAndTag, 0, _ciphertextAndTag.Length, Output, 0);
        return _bouncy.DoFinal(Output, n);
    }
}
