// Engine choice (CryptoEngine, per primitive): AES on AES-NI or ARMv8 AES (8-block pipelined CTR), GHASH on PCLMULQDQ or
// PMULL (4-block aggregated reduction) where the CPU has them; otherwise on the portable AES and GHASH.
// We do not wrap System.Security.Cryptography.AesGcm: it costs ~0.8 µs of fixed overhead per call, is not thread-safe,
// and throws (allocating) on every forged tag. Every path is checked against the same vectors and against the BCL.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-GCM for ESP (RFC 4106: ICV 8, 12 or 16) and AES-GMAC (RFC 4543, ENCR_NULL_AUTH_AES_GMAC: empty plaintext,
/// everything authenticated as AAD). KEYMAT = key (16/24/32) || salt (4); nonce = salt || IV (8).
/// </summary>
[SkipLocalsInit]
internal sealed class AesGcmTransform : AeadTransform, IKeyMaterialOwner
{
    private readonly AesBlockCipher _aes;
    private readonly GhashKey _ghash;
    private uint _salt;   // KEYMAT, zeroed by Dispose
    private readonly int _icvSize;
    private readonly bool _isGmac;

    // The short-packet path (AES-NI and PCLMULQDQ): E(J0) and up to seven data blocks in one pipelined AES pass, GHASH of
    // AAD, text and lengths with one reduction. Null on the portable path.
    private readonly AesNiBlockCipher? _aesNi;
    private readonly GhashClmul? _clmul;

    public AesGcmTransform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt, int icvSize, bool isGmac)
    {
        _aes = AesBlockCipher.Create(key);
        _ghash = GhashKey.Create(_aes.EncryptBlock(Vector128<byte>.Zero));
        _salt = MemoryMarshal.Read<uint>(salt);
        _icvSize = icvSize;
        _isGmac = isGmac;
        _aesNi = _aes as AesNiBlockCipher;
        _clmul = _ghash as GhashClmul;
    }

    /// <summary>Whether a packet takes the short path: both intrinsic engines, at most 16 bytes of AAD and seven blocks of text.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsShort(int aadLength, int textLength) =>
        _clmul is not null && _aesNi is not null && aadLength <= 16 && textLength <= GhashClmul.ShortCiphertextLimit;

    public override int IcvSize => _icvSize;

    /// <summary>True when the AES core runs on AES instructions (AES-NI or ARMv8 AES).</summary>
    internal bool IsHardware => _aes.IsHardware;

    /// <summary>The AES core in use.</summary>
    internal AesCore AesCore => _aes.Core;

    /// <summary>The GHASH multiplication in use.</summary>
    internal CarrylessMultiply CarrylessMultiply => _ghash.Core;

    /// <summary>The pre-counter block J0 = salt || IV || 0x00000001.</summary>
    private Vector128<byte> CounterBlock(ReadOnlySpan<byte> iv, uint counterBigEndian)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        return Vector128.Create(_salt, MemoryMarshal.Read<uint>(iv), MemoryMarshal.Read<uint>(iv.Slice(4)), counterBigEndian).AsByte();
    }

    // Seal and TryOpen are kept out of line: the JIT devirtualises the transform in the ESP packet paths and would inline
    // them there with their argument checks and three engines, and the larger caller lost more (struct copies, frame
    // zeroing, spent inlining budget) than the call costs: 64 B ESP protect into a separate buffer 75 -> 56 ns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public override void Seal(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Vector128<byte> j0 = CounterBlock(iv, 0x01000000);
        KeyMaterial.CheckInOut(plaintext, ciphertext, nameof(ciphertext));
        KeyMaterial.CheckLength(tag, _icvSize, nameof(tag));
        if (_isGmac && !plaintext.IsEmpty)
        {
            ThrowHelper.ThrowArgument("ENCR_NULL_AUTH_AES_GMAC encrypts nothing: pass the payload as AAD and an empty plaintext.", nameof(plaintext));
        }

        Vector128<byte> full;
        if (IsShort(aadHead.Length + aadTail.Length, plaintext.Length))
        {
            full = AesGcmShort.Seal(_aesNi!, _clmul!, j0, aadHead, aadTail, plaintext, ciphertext);
        }
        else if (_aesNi is not null && _clmul is not null)
        {
            full = AesGcmPipelined.Seal(_aesNi, _clmul, j0, aadHead, aadTail, plaintext, ciphertext);
        }
        else
        {
            if (!plaintext.IsEmpty)
            {
                _aes.CtrXor(CounterBlock(iv, 0x02000000), plaintext, ciphertext);
            }

            full = _ghash.Compute(aadHead, aadTail, ciphertext) ^ _aes.EncryptBlock(j0);
        }

        if (_icvSize == 16)
        {
            full.CopyTo(tag);
        }
        else
        {
            Unsafe.SkipInit(out StackBlock16 bufferStorage);
            Span<byte> buffer = bufferStorage;
            full.CopyTo(buffer);
            buffer.Slice(0, _icvSize).CopyTo(tag);
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    public override bool TryOpen(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext) =>
        Open(iv, aadHead, aadTail, ciphertext, tag, plaintext, verifyFirst: false);

    public override bool TryOpenVerifyingFirst(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext) =>
        Open(iv, aadHead, aadTail, ciphertext, tag, plaintext, verifyFirst: true);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Open(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, bool verifyFirst)
    {
        Vector128<byte> j0 = CounterBlock(iv, 0x01000000);
        KeyMaterial.CheckInOut(ciphertext, plaintext, nameof(plaintext));
        if (tag.Length != _icvSize || (_isGmac && !ciphertext.IsEmpty))
        {
            return false;
        }

        if (IsShort(aadHead.Length + aadTail.Length, ciphertext.Length))
        {
            return AesGcmShort.TryOpen(_aesNi!, _clmul!, j0, aadHead, aadTail, ciphertext, tag, plaintext);
        }

        if (_aesNi is not null && _clmul is not null)
        {
            return AesGcmPipelined.TryOpen(_aesNi, _clmul, j0, aadHead, aadTail, ciphertext, tag, plaintext, verifyFirst);
        }

        Vector128<byte> full = _ghash.Compute(aadHead, aadTail, ciphertext) ^ _aes.EncryptBlock(j0);
        if (!TagComparison.Matches(full, tag))
        {
            return false;
        }

        if (!ciphertext.IsEmpty)
        {
            _aes.CtrXor(CounterBlock(iv, 0x02000000), ciphertext, plaintext);
        }

        return true;
    }

    public void AppendKeyArrays(List<Array> arrays)
    {
        _aes.AppendKeyArrays(arrays);
        _ghash.AppendKeyArrays(arrays);
    }

    public override void Dispose()
    {
        _aes.Dispose();
        _ghash.Dispose();
        _salt = 0;
    }

    public override string ToString() => _isGmac ? "AES-GMAC" : $"AES-GCM (ICV {_icvSize} bytes)";
}
