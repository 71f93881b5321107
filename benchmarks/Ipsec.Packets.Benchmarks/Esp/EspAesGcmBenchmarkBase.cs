using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>ESP AES-GCM (RFC 4106) against AesGcm and BouncyCastle's GcmBlockCipher; subclasses pick the key size.</summary>
[MemoryDiagnoser]
public abstract class EspAesGcmBenchmarkBase : EspAeadBenchmarkBase
{
    private AesGcm _bcl = null!;

    protected override void KeyBcl(byte[] key) => _bcl = new AesGcm(key, 16);

    protected override void EncryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad) =>
        _bcl.Encrypt(nonce, plaintext, ciphertext, tag, aad);

    protected override void DecryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad) =>
        _bcl.Decrypt(nonce, ciphertext, tag, plaintext, aad);

    protected override IAeadCipher CreateBouncyCastle() => new GcmBlockCipher(AesUtilities.CreateEngine());

    protected override void CleanupBaseline() => _bcl.Dispose();
}
