using System;
using NSec.Cryptography;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>
/// libsodium's AES-256-GCM or ChaCha20-Poly1305 through NSec, keyed once, driven per packet with a 12-byte nonce and the
/// ESP header as 8-byte AAD: the raw AEAD call a .NET user picks when speed matters. The benchmark project may reference
/// NSec; the library may not.
/// </summary>
internal sealed class NSecAead : IDisposable
{
    private readonly AeadAlgorithm _algorithm;
    private readonly Key _key;

    private NSecAead(AeadAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        _algorithm = algorithm;
        _key = Key.Import(algorithm, key, KeyBlobFormat.RawSymmetricKey);
    }

    /// <summary>libsodium's AES-256-GCM needs AES-NI and PCLMULQDQ (x64) or the ARMv8 crypto extensions.</summary>
    public static bool IsAes256GcmSupported => Aes256Gcm.IsSupported;

    public static NSecAead ForAes256Gcm(ReadOnlySpan<byte> key) => new(AeadAlgorithm.Aes256Gcm, key);

    public static NSecAead ForChaCha20Poly1305(ReadOnlySpan<byte> key) => new(AeadAlgorithm.ChaCha20Poly1305, key);

    /// <summary>The tag length (16 bytes for both algorithms).</summary>
    public int TagSize => _algorithm.TagSize;

    /// <summary>Encrypts into <paramref name="ciphertextAndTag"/> (plaintext length + 16).</summary>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag) =>
        _algorithm.Encrypt(_key, nonce, aad, plaintext, ciphertextAndTag);

    /// <summary>Verifies and decrypts; false for a bad tag.</summary>
    public bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext) =>
        _algorithm.Decrypt(_key, nonce, aad, ciphertextAndTag, plaintext);

    public void Dispose() => _key.Dispose();

}
