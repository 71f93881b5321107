using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Org.BouncyCastle.Crypto.Modes;
using BouncyChaCha20Poly1305 = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>ESP ChaCha20-Poly1305 (RFC 7634) against the BCL's ChaCha20Poly1305, BouncyCastle's and libsodium's (NSec).</summary>
[MemoryDiagnoser]
public class EspChaCha20Poly1305Benchmarks : EspAeadBenchmarkBase
{
    private readonly NSecRows _nsec = new();
    private System.Security.Cryptography.ChaCha20Poly1305 _bcl = null!;

    private protected override EspSuite Suite => EspSuite.ChaCha20Poly1305;

    protected override int KeyLength => 32;

    protected override void KeyBcl(byte[] key)
    {
        _bcl = new System.Security.Cryptography.ChaCha20Poly1305(key);
        _nsec.Setup(NSecAead.ForChaCha20Poly1305(key), Payload, Output);
    }

    protected override void EncryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad) =>
        _bcl.Encrypt(nonce, plaintext, ciphertext, tag, aad);

    protected override void DecryptBcl(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad) =>
        _bcl.Decrypt(nonce, ciphertext, tag, plaintext, aad);

    protected override IAeadCipher CreateBouncyCastle() => new BouncyChaCha20Poly1305();

    protected override void CleanupBaseline()
    {
        _nsec.Dispose();
        _bcl.Dispose();
    }

    [Benchmark(Description = "NSec (libsodium) ChaCha20-Poly1305 encrypt")]
    [BenchmarkCategory(Protect)]
    public void NSecEncrypt() => _nsec.Encrypt();

    [Benchmark(Description = "NSec (libsodium) ChaCha20-Poly1305 decrypt")]
    [BenchmarkCategory(Unprotect)]
    public bool NSecDecrypt() => _nsec.Decrypt();
}
