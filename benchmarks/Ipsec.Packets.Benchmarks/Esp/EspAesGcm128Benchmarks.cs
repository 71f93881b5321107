using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>ESP AES-GCM-128 (RFC 4106) against AesGcm and BouncyCastle's GcmBlockCipher.</summary>
[MemoryDiagnoser]
public class EspAesGcm128Benchmarks : EspAeadBenchmarkBase
{
    private AesGcm _bcl = null!;

    private protected override EspSuite Suite => EspSuite.AesGcm128;

    protected override int KeyLength => 16;

    protected override void KeyBcl(byte[] key) => _bcl = new AesGcm(key, 16);

    protected override void EncryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad) =>
        _bcl.Encrypt(nonce, plaintext, ciphertext, tag, aad);

    protected override void DecryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad) =>
        _bcl.Decrypt(nonce, ciphertext, tag, plaintext, aad);

    protected override IAeadCipher CreateBouncyCastle() => new GcmBlockCipher(AesUtilities.CreateEngine());

    protected override void CleanupBaseline() => _bcl.Dispose();
}
