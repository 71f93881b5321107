using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto.Primitives;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-CBC for ESP (RFC 3602): 16-byte blocks and IVs. Each packet's IV is AES_K(secret || sequence number), the cipher
/// applied under the SA's key to a nonce made of a random per-SA 8-byte secret and the 64-bit sequence number
/// (NIST SP 800-38A Appendix C): unpredictable to anyone without the key, never repeated under the key, and allocation-free.
/// </summary>
internal sealed class AesCbcTransform : CipherTransform
{
    private readonly AesBlockCipher _aes;
    private readonly byte[] _ivSecret = new byte[8];

    public AesCbcTransform(ReadOnlySpan<byte> key, bool forceSoftware = false)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            ThrowHelper.ThrowArgument($"AES-CBC takes a 16, 24 or 32-byte key; got {key.Length} bytes.", nameof(key));
        }

        _aes = new AesBlockCipher(key, forceSoftware);
        RandomNumberGenerator.Fill(_ivSecret);
    }

    public override int IvSize => 16;

    public override int BlockSize => 16;

    internal AesBlockCipher Cipher => _aes;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv)
    {
        Span<byte> nonce = stackalloc byte[16];
        _ivSecret.CopyTo(nonce);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[8..], sequenceNumber);
        _aes.EncryptBlock(nonce, iv);
    }

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) =>
        _aes.EncryptCbc(iv, source, destination);

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) =>
        _aes.DecryptCbc(iv, source, destination);

    public override void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_ivSecret);
    }
}
