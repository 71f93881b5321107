using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Generic CCM (RFC 3610, NIST SP 800-38C) over an <see cref="AesBlockCipher"/>: nonce of 7..13 bytes (L = 15 - nonce
/// length), tag of 4..16 bytes, AAD given as head || tail. Opening MACs the plaintext decrypted block by block into a
/// stack buffer and writes the caller's plaintext only after the tag verifies.
/// </summary>
[SkipLocalsInit]
internal static class CcmMode
{
    private const int ChunkSize = 256;

    private struct MacSink : IBlockSink
    {
        public AesBlockCipher Aes;
        public Vector128<byte> State;

        public void Absorb(ReadOnlySpan<byte> blocks) => State = Aes.CbcMac(State, blocks);
    }

    public static void Seal(
        AesBlockCipher aes, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        if (!ValidSizes(nonce.Length, tag.Length, plaintext.Length))
        {
            ThrowHelper.ThrowArgument(
                "CCM needs a 7..13-byte nonce, a tag of 4, 6, ..., 16 bytes and a message shorter than 2^(8(15 - nonce length)) bytes.", nameof(tag));
        }

        Vector128<byte> mac = Mac(aes, nonce, tag.Length, aadHead, aadTail, plaintext, true);
        Vector128<byte> a0 = CounterBlock(nonce, 0);
        if (!plaintext.IsEmpty)
        {
            aes.CtrXor(CounterBlock(nonce, 1), plaintext, ciphertext);
        }

        Unsafe.SkipInit(out StackBlock16 bufferStorage);

        Span<byte> buffer = bufferStorage;
        (mac ^ aes.EncryptBlock(a0)).CopyTo(buffer);
        buffer.Slice(0, tag.Length).CopyTo(tag);
        CryptographicOperations.ZeroMemory(buffer);
    }

    public static bool TryOpen(
        AesBlockCipher aes, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        if (nonce.Length is < 7 or > 13)
        {
            ThrowHelper.ThrowArgument("The CCM nonce must be 7 to 13 bytes long.", nameof(nonce));
        }

        if (!ValidSizes(nonce.Length, tag.Length, ciphertext.Length))
        {
            return false;
        }

        Vector128<byte> mac = Mac(aes, nonce, tag.Length, aadHead, aadTail, ciphertext, false);
        Unsafe.SkipInit(out StackBlock16 expectedStorage);
        Span<byte> expected = expectedStorage;
        (mac ^ aes.EncryptBlock(CounterBlock(nonce, 0))).CopyTo(expected);
        bool valid = CryptographicOperations.FixedTimeEquals(expected.Slice(0, tag.Length), tag);
        CryptographicOperations.ZeroMemory(expected);
        if (!valid)
        {
            return false;
        }

        if (!ciphertext.IsEmpty)
        {
            aes.CtrXor(CounterBlock(nonce, 1), ciphertext, plaintext);
        }

        return true;
    }

    /// <summary>True when the nonce, tag and message lengths are ones CCM defines (tag 4..16 even, nonce 7..13, message below 2^(8L)).</summary>
    private static bool ValidSizes(int nonceLength, int tagLength, long messageLength)
    {
        int l = 15 - nonceLength;
        return nonceLength is >= 7 and <= 13 && tagLength is >= 4 and <= 16 && (tagLength & 1) == 0 &&
            (l >= 8 || messageLength < 1L << (8 * l));
    }

    /// <summary>A_i: flags (L - 1) || nonce || i as an L-byte big-endian counter.</summary>
    private static Vector128<byte> CounterBlock(ReadOnlySpan<byte> nonce, uint counter)
    {
        Unsafe.SkipInit(out StackBlock16 blockStorage);
        Span<byte> block = blockStorage;
        block.Clear();
        block[0] = (byte)(14 - nonce.Length);
        nonce.CopyTo(block.Slice(1));
        uint tail = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(12)) | counter;
        BinaryPrimitives.WriteUInt32BigEndian(block.Slice(12), tail);
        return Vector128.Create((ReadOnlySpan<byte>)block);
    }

    /// <summary>The CBC-MAC X_{n+1} over B0, the length-prefixed AAD and the plaintext (decrypting first when opening).</summary>
    private static Vector128<byte> Mac(
        AesBlockCipher aes, ReadOnlySpan<byte> nonce, int tagLength, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> message, bool messageIsPlaintext)
    {
        int l = 15 - nonce.Length;
        long aadLength = (long)aadHead.Length + aadTail.Length;
        Unsafe.SkipInit(out StackBlock16 b0Storage);
        Span<byte> b0 = b0Storage;
        b0.Clear();
        b0[0] = (byte)((aadLength > 0 ? 0x40 : 0) | (((tagLength - 2) / 2) << 3) | (l - 1));
        nonce.CopyTo(b0.Slice(1));
        ulong length = (ulong)message.Length;
        for (int i = 15; i > nonce.Length; i--)
        {
            b0[i] = (byte)length;
            length >>= 8;
        }

        MacSink sink = default;
        sink.Aes = aes;
        sink.Absorb(b0);

        if (aadLength > 0)
        {
            Unsafe.SkipInit(out StackBlock16 prefixStorage);
            Span<byte> prefix = prefixStorage[..6];
            int prefixLength;
            if (aadLength < 0xFF00)
            {
                BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)aadLength);
                prefixLength = 2;
            }
            else
            {
                prefix[0] = 0xFF;
                prefix[1] = 0xFE;
                BinaryPrimitives.WriteUInt32BigEndian(prefix.Slice(2), (uint)aadLength);
                prefixLength = 6;
            }

            BlockPadding.AbsorbPadded(ref sink, prefix.Slice(0, prefixLength), aadHead, aadTail);
        }

        if (messageIsPlaintext)
        {
            BlockPadding.AbsorbPadded(ref sink, message, default, default);
        }
        else if (!message.IsEmpty)
        {
            // Decrypt into a stack buffer chunk by chunk and MAC the plaintext there; the caller's buffer stays untouched.
            Unsafe.SkipInit(out StackBlock256 chunkStorage);
            Span<byte> chunk = chunkStorage;
            Vector128<byte> a1 = CounterBlock(nonce, 1);
            uint counter = BinaryPrimitives.ReverseEndianness(a1.AsUInt32().GetElement(3));
            for (int offset = 0; offset < message.Length; offset += ChunkSize)
            {
                int n = Math.Min(ChunkSize, message.Length - offset);
                Vector128<byte> start = a1.AsUInt32().WithElement(3, BinaryPrimitives.ReverseEndianness(counter + (uint)(offset / 16))).AsByte();
                aes.CtrXor(start, message.Slice(offset, n), chunk.Slice(0, n));
                BlockPadding.AbsorbPadded(ref sink, chunk.Slice(0, n), default, default);
            }

            CryptographicOperations.ZeroMemory(chunk);
        }

        return sink.State;
    }
}
