using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// ENCR_3DES: triple DES (EDE, 192-bit key) in CBC mode, for legacy peers only. BouncyCastle's
/// <see cref="DesEdeEngine"/> from a <see cref="ContextPool{T}"/> with our own CBC loop, because the BCL's
/// TripleDES one-shot CBC methods create a native cipher context per call. IVs are DES3_K(sequence number XOR a
/// secret 64-bit per-SA value): unpredictable without the key and distinct for distinct sequence numbers.
/// </summary>
internal sealed class TripleDesCbcTransform : CipherTransform
{
    private readonly ContextPool<DesEdeEngine> _encryptors;
    private readonly ContextPool<DesEdeEngine> _decryptors;
    private ulong _ivMask;

    public TripleDesCbcTransform(ReadOnlySpan<byte> key)
    {
        KeyParameter parameter = new(key);
        _encryptors = new ContextPool<DesEdeEngine>(() => NewEngine(true, parameter));
        _decryptors = new ContextPool<DesEdeEngine>(() => NewEngine(false, parameter));
        Span<byte> mask = stackalloc byte[8];
        RandomNumberGenerator.Fill(mask);
        _ivMask = BinaryPrimitives.ReadUInt64LittleEndian(mask);
        mask.Clear();
    }

    public override int IvSize => 8;

    public override int BlockSize => 8;

    private static DesEdeEngine NewEngine(bool forEncryption, KeyParameter key)
    {
        DesEdeEngine engine = new();
        engine.Init(forEncryption, key);
        return engine;
    }

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        BinaryPrimitives.WriteUInt64BigEndian(iv, sequenceNumber ^ _ivMask);
        DesEdeEngine engine = _encryptors.Rent();
        engine.ProcessBlock(iv, iv);
        _encryptors.Return(engine);
    }

    private static void CheckCall(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        KeyMaterial.CheckInOut(source, destination, nameof(destination));
        if ((source.Length & 7) != 0)
        {
            ThrowHelper.ThrowArgument($"3DES-CBC needs a multiple of 8 bytes; got {source.Length} bytes.", nameof(source));
        }
    }

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        CheckCall(iv, source, destination);
        DesEdeEngine engine = _encryptors.Rent();
        Span<byte> block = stackalloc byte[8];
        ulong chain = BinaryPrimitives.ReadUInt64LittleEndian(iv);
        for (int offset = 0; offset < source.Length; offset += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(block, chain ^ BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(offset)));
            engine.ProcessBlock(block, destination.Slice(offset, 8));
            chain = BinaryPrimitives.ReadUInt64LittleEndian(destination.Slice(offset));
        }

        _encryptors.Return(engine);
        block.Clear();
    }

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        CheckCall(iv, source, destination);
        DesEdeEngine engine = _decryptors.Rent();
        Span<byte> block = stackalloc byte[8];
        ulong chain = BinaryPrimitives.ReadUInt64LittleEndian(iv);
        for (int offset = 0; offset < source.Length; offset += 8)
        {
            ulong cipherBlock = BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(offset));
            engine.ProcessBlock(source.Slice(offset, 8), block);
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(offset), chain ^ BinaryPrimitives.ReadUInt64LittleEndian(block));
            chain = cipherBlock;
        }

        _decryptors.Return(engine);
        block.Clear();
    }

    public override void Dispose()
    {
        _ivMask = 0;

        // BouncyCastle keeps the DES subkeys in private arrays; re-key every engine so they no longer hold the SA key.
        KeyParameter zero = new(new byte[24]);
        foreach (DesEdeEngine engine in _encryptors.All)
        {
            engine.Init(true, zero);
        }

        foreach (DesEdeEngine engine in _decryptors.All)
        {
            engine.Init(false, zero);
        }
    }

    public override string ToString() => "3DES-CBC";
}
