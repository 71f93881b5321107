using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto.Primitives;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// ChaCha20-Poly1305 for ESP (RFC 7634, construction of RFC 8439 §2.8): KEYMAT = 32-byte key || 4-byte salt,
/// nonce = salt || 8-byte IV, 16-byte ICV. Tag verified before decryption; nothing allocates.
/// </summary>
internal sealed class ChaCha20Poly1305Transform : AeadTransform
{
    private const int SaltSize = 4;
    private readonly uint[] _key = new uint[8];
    private readonly byte[] _salt;

    public ChaCha20Poly1305Transform(ReadOnlySpan<byte> keyMaterial)
    {
        if (keyMaterial.Length != 32 + SaltSize)
        {
            ThrowHelper.ThrowArgument(
                $"ChaCha20-Poly1305 KEYMAT is a 32-byte key followed by a 4-byte salt; got {keyMaterial.Length} bytes.", nameof(keyMaterial));
        }

        for (int i = 0; i < 8; i++)
        {
            _key[i] = BinaryPrimitives.ReadUInt32LittleEndian(keyMaterial[(i * 4)..]);
        }

        _salt = keyMaterial[32..].ToArray();
    }

    public override int IcvSize => 16;

    internal ReadOnlySpan<uint> Key => _key;

    public override void Seal(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[12];
        _salt.CopyTo(nonce);
        iv[..8].CopyTo(nonce[SaltSize..]);
        ChaCha20.Xor(_key, nonce, 1, plaintext, ciphertext[..plaintext.Length]);
        ComputeTag(nonce, aadHead, aadTail, ciphertext[..plaintext.Length], tag);
    }

    public override bool TryOpen(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[12];
        _salt.CopyTo(nonce);
        iv[..8].CopyTo(nonce[SaltSize..]);
        Span<byte> expected = stackalloc byte[16];
        ComputeTag(nonce, aadHead, aadTail, ciphertext, expected);
        bool authentic = tag.Length == 16 && CryptographicOperations.FixedTimeEquals(expected, tag);
        CryptographicOperations.ZeroMemory(expected);
        if (!authentic)
        {
            return false;
        }

        ChaCha20.Xor(_key, nonce, 1, ciphertext, plaintext[..ciphertext.Length]);
        return true;
    }

    public override void Dispose()
    {
        Array.Clear(_key);
        CryptographicOperations.ZeroMemory(_salt);
    }

    private void ComputeTag(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> block0 = stackalloc byte[64];
        ChaCha20.Block(
            _key, 0, BinaryPrimitives.ReadUInt32LittleEndian(nonce), BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]), block0);
        var poly = new Poly1305(block0[..32]);
        CryptographicOperations.ZeroMemory(block0);
        poly.Append(aadHead);
        poly.Append(aadTail);
        poly.PadToBlock();
        poly.Append(ciphertext);
        poly.PadToBlock();
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)(aadHead.Length + aadTail.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)ciphertext.Length);
        poly.Append(lengths);
        poly.Finish(tag);
    }
}
