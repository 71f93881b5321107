using System;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto.Primitives;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// The two AES CBC-MACs for ESP and AH, truncated to 96 bits: AES-XCBC-MAC-96 (RFC 3566: three derived keys) and
/// AES-CMAC-96 (RFC 4493/4494: two subkeys by doubling in GF(2^128)). Both hold back the last block, since it alone is
/// XORed with a subkey, so contexts keep one pending block across Append calls.
/// </summary>
internal sealed class AesMacTransform : IntegrityTransform
{
    private readonly AesBlockCipher _aes;
    private readonly byte[] _completeBlockKey = new byte[16];   // XCBC K2, CMAC K1
    private readonly byte[] _partialBlockKey = new byte[16];    // XCBC K3, CMAC K2
    private readonly int _icvSize;
    private readonly ContextPool<MacContext> _pool;

    private AesMacTransform(AesBlockCipher aes, int icvSize)
    {
        _aes = aes;
        _icvSize = icvSize;
        _pool = new ContextPool<MacContext>(() => new MacContext(this));
    }

    public override int IcvSize => _icvSize;

    /// <summary>AES-XCBC-MAC (RFC 3566) with a 16-byte key; K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..).</summary>
    public static AesMacTransform CreateXcbc(ReadOnlySpan<byte> key, int icvSize, bool forceSoftware = false)
    {
        if (key.Length != 16)
        {
            ThrowHelper.ThrowArgument($"AES-XCBC-MAC takes a 16-byte key; got {key.Length} bytes.", nameof(key));
        }

        using var master = new AesBlockCipher(key, forceSoftware);
        Span<byte> derived = stackalloc byte[16];
        derived.Fill(0x01);
        master.EncryptBlock(derived, derived);
        var transform = new AesMacTransform(new AesBlockCipher(derived, forceSoftware), icvSize);
        derived.Fill(0x02);
        master.EncryptBlock(derived, transform._completeBlockKey);
        derived.Fill(0x03);
        master.EncryptBlock(derived, transform._partialBlockKey);
        CryptographicOperations.ZeroMemory(derived);
        return transform;
    }

    /// <summary>AES-CMAC (RFC 4493) with a 16, 24 or 32-byte key.</summary>
    public static AesMacTransform CreateCmac(ReadOnlySpan<byte> key, int icvSize, bool forceSoftware = false)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            ThrowHelper.ThrowArgument($"AES-CMAC takes a 16, 24 or 32-byte key; got {key.Length} bytes.", nameof(key));
        }

        var transform = new AesMacTransform(new AesBlockCipher(key, forceSoftware), icvSize);
        Span<byte> l = stackalloc byte[16];
        l.Clear();
        transform._aes.EncryptBlock(l, l);
        Double(l, transform._completeBlockKey);
        Double(transform._completeBlockKey, transform._partialBlockKey);
        CryptographicOperations.ZeroMemory(l);
        return transform;
    }

    public override IntegrityContext Rent() => _pool.Rent();

    public override void Return(IntegrityContext context) => _pool.Return((MacContext)context);

    public override void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_completeBlockKey);
        CryptographicOperations.ZeroMemory(_partialBlockKey);
        foreach (MacContext context in _pool.All)
        {
            context.Wipe();
        }
    }

    /// <summary>Multiplication by x in GF(2^128) as RFC 4493 §2.3 defines it (big-endian, R = 0x87).</summary>
    private static void Double(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int carry = input[0] >> 7;
        for (int i = 0; i < 15; i++)
        {
            output[i] = (byte)((input[i] << 1) | (input[i + 1] >> 7));
        }

        output[15] = (byte)((input[15] << 1) ^ (0x87 & -carry));
    }

    private sealed class MacContext(AesMacTransform owner) : IntegrityContext
    {
        private readonly byte[] _state = new byte[16];
        private readonly byte[] _pending = new byte[16];
        private int _pendingLength;

        public override void Append(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                if (_pendingLength == 16)
                {
                    // Only now is it certain the pending block is not the last one.
                    Absorb(_pending);
                    _pendingLength = 0;
                }

                int take = Math.Min(16 - _pendingLength, data.Length);
                data[..take].CopyTo(_pending.AsSpan(_pendingLength));
                _pendingLength += take;
                data = data[take..];
            }
        }

        public override void Finish(Span<byte> icv)
        {
            byte[] subkey;
            if (_pendingLength == 16)
            {
                subkey = owner._completeBlockKey;
            }
            else
            {
                _pending[_pendingLength] = 0x80;
                _pending.AsSpan(_pendingLength + 1).Clear();
                subkey = owner._partialBlockKey;
            }

            for (int i = 0; i < 16; i++)
            {
                _pending[i] ^= subkey[i];
            }

            Absorb(_pending);
            _state.AsSpan(0, owner._icvSize).CopyTo(icv);
            Wipe();
        }

        public void Wipe()
        {
            CryptographicOperations.ZeroMemory(_state);
            CryptographicOperations.ZeroMemory(_pending);
            _pendingLength = 0;
        }

        private void Absorb(ReadOnlySpan<byte> block)
        {
            for (int i = 0; i < 16; i++)
            {
                _state[i] ^= block[i];
            }

            owner._aes.EncryptBlock(_state, _state);
        }
    }
}
