using System;
using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// ChaCha20-Poly1305 for ESP (RFC 7634, the AEAD of RFC 8439): KEYMAT = key (32) || salt (4); nonce = salt || IV (8);
/// AAD = head || tail; 16-byte ICV. Our own vectorised ChaCha20 and Poly1305, state on the stack.
/// </summary>
[SkipLocalsInit]
internal sealed class ChaCha20Poly1305Transform : AeadTransform, IKeyMaterialOwner
{
    private readonly uint[] _key = new uint[8];
    private uint _salt;   // KEYMAT, zeroed by Dispose

    public ChaCha20Poly1305Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt)
    {
        for (int i = 0; i < 8; i++)
        {
            _key[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i));
        }

        _salt = BinaryPrimitives.ReadUInt32LittleEndian(salt);
    }

    /// <summary>The longest text of the short path: the three key-stream blocks after the Poly1305 key block.</summary>
    private const int ShortTextLimit = 192;

    public override int IcvSize => 16;

    /// <summary>Whether <paramref name="textLength"/> bytes take the short path (four blocks in one 128-bit-lane pass).</summary>
    private static bool IsShort(int textLength) => textLength <= ShortTextLimit && ChaCha20.MaximumParallelBlocks >= 4;

    /// <summary>
    /// The short path's set-up: blocks 0..3 of the packet's key stream in one four-lane pass; block 0 keys Poly1305, blocks
    /// 1..3 cover the text.
    /// </summary>
    private void StartShort(ReadOnlySpan<byte> iv, Span<byte> keyStream, out Poly1305 mac)
    {
        ChaCha20.State state = default;
        ChaCha20.Initialize(
            ref state, _key, 0, _salt, BinaryPrimitives.ReadUInt32LittleEndian(iv), BinaryPrimitives.ReadUInt32LittleEndian(iv.Slice(4)));
        ChaCha20.KeyStream4(ref state, keyStream);
        state = default;
        mac = new Poly1305(keyStream.Slice(0, 32));
    }

    private void Start(ReadOnlySpan<byte> iv, out ChaCha20.State state, out Poly1305 mac)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        state = default;
        ChaCha20.Initialize(
            ref state, _key, 0, _salt, BinaryPrimitives.ReadUInt32LittleEndian(iv), BinaryPrimitives.ReadUInt32LittleEndian(iv.Slice(4)));
        Span<byte> block = stackalloc byte[64];
        ChaCha20.Block(ref state, block);
        mac = new Poly1305(block.Slice(0, 32));
        CryptographicOperations.ZeroMemory(block);
        state[12] = 1;
    }

    private static void MacTail(ref Poly1305 mac, long aadLength, int textLength, Span<byte> tag)
    {
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)aadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths.Slice(8), (ulong)textLength);
        mac.Absorb(lengths);
        mac.Finish(tag);
    }

    public override void Seal(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        KeyMaterial.CheckInOut(plaintext, ciphertext, nameof(ciphertext));
        KeyMaterial.CheckLength(tag, 16, nameof(tag));
        if (IsShort(plaintext.Length))
        {
            Span<byte> keyStream = stackalloc byte[256];
            StartShort(iv, keyStream, out Poly1305 shortMac);
            BlockPadding.AbsorbPadded(ref shortMac, aadHead, aadTail, default);
            KeyStream.Xor(plaintext, keyStream.Slice(64), ciphertext);
            BlockPadding.AbsorbPadded(ref shortMac, ciphertext, default, default);
            MacTail(ref shortMac, (long)aadHead.Length + aadTail.Length, ciphertext.Length, tag);
            CryptographicOperations.ZeroMemory(keyStream);
            SecretScrub.Clear(ref shortMac);
            return;
        }

        Start(iv, out ChaCha20.State state, out Poly1305 mac);
        BlockPadding.AbsorbPadded(ref mac, aadHead, aadTail, default);
        ChaCha20.Xor(ref state, plaintext, ciphertext);
        BlockPadding.AbsorbPadded(ref mac, ciphertext, default, default);
        MacTail(ref mac, (long)aadHead.Length + aadTail.Length, ciphertext.Length, tag);
        SecretScrub.Clear(ref state);
        SecretScrub.Clear(ref mac);
    }

    public override bool TryOpen(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        KeyMaterial.CheckInOut(ciphertext, plaintext, nameof(plaintext));
        Span<byte> expected = stackalloc byte[16];
        if (IsShort(ciphertext.Length))
        {
            Span<byte> keyStream = stackalloc byte[256];
            StartShort(iv, keyStream, out Poly1305 shortMac);
            BlockPadding.AbsorbPadded(ref shortMac, aadHead, aadTail, default);
            BlockPadding.AbsorbPadded(ref shortMac, ciphertext, default, default);
            MacTail(ref shortMac, (long)aadHead.Length + aadTail.Length, ciphertext.Length, expected);
            SecretScrub.Clear(ref shortMac);
            bool verified = tag.Length == 16 && CryptographicOperations.FixedTimeEquals(expected, tag);
            if (verified)
            {
                KeyStream.Xor(ciphertext, keyStream.Slice(64), plaintext);
            }

            CryptographicOperations.ZeroMemory(keyStream);
            CryptographicOperations.ZeroMemory(expected);
            return verified;
        }

        Start(iv, out ChaCha20.State state, out Poly1305 mac);
        BlockPadding.AbsorbPadded(ref mac, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref mac, ciphertext, default, default);
        MacTail(ref mac, (long)aadHead.Length + aadTail.Length, ciphertext.Length, expected);
        bool ok = tag.Length == 16 && CryptographicOperations.FixedTimeEquals(expected, tag);
        if (ok)
        {
            ChaCha20.Xor(ref state, ciphertext, plaintext);
        }

        SecretScrub.Clear(ref state);
        SecretScrub.Clear(ref mac);
        CryptographicOperations.ZeroMemory(expected);
        return ok;
    }

    public void AppendKeyArrays(List<Array> arrays) => arrays.Add(_key);

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_key.AsSpan()));
        _salt = 0;
    }

    public override string ToString() => "ChaCha20-Poly1305";
}
