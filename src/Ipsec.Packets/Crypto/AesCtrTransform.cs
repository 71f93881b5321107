using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto.Primitives;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-CTR for ESP (RFC 3686): KEYMAT = key || 4-byte nonce; counter block = nonce || 8-byte IV || 32-bit counter from 1.
/// The IV is the 64-bit sequence number, unique under the key as RFC 3686 §3.1 requires.
/// </summary>
internal sealed class AesCtrTransform : CipherTransform
{
    private readonly AesBlockCipher _aes;
    private readonly byte[] _nonce;

    public AesCtrTransform(ReadOnlySpan<byte> keyMaterial, bool forceSoftware = false)
    {
        if (keyMaterial.Length is not (20 or 28 or 36))
        {
            ThrowHelper.ThrowArgument(
                $"AES-CTR KEYMAT is a 16, 24 or 32-byte key followed by a 4-byte nonce; got {keyMaterial.Length} bytes.", nameof(keyMaterial));
        }

        _aes = new AesBlockCipher(keyMaterial[..^4], forceSoftware);
        _nonce = keyMaterial[^4..].ToArray();
    }

    public override int IvSize => 8;

    public override int BlockSize => 1;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv) => BinaryPrimitives.WriteUInt64BigEndian(iv, sequenceNumber);

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<byte> prefix = stackalloc byte[12];
        _nonce.CopyTo(prefix);
        iv[..8].CopyTo(prefix[4..]);
        _aes.Ctr32(prefix, 1, source, destination);
    }

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) => Encrypt(iv, source, destination);

    public override void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_nonce);
    }
}
