using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// The portable AES path: the constant-time bitsliced core of <see cref="AesBitsliced"/>, four blocks per pass. CTR and
/// CBC decryption fill all four slots; CBC encryption and CBC-MAC are serial and use one. Thread-safe (the schedule is
/// read-only, all state is on the caller's stack and cleared before returning); nothing is allocated per call.
/// </summary>
[SkipLocalsInit]
internal sealed class AesBitslicedBlockCipher : AesBlockCipher
{
    private const int Batch = AesBitsliced.BatchSize;
    private readonly ulong[] _roundKeys;
    private readonly int _rounds;

    public AesBitslicedBlockCipher(ReadOnlySpan<byte> key)
    {
        _rounds = key.Length / 4 + 6;
        _roundKeys = new ulong[AesBitsliced.WordsPerRoundKey * (_rounds + 1)];
        AesBitsliced.ExpandKey(key, _rounds, _roundKeys);
    }

    public override bool IsHardware => false;

    public override Vector128<byte> EncryptBlock(Vector128<byte> block) => OneBlock(block, decrypt: false);

    public override Vector128<byte> DecryptBlock(Vector128<byte> block) => OneBlock(block, decrypt: true);

    private Vector128<byte> OneBlock(Vector128<byte> block, bool decrypt)
    {
        Unsafe.SkipInit(out StackBlock64 bufferStorage);
        Span<byte> buffer = bufferStorage;
        buffer.Clear();
        block.CopyTo(buffer);
        Process(buffer, decrypt);
        Vector128<byte> result = Vector128.Create((ReadOnlySpan<byte>)buffer);
        CryptographicOperations.ZeroMemory(buffer);
        return result;
    }

    /// <summary>Encrypts or decrypts the four blocks of <paramref name="blocks"/> in place.</summary>
    private void Process(Span<byte> blocks, bool decrypt)
    {
        AesBitsliced.Load(blocks, out AesBitsliced.Planes q);
        if (decrypt)
        {
            AesBitsliced.Decrypt(_roundKeys, _rounds, ref q);
        }
        else
        {
            AesBitsliced.Encrypt(_roundKeys, _rounds, ref q);
        }

        AesBitsliced.Store(q, blocks);
        q = default;
    }

    public override void CtrXor(Vector128<byte> counterBlock, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Unsafe.SkipInit(out StackBlock64 streamStorage);
        Span<byte> stream = streamStorage;
        Vector128<uint> prefix = counterBlock.AsUInt32();
        uint counter = BinaryPrimitives.ReverseEndianness(prefix.GetElement(3));
        for (int offset = 0; offset < source.Length; offset += Batch)
        {
            for (int b = 0; b < 4; b++)
            {
                prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter++)).AsByte().CopyTo(stream.Slice(16 * b));
            }

            Process(stream, decrypt: false);
            int n = Math.Min(Batch, source.Length - offset);
            Xor(source.Slice(offset, n), stream.Slice(0, n), destination.Slice(offset, n));
        }

        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>destination = a ^ b (same lengths; destination may be a).</summary>
    private static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        int i = 0;
        for (; i + 16 <= a.Length; i += 16)
        {
            (Vector128.Create(a.Slice(i, 16)) ^ Vector128.Create(b.Slice(i, 16))).CopyTo(destination.Slice(i));
        }

        for (; i < a.Length; i++)
        {
            destination[i] = (byte)(a[i] ^ b[i]);
        }
    }

    public override void CbcEncrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Unsafe.SkipInit(out StackBlock64 bufferStorage);
        Span<byte> buffer = bufferStorage;
        buffer.Clear();
        Vector128<byte> chain = iv;
        for (int offset = 0; offset < source.Length; offset += 16)
        {
            (chain ^ Vector128.Create(source.Slice(offset, 16))).CopyTo(buffer);
            Process(buffer, decrypt: false);
            chain = Vector128.Create((ReadOnlySpan<byte>)buffer.Slice(0, 16));
            chain.CopyTo(destination.Slice(offset, 16));
        }

        CryptographicOperations.ZeroMemory(buffer);
    }

    public override void CbcDecrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Unsafe.SkipInit(out StackBlock64 bufferStorage);
        Span<byte> buffer = bufferStorage;
        Vector128<byte> chain = iv;
        for (int offset = 0; offset < source.Length; offset += Batch)
        {
            int n = Math.Min(Batch, source.Length - offset);
            source.Slice(offset, n).CopyTo(buffer);
            Process(buffer, decrypt: true);

            // The ciphertext may be overwritten (in place): read each block before writing its plaintext.
            for (int i = 0; i < n; i += 16)
            {
                Vector128<byte> c = Vector128.Create(source.Slice(offset + i, 16));
                (Vector128.Create((ReadOnlySpan<byte>)buffer.Slice(i, 16)) ^ chain).CopyTo(destination.Slice(offset + i, 16));
                chain = c;
            }
        }

        CryptographicOperations.ZeroMemory(buffer);
    }

    public override Vector128<byte> CbcMac(Vector128<byte> state, ReadOnlySpan<byte> blocks)
    {
        Unsafe.SkipInit(out StackBlock64 bufferStorage);
        Span<byte> buffer = bufferStorage;
        buffer.Clear();
        for (int offset = 0; offset < blocks.Length; offset += 16)
        {
            (state ^ Vector128.Create(blocks.Slice(offset, 16))).CopyTo(buffer);
            Process(buffer, decrypt: false);
            state = Vector128.Create((ReadOnlySpan<byte>)buffer.Slice(0, 16));
        }

        CryptographicOperations.ZeroMemory(buffer);
        return state;
    }

    public override void AppendKeyArrays(List<Array> arrays) => arrays.Add(_roundKeys);

    public override void Dispose() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_roundKeys.AsSpan()));
}
