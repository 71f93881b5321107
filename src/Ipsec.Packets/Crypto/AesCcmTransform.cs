using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-CCM for ESP (RFC 4309): KEYMAT = key (16/24/32) || salt (3); nonce = salt || IV (8), 11 bytes, so L = 4;
/// ICV 8, 12 or 16 bytes.
/// </summary>
internal sealed class AesCcmTransform : AeadTransform, IKeyMaterialOwner
{
    private readonly AesBlockCipher _aes;
    private readonly byte[] _salt;
    private readonly int _icvSize;

    public AesCcmTransform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt, int icvSize)
    {
        _aes = AesBlockCipher.Create(key);
        _salt = salt.ToArray();
        _icvSize = icvSize;
    }

    public override int IcvSize => _icvSize;

    /// <summary>True when the AES core runs on AES instructions (AES-NI or ARMv8 AES).</summary>
    internal bool IsHardware => _aes.IsHardware;

    /// <summary>The AES core in use.</summary>
    internal AesCore AesCore => _aes.Core;

    private void Nonce(ReadOnlySpan<byte> iv, Span<byte> nonce)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        _salt.CopyTo(nonce);
        iv.CopyTo(nonce.Slice(3));
    }

    public override void Seal(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Unsafe.SkipInit(out StackBlock16 nonceStorage);
        Span<byte> nonce = nonceStorage[..11];
        Nonce(iv, nonce);
        KeyMaterial.CheckInOut(plaintext, ciphertext, nameof(ciphertext));
        KeyMaterial.CheckLength(tag, _icvSize, nameof(tag));
        CcmMode.Seal(_aes, nonce, aadHead, aadTail, plaintext, ciphertext, tag);
    }

    public override bool TryOpen(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Unsafe.SkipInit(out StackBlock16 nonceStorage);
        Span<byte> nonce = nonceStorage[..11];
        Nonce(iv, nonce);
        KeyMaterial.CheckInOut(ciphertext, plaintext, nameof(plaintext));
        return tag.Length == _icvSize && CcmMode.TryOpen(_aes, nonce, aadHead, aadTail, ciphertext, tag, plaintext);
    }

    public void AppendKeyArrays(List<Array> arrays)
    {
        _aes.AppendKeyArrays(arrays);
        arrays.Add(_salt);
    }

    public override void Dispose()
    {
        _aes.Dispose();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_salt);
    }

    public override string ToString() => $"AES-CCM (ICV {_icvSize} bytes)";
}
