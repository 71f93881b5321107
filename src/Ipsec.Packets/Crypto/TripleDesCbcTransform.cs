using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// 3DES-EDE in CBC mode (RFC 2451), for interoperability with legacy peers only: 24-byte key, 8-byte blocks and IVs.
/// BouncyCastle's DES-EDE engines (allocation-free per block) are pooled per SA. IV = 3DES_K(sequence number XOR a
/// random per-SA secret), unpredictable and never repeated under the key.
/// </summary>
internal sealed class TripleDesCbcTransform : CipherTransform
{
    private readonly byte[] _key;
    private readonly ulong _ivSecret;
    private readonly ContextPool<DesEdeEngine> _encrypt;
    private readonly ContextPool<DesEdeEngine> _decrypt;

    public TripleDesCbcTransform(ReadOnlySpan<byte> key)
    {
        if (key.Length != 24)
        {
            ThrowHelper.ThrowArgument($"3DES-CBC takes a 24-byte key; got {key.Length} bytes.", nameof(key));
        }

        byte[] copy = key.ToArray();
        _key = copy;
        _encrypt = new ContextPool<DesEdeEngine>(() => NewEngine(true, copy));
        _decrypt = new ContextPool<DesEdeEngine>(() => NewEngine(false, copy));
        Span<byte> secret = stackalloc byte[8];
        RandomNumberGenerator.Fill(secret);
        _ivSecret = BinaryPrimitives.ReadUInt64BigEndian(secret);
    }

    public override int IvSize => 8;

    public override int BlockSize => 8;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv)
    {
        Span<byte> nonce = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, sequenceNumber ^ _ivSecret);
        DesEdeEngine engine = _encrypt.Rent();
        engine.ProcessBlock(nonce, iv);
        _encrypt.Return(engine);
    }

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        DesEdeEngine engine = _encrypt.Rent();
        Span<byte> block = stackalloc byte[8];
        iv[..8].CopyTo(block);
        for (int offset = 0; offset < source.Length; offset += 8)
        {
            for (int i = 0; i < 8; i++)
            {
                block[i] ^= source[offset + i];
            }

            engine.ProcessBlock(block, block);
            block.CopyTo(destination[offset..]);
        }

        _encrypt.Return(engine);
    }

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        DesEdeEngine engine = _decrypt.Rent();
        Span<byte> previous = stackalloc byte[8];
        Span<byte> current = stackalloc byte[8];
        iv[..8].CopyTo(previous);
        for (int offset = 0; offset < source.Length; offset += 8)
        {
            source.Slice(offset, 8).CopyTo(current);
            Span<byte> output = destination.Slice(offset, 8);
            engine.ProcessBlock(current, output);
            for (int i = 0; i < 8; i++)
            {
                output[i] ^= previous[i];
            }

            current.CopyTo(previous);
        }

        _decrypt.Return(engine);
    }

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        var zero = new KeyParameter(new byte[24]);
        foreach (DesEdeEngine engine in _encrypt.All)
        {
            engine.Init(true, zero);
        }

        foreach (DesEdeEngine engine in _decrypt.All)
        {
            engine.Init(false, zero);
        }
    }

    private static DesEdeEngine NewEngine(bool forEncryption, byte[] key)
    {
        var engine = new DesEdeEngine();
        engine.Init(forEncryption, new KeyParameter(key));
        return engine;
    }
}
