using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// An incremental AES CBC-MAC whose last block is whitened with one of two subkeys: the shape shared by
/// AES-XCBC-MAC (RFC 3566 §4) and AES-CMAC (RFC 4493 §2.4).
/// </summary>
/// <remarks>
/// <para>
/// With E the AES block encryption under the cipher key, the MAC of M_1 .. M_n is
/// <c>E(M_n' XOR E(... E(M_2 XOR E(M_1))))</c>, where the last block M_n' is
/// <c>M_n XOR completeSubkey</c> when M_n is a whole 16-octet block, and
/// <c>(M_n || 0x80 || 0x00...) XOR incompleteSubkey</c> otherwise. An empty message is one incomplete block.
/// </para>
/// <para>
/// Because a block is final only once the caller stops appending, the context keeps up to one whole block
/// buffered and encrypts it only when more data arrives. <see cref="Append"/> accepts any split of the message.
/// </para>
/// <para>
/// XCBC: cipher key K1, complete subkey K2, incomplete subkey K3 (all derived from the user key).
/// CMAC: cipher key K, complete subkey K1, incomplete subkey K2 (doublings of E_K(0^128)).
/// </para>
/// <para>
/// The contexts of one transform share its <see cref="AesBlockCipher"/> (AES-NI where present, otherwise the
/// constant-time bitsliced AES), which is thread-safe and keyed once. A context is not thread-safe; the owning
/// transform pools contexts.
/// </para>
/// </remarks>
internal sealed class IntegrityCbcMacContext : PooledIntegrityContext
{
    /// <summary>The AES block size in bytes.</summary>
    public const int BlockSize = 16;

    private readonly AesBlockCipher _aes;
    private readonly IntegrityTransform? _owner;
    private readonly byte[] _subkeys;
    private readonly int _icvSize;

    // The chaining value X (RFC 3566 E[i], RFC 4493 X) and the not yet processed tail of the message.
    private readonly byte[] _chain = new byte[BlockSize];
    private readonly byte[] _pending = new byte[BlockSize];
    private int _pendingLength;
    private bool _dirty;

    /// <param name="owner">The transform that pools this context (checked by its Return), or null for a standalone context.</param>
    /// <param name="aes">The AES keyed with the CBC chain's key, owned (and disposed) by the owner.</param>
    /// <param name="subkeys">
    /// The complete-block subkey (octets 0..15) followed by the incomplete-block subkey (octets 16..31). The array is
    /// shared with (and zeroed by) the owner, not copied.
    /// </param>
    /// <param name="icvSize">The number of leftmost MAC octets <see cref="Finish"/> writes (1..16).</param>
    public IntegrityCbcMacContext(IntegrityTransform? owner, AesBlockCipher aes, byte[] subkeys, int icvSize)
    {
        _owner = owner;
        _aes = aes;
        _subkeys = subkeys;
        _icvSize = icvSize;
    }

    /// <summary>The transform whose pool owns this context.</summary>
    public override IntegrityTransform? Owner => _owner;

    /// <inheritdoc />
    public override void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _dirty = true;
        int room = BlockSize - _pendingLength;
        if (data.Length <= room)
        {
            // Still possibly the last block: keep it.
            data.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += data.Length;
            return;
        }

        // More data follows the buffered block, so that block is not the last one.
        data[..room].CopyTo(_pending.AsSpan(_pendingLength));
        data = data[room..];
        ChainBlock(_pending);

        // Keep the final 1..16 octets back; they may be the last block.
        while (data.Length > BlockSize)
        {
            ChainBlock(data[..BlockSize]);
            data = data[BlockSize..];
        }

        data.CopyTo(_pending);
        _pendingLength = data.Length;
    }

    /// <inheritdoc />
    public override void Finish(Span<byte> icv)
    {
        if (icv.Length != _icvSize)
        {
            Reset();
            ThrowIcvLength(_icvSize);
        }

        Span<byte> last = _pending;
        ReadOnlySpan<byte> subkey;
        if (_pendingLength == BlockSize)
        {
            subkey = _subkeys.AsSpan(0, BlockSize);
        }
        else
        {
            // RFC 3566 §4 (c), RFC 4493 padding(): a single 1 bit then 0 bits up to the block size.
            last[_pendingLength] = 0x80;
            last[(_pendingLength + 1)..].Clear();
            subkey = _subkeys.AsSpan(BlockSize, BlockSize);
        }

        Xor(last, subkey);
        ChainBlock(last);
        _chain.AsSpan(0, _icvSize).CopyTo(icv);
        Reset();
    }

    /// <summary>Discards any partial computation (after an abandoned Append sequence).</summary>
    public override void ResetIfDirty()
    {
        if (_dirty)
        {
            Reset();
        }
    }

    /// <summary>Zeroes the chaining state (the owner disposes the shared AES schedule).</summary>
    public override void Release() => Reset();

    private void ChainBlock(ReadOnlySpan<byte> block)
    {
        Span<byte> chain = _chain;
        _aes.EncryptBlock(Vector128.Create((ReadOnlySpan<byte>)chain) ^ Vector128.Create(block.Slice(0, BlockSize))).CopyTo(chain);
    }

    private void Reset()
    {
        CryptographicOperations.ZeroMemory(_chain);
        CryptographicOperations.ZeroMemory(_pending);
        _pendingLength = 0;
        _dirty = false;
    }

    /// <summary>destination ^= source, for one 16-octet block.</summary>
    internal static void Xor(Span<byte> destination, ReadOnlySpan<byte> source)
    {
        Vector128<byte> result = Vector128.Create<byte>(destination) ^ Vector128.Create(source);
        result.CopyTo(destination);
    }

    [DoesNotReturn]
    private static void ThrowIcvLength(int icvSize) =>
        ThrowHelper.ThrowArgument($"The ICV destination must be exactly {icvSize} bytes.", "icv");
}
