using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Internal;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// The portable AES path: BouncyCastle's table-based <see cref="AesEngine"/> (not constant-time against cache-timing
/// observers, like every table AES), one engine per concurrent caller rented from a <see cref="ContextPool{T}"/>.
/// </summary>
internal sealed class AesSoftwareBlockCipher : AesBlockCipher
{
    private readonly ContextPool<AesEngine> _encryptors;
    private readonly ContextPool<AesEngine> _decryptors;

    public AesSoftwareBlockCipher(ReadOnlySpan<byte> key)
    {
        KeyParameter parameter = new(key);
        _encryptors = new ContextPool<AesEngine>(() => NewEngine(true, parameter));
        _decryptors = new ContextPool<AesEngine>(() => NewEngine(false, parameter));
    }

    public override bool IsHardware => false;

    private static AesEngine NewEngine(bool forEncryption, KeyParameter key)
    {
        AesEngine engine = new();
        engine.Init(forEncryption, key);
        return engine;
    }

    public override Vector128<byte> EncryptBlock(Vector128<byte> block)
    {
        AesEngine engine = _encryptors.Rent();
        Span<byte> buffer = stackalloc byte[16];
        block.CopyTo(buffer);
        engine.ProcessBlock(buffer, buffer);
        _encryptors.Return(engine);
        Vector128<byte> result = Vector128.Create((ReadOnlySpan<byte>)buffer);
        buffer.Clear();
        return result;
    }

    public override Vector128<byte> DecryptBlock(Vector128<byte> block)
    {
        AesEngine engine = _decryptors.Rent();
        Span<byte> buffer = stackalloc byte[16];
        block.CopyTo(buffer);
        engine.ProcessBlock(buffer, buffer);
        _decryptors.Return(engine);
        Vector128<byte> result = Vector128.Create((ReadOnlySpan<byte>)buffer);
        buffer.Clear();
        return result;
    }

    public override void CtrXor(Vector128<byte> counterBlock, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        AesEngine engine = _encryptors.Rent();
        Span<byte> counter = stackalloc byte[16];
        Span<byte> stream = stackalloc byte[16];
        counterBlock.CopyTo(counter);
        uint value = BinaryPrimitives.ReadUInt32BigEndian(counter.Slice(12));
        for (int offset = 0; offset < source.Length; offset += 16)
        {
            BinaryPrimitives.WriteUInt32BigEndian(counter.Slice(12), value++);
            engine.ProcessBlock(counter, stream);
            int n = Math.Min(16, source.Length - offset);
            for (int i = 0; i < n; i++)
            {
                destination[offset + i] = (byte)(source[offset + i] ^ stream[i]);
            }
        }

        _encryptors.Return(engine);
        stream.Clear();
    }

    public override void CbcEncrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        AesEngine engine = _encryptors.Rent();
        Span<byte> chain = stackalloc byte[16];
        iv.CopyTo(chain);
        for (int offset = 0; offset < source.Length; offset += 16)
        {
            (Vector128.Create(source.Slice(offset, 16)) ^ Vector128.Create((ReadOnlySpan<byte>)chain)).CopyTo(chain);
            engine.ProcessBlock(chain, chain);
            chain.CopyTo(destination.Slice(offset, 16));
        }

        _encryptors.Return(engine);
    }

    public override void CbcDecrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        AesEngine engine = _decryptors.Rent();
        Span<byte> block = stackalloc byte[16];
        Vector128<byte> chain = iv;
        for (int offset = 0; offset < source.Length; offset += 16)
        {
            Vector128<byte> c = Vector128.Create(source.Slice(offset, 16));
            engine.ProcessBlock(source.Slice(offset, 16), block);
            (Vector128.Create((ReadOnlySpan<byte>)block) ^ chain).CopyTo(destination.Slice(offset, 16));
            chain = c;
        }

        _decryptors.Return(engine);
        block.Clear();
    }

    public override Vector128<byte> CbcMac(Vector128<byte> state, ReadOnlySpan<byte> blocks)
    {
        AesEngine engine = _encryptors.Rent();
        Span<byte> buffer = stackalloc byte[16];
        for (int offset = 0; offset < blocks.Length; offset += 16)
        {
            (state ^ Vector128.Create(blocks.Slice(offset, 16))).CopyTo(buffer);
            engine.ProcessBlock(buffer, buffer);
            state = Vector128.Create((ReadOnlySpan<byte>)buffer);
        }

        _encryptors.Return(engine);
        buffer.Clear();
        return state;
    }

    public override void AppendKeyArrays(List<Array> arrays)
    {
        // BouncyCastle keeps its round keys in private arrays; Dispose re-keys every engine with zeros instead.
    }

    public override void Dispose()
    {
        KeyParameter zero = new(new byte[16]);
        foreach (AesEngine engine in _encryptors.All)
        {
            engine.Init(true, zero);
        }

        foreach (AesEngine engine in _decryptors.All)
        {
            engine.Init(false, zero);
        }
    }
}
