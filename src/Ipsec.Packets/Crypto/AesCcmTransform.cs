using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto.Primitives;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-CCM (RFC 3610) in the ESP layout of RFC 4309: nonce = 3-byte salt || 8-byte IV (L = 4), ICV of 8, 12 or 16 bytes.
/// The core is generic in the nonce length so the RFC 3610 vectors (13-byte nonce, L = 2) test it too.
/// Opening computes the CBC-MAC over the decrypted data in a stack buffer and writes the plaintext only after the tag
/// verified, so a forged packet leaves the output untouched.
/// </summary>
internal sealed class AesCcmTransform : AeadTransform
{
    private const int SaltSize = 3;
    private readonly AesBlockCipher _aes;
    private readonly byte[] _salt;
    private readonly int _icvSize;

    public AesCcmTransform(ReadOnlySpan<byte> keyMaterial, int icvSize, bool forceSoftware = false)
    {
        if (keyMaterial.Length is not (16 + SaltSize or 24 + SaltSize or 32 + SaltSize))
        {
            ThrowHelper.ThrowArgument(
                $"AES-CCM KEYMAT is a 16, 24 or 32-byte key followed by a 3-byte salt; got {keyMaterial.Length} bytes.", nameof(keyMaterial));
        }

        _aes = CreateCore(keyMaterial[..^SaltSize], icvSize, forceSoftware);
        _salt = keyMaterial[^SaltSize..].ToArray();
        _icvSize = icvSize;
    }

    public override int IcvSize => _icvSize;

    public override void Seal(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[11];
        _salt.CopyTo(nonce);
        iv[..8].CopyTo(nonce[SaltSize..]);
        Seal(_aes, nonce, aadHead, aadTail, plaintext, ciphertext, tag[.._icvSize]);
    }

    public override bool TryOpen(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[11];
        _salt.CopyTo(nonce);
        iv[..8].CopyTo(nonce[SaltSize..]);
        return tag.Length == _icvSize && TryOpen(_aes, nonce, aadHead, aadTail, ciphertext, tag, plaintext);
    }

    public override void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_salt);
    }

    internal static AesBlockCipher CreateCore(ReadOnlySpan<byte> key, int icvSize, bool forceSoftware)
    {
        if (icvSize is not (4 or 6 or 8 or 10 or 12 or 14 or 16))
        {
            ThrowHelper.ThrowArgument($"CCM tags are 4 to 16 bytes in steps of 2; got {icvSize}.", nameof(icvSize));
        }

        return new AesBlockCipher(key, forceSoftware);
    }

    /// <summary>Generic CCM encryption for a nonce of 7 to 13 bytes (L = 15 - nonce length).</summary>
    internal static void Seal(
        AesBlockCipher aes, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> mac = stackalloc byte[16];
        CbcMac(aes, nonce, tag.Length, aadHead, aadTail, plaintext, mac);
        Span<byte> counterBlock = stackalloc byte[16];
        FormatCounter(nonce, counterBlock, out uint firstCounter);
        aes.Ctr32(counterBlock, firstCounter + 1, plaintext, ciphertext[..plaintext.Length]);
        aes.Ctr32(counterBlock, firstCounter, mac, mac);
        mac[..tag.Length].CopyTo(tag);
        CryptographicOperations.ZeroMemory(mac);
    }

    /// <summary>Generic CCM decryption; writes <paramref name="plaintext"/> only when the tag verifies.</summary>
    internal static bool TryOpen(
        AesBlockCipher aes, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> counterBlock = stackalloc byte[16];
        FormatCounter(nonce, counterBlock, out uint firstCounter);
        Span<byte> mac = stackalloc byte[16];
        var state = new CbcMacState(aes, nonce, tag.Length, aadHead.Length + aadTail.Length, ciphertext.Length);
        state.AppendAad(aadHead, aadTail);

        // Decrypt into a stack block, MAC it, and discard it: nothing reaches the output before the tag verifies.
        Span<byte> block = stackalloc byte[16];
        uint counter = firstCounter + 1;
        for (int offset = 0; offset < ciphertext.Length; offset += 16)
        {
            int n = Math.Min(16, ciphertext.Length - offset);
            aes.Ctr32(counterBlock, counter++, ciphertext.Slice(offset, n), block[..n]);
            state.AppendMessage(block[..n]);
        }

        state.Finish(mac);
        aes.Ctr32(counterBlock, firstCounter, mac, mac);
        bool authentic = CryptographicOperations.FixedTimeEquals(mac[..tag.Length], tag);
        CryptographicOperations.ZeroMemory(mac);
        CryptographicOperations.ZeroMemory(block);
        if (!authentic)
        {
            return false;
        }

        aes.Ctr32(counterBlock, firstCounter + 1, ciphertext, plaintext[..ciphertext.Length]);
        return true;
    }

    private static void CbcMac(
        AesBlockCipher aes, ReadOnlySpan<byte> nonce, int tagLength, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> message, Span<byte> mac)
    {
        var state = new CbcMacState(aes, nonce, tagLength, aadHead.Length + aadTail.Length, message.Length);
        state.AppendAad(aadHead, aadTail);
        state.AppendMessage(message);
        state.Finish(mac);
    }

    /// <summary>
    /// The counter block A_i = flags || nonce || i, as a 12-byte prefix and a 32-bit counter: with L below 4 the top bytes
    /// of that counter are nonce bytes, which never change because messages stay far below 2^(8L) blocks.
    /// </summary>
    private static void FormatCounter(ReadOnlySpan<byte> nonce, Span<byte> block, out uint firstCounter)
    {
        int l = 15 - nonce.Length;
        block.Clear();
        block[0] = (byte)(l - 1);
        nonce.CopyTo(block[1..]);
        firstCounter = BinaryPrimitives.ReadUInt32BigEndian(block[12..]);
    }

    /// <summary>The CBC-MAC of RFC 3610 §2.2 over B0, the encoded AAD and the message, each section zero-padded.</summary>
    private struct CbcMacState
    {
        private readonly AesBlockCipher _aes;
        private GHashBlock _x;
        private GHashBlock _buffer;
        private int _pending;

        public CbcMacState(AesBlockCipher aes, ReadOnlySpan<byte> nonce, int tagLength, int aadLength, int messageLength)
        {
            _aes = aes;
            _pending = 0;
            int l = 15 - nonce.Length;
            Span<byte> b0 = _x;
            b0[0] = (byte)((aadLength > 0 ? 0x40 : 0) | (((tagLength - 2) / 2) << 3) | (l - 1));
            nonce.CopyTo(b0[1..]);
            uint length = (uint)messageLength;
            for (int i = 15; i > nonce.Length; i--)
            {
                b0[i] = (byte)length;
                length >>= 8;
            }

            aes.EncryptBlock(b0, b0);
            if (aadLength > 0)
            {
                Span<byte> encodedLength = stackalloc byte[6];
                int n;
                if (aadLength < 0xFF00)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(encodedLength, (ushort)aadLength);
                    n = 2;
                }
                else
                {
                    encodedLength[0] = 0xFF;
                    encodedLength[1] = 0xFE;
                    BinaryPrimitives.WriteUInt32BigEndian(encodedLength[2..], (uint)aadLength);
                    n = 6;
                }

                Append(encodedLength[..n]);
            }
        }

        public void AppendAad(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
        {
            Append(head);
            Append(tail);
            Pad();
        }

        public void AppendMessage(ReadOnlySpan<byte> data) => Append(data);

        public void Finish(Span<byte> mac)
        {
            Pad();
            ((ReadOnlySpan<byte>)_x).CopyTo(mac);
            ((Span<byte>)_x).Clear();
        }

        private void Append(ReadOnlySpan<byte> data)
        {
            Span<byte> buffer = _buffer;
            while (!data.IsEmpty)
            {
                int take = Math.Min(16 - _pending, data.Length);
                data[..take].CopyTo(buffer[_pending..]);
                _pending += take;
                data = data[take..];
                if (_pending == 16)
                {
                    Absorb(buffer);
                    _pending = 0;
                }
            }
        }

        private void Pad()
        {
            if (_pending > 0)
            {
                Span<byte> buffer = _buffer;
                buffer[_pending..].Clear();
                Absorb(buffer);
                _pending = 0;
            }
        }

        private void Absorb(ReadOnlySpan<byte> block)
        {
            Span<byte> x = _x;
            for (int i = 0; i < 16; i++)
            {
                x[i] ^= block[i];
            }

            _aes.EncryptBlock(x, x);
        }
    }
}
