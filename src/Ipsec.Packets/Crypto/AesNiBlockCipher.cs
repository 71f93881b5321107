using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES with AES-NI: FIPS 197 key expansion (SubWord through AESKEYGENASSIST), the equivalent inverse cipher's
/// decryption keys through AESIMC, and CTR/CBC-decrypt pipelined eight/four blocks at a time.
/// </summary>
[SkipLocalsInit]
internal sealed class AesNiBlockCipher : AesBlockCipher
{
    private readonly Vector128<byte>[] _encryptionKeys;
    private readonly Vector128<byte>[] _decryptionKeys;
    private readonly int _rounds;

    public AesNiBlockCipher(ReadOnlySpan<byte> key)
    {
        _rounds = key.Length / 4 + 6;
        _encryptionKeys = new Vector128<byte>[_rounds + 1];
        _decryptionKeys = new Vector128<byte>[_rounds + 1];
        ExpandKey(key, _rounds, _encryptionKeys);
        _decryptionKeys[0] = _encryptionKeys[_rounds];
        for (int i = 1; i < _rounds; i++)
        {
            _decryptionKeys[i] = X86Aes.InverseMixColumns(_encryptionKeys[_rounds - i]);
        }

        _decryptionKeys[_rounds] = _encryptionKeys[0];
    }

    public override bool IsHardware => true;

    public override AesCore Core => AesCore.AesNi;

    /// <summary>The number of rounds (10, 12 or 14).</summary>
    internal int Rounds => _rounds;

    /// <summary>The encryption round keys, for the fused GCM code.</summary>
    internal Vector128<byte>[] EncryptionKeys => _encryptionKeys;

    private static void ExpandKey(ReadOnlySpan<byte> key, int rounds, Vector128<byte>[] roundKeys)
    {
        int nk = key.Length / 4;
        int total = 4 * (rounds + 1);
        Span<uint> w = stackalloc uint[60];
        for (int i = 0; i < nk; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i));
        }

        uint rcon = 1;
        for (int i = nk; i < total; i++)
        {
            uint temp = w[i - 1];
            if (i % nk == 0)
            {
                // Dword 1 of AESKEYGENASSIST is RotWord(SubWord(X1)) ^ rcon; pass rcon 0 and XOR it here.
                temp = X86Aes.KeygenAssist(Vector128.CreateScalar(0u).WithElement(1, temp).AsByte(), 0).AsUInt32().GetElement(1) ^ rcon;
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
            }
            else if (nk > 6 && i % nk == 4)
            {
                temp = X86Aes.KeygenAssist(Vector128.CreateScalar(0u).WithElement(1, temp).AsByte(), 0).AsUInt32().GetElement(0);
            }

            w[i] = w[i - nk] ^ temp;
        }

        for (int r = 0; r <= rounds; r++)
        {
            roundKeys[r] = Vector128.Create(w[4 * r], w[4 * r + 1], w[4 * r + 2], w[4 * r + 3]).AsByte();
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(w));
    }

    public override Vector128<byte> EncryptBlock(Vector128<byte> block) => Encrypt(_encryptionKeys, _rounds, block);

    public override Vector128<byte> DecryptBlock(Vector128<byte> block)
    {
        Vector128<byte>[] rk = _decryptionKeys;
        int rounds = _rounds;
        block ^= rk[0];
        for (int i = 1; i < rounds; i++)
        {
            block = X86Aes.Decrypt(block, rk[i]);
        }

        return X86Aes.DecryptLast(block, rk[rounds]);
    }

    /// <summary>Encrypts one block with the given schedule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> Encrypt(Vector128<byte>[] rk, int rounds, Vector128<byte> block) =>
        Encrypt(ref MemoryMarshal.GetArrayDataReference(rk), rounds, block);

    /// <summary>Encrypts one block with the schedule at <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> Encrypt(ref Vector128<byte> k, int rounds, Vector128<byte> block)
    {
        block ^= k;
        for (int i = 1; i < rounds; i++)
        {
            block = X86Aes.Encrypt(block, Unsafe.Add(ref k, i));
        }

        return X86Aes.EncryptLast(block, Unsafe.Add(ref k, rounds));
    }

    public override void CtrXor(Vector128<byte> counterBlock, ReadOnlySpan<byte> source, Span<byte> destination) =>
        Ctr(_encryptionKeys, _rounds, counterBlock, source, destination);

    /// <summary>
    /// XORs the 128 bytes at <paramref name="source"/> with the key stream of the eight counter blocks from
    /// <paramref name="counter"/> on (prefix: the counter block's first twelve bytes) into <paramref name="destination"/>
    /// (may be the same memory): eight blocks in flight, so the AES unit's latency is hidden.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void XorEightCounterBlocks(
        ref Vector128<byte> k, int rounds, Vector128<uint> prefix, uint counter, ref byte source, ref byte destination) =>
        XorEightBlocks(ref k, rounds, prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte(), prefix, counter + 1, ref source, ref destination);

    /// <summary>
    /// XORs the 128 bytes at <paramref name="source"/> with E(<paramref name="first"/>) and the key stream of the seven
    /// counter blocks from <paramref name="counter"/> on, into <paramref name="destination"/> (may be the same memory), in
    /// one pipelined pass: for GCM's last group, <paramref name="first"/> is J0, whose encryption masks the tag.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void XorEightBlocks(
        ref Vector128<byte> k, int rounds, Vector128<byte> first, Vector128<uint> prefix, uint counter, ref byte source, ref byte destination) =>
        EightBlocks(ref k, rounds, first, prefix, counter, ref source, ref destination, xorSource: true);

    /// <summary>
    /// E(<paramref name="first"/>) and the key stream of the seven counter blocks from <paramref name="counter"/> on,
    /// stored at <paramref name="destination"/> (128 bytes) in one pipelined pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void EncryptEightBlocks(
        ref Vector128<byte> k, int rounds, Vector128<byte> first, Vector128<uint> prefix, uint counter, ref byte destination) =>
        EightBlocks(ref k, rounds, first, prefix, counter, ref destination, ref destination, xorSource: false);

    /// <summary>The eight-lane pass; <paramref name="xorSource"/> is a constant at every call, so the branch folds away.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EightBlocks(
        ref Vector128<byte> k, int rounds, Vector128<byte> first, Vector128<uint> prefix, uint counter, ref byte source, ref byte destination, bool xorSource)
    {
        Vector128<byte> k0 = k;
        Vector128<byte> b0 = first ^ k0;
        Vector128<byte> b1 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte() ^ k0;
        Vector128<byte> b2 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 1)).AsByte() ^ k0;
        Vector128<byte> b3 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 2)).AsByte() ^ k0;
        Vector128<byte> b4 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 3)).AsByte() ^ k0;
        Vector128<byte> b5 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 4)).AsByte() ^ k0;
        Vector128<byte> b6 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 5)).AsByte() ^ k0;
        Vector128<byte> b7 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 6)).AsByte() ^ k0;
        for (int i = 1; i < rounds; i++)
        {
            Vector128<byte> ki = Unsafe.Add(ref k, i);
            b0 = X86Aes.Encrypt(b0, ki);
            b1 = X86Aes.Encrypt(b1, ki);
            b2 = X86Aes.Encrypt(b2, ki);
            b3 = X86Aes.Encrypt(b3, ki);
            b4 = X86Aes.Encrypt(b4, ki);
            b5 = X86Aes.Encrypt(b5, ki);
            b6 = X86Aes.Encrypt(b6, ki);
            b7 = X86Aes.Encrypt(b7, ki);
        }

        Vector128<byte> kl = Unsafe.Add(ref k, rounds);
        Vector128<byte> x0 = X86Aes.EncryptLast(b0, kl);
        Vector128<byte> x1 = X86Aes.EncryptLast(b1, kl);
        Vector128<byte> x2 = X86Aes.EncryptLast(b2, kl);
        Vector128<byte> x3 = X86Aes.EncryptLast(b3, kl);
        Vector128<byte> x4 = X86Aes.EncryptLast(b4, kl);
        Vector128<byte> x5 = X86Aes.EncryptLast(b5, kl);
        Vector128<byte> x6 = X86Aes.EncryptLast(b6, kl);
        Vector128<byte> x7 = X86Aes.EncryptLast(b7, kl);
        if (xorSource)
        {
            x0 ^= Vector128.LoadUnsafe(ref source);
            x1 ^= Vector128.LoadUnsafe(ref source, 16);
            x2 ^= Vector128.LoadUnsafe(ref source, 32);
            x3 ^= Vector128.LoadUnsafe(ref source, 48);
            x4 ^= Vector128.LoadUnsafe(ref source, 64);
            x5 ^= Vector128.LoadUnsafe(ref source, 80);
            x6 ^= Vector128.LoadUnsafe(ref source, 96);
            x7 ^= Vector128.LoadUnsafe(ref source, 112);
        }

        x0.StoreUnsafe(ref destination);
        x1.StoreUnsafe(ref destination, 16);
        x2.StoreUnsafe(ref destination, 32);
        x3.StoreUnsafe(ref destination, 48);
        x4.StoreUnsafe(ref destination, 64);
        x5.StoreUnsafe(ref destination, 80);
        x6.StoreUnsafe(ref destination, 96);
        x7.StoreUnsafe(ref destination, 112);
    }

    /// <summary>CTR with a 32-bit big-endian counter in the last four bytes, eight blocks per iteration.</summary>
    internal static void Ctr(Vector128<byte>[] rk, int rounds, Vector128<byte> counterBlock, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(rk);
        Vector128<uint> prefix = counterBlock.AsUInt32();
        uint counter = BinaryPrimitives.ReverseEndianness(prefix.GetElement(3));
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;
        int offset = 0;

        while (length - offset >= 128)
        {
            XorEightCounterBlocks(ref k, rounds, prefix, counter, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset));
            counter += 8;
            offset += 128;
        }

        while (length - offset >= 64)
        {
            Vector128<byte> k0 = k;
            Vector128<byte> b0 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte() ^ k0;
            Vector128<byte> b1 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 1)).AsByte() ^ k0;
            Vector128<byte> b2 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 2)).AsByte() ^ k0;
            Vector128<byte> b3 = prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 3)).AsByte() ^ k0;
            counter += 4;
            for (int i = 1; i < rounds; i++)
            {
                Vector128<byte> ki = Unsafe.Add(ref k, i);
                b0 = X86Aes.Encrypt(b0, ki);
                b1 = X86Aes.Encrypt(b1, ki);
                b2 = X86Aes.Encrypt(b2, ki);
                b3 = X86Aes.Encrypt(b3, ki);
            }

            Vector128<byte> kl = Unsafe.Add(ref k, rounds);
            ref byte s = ref Unsafe.Add(ref src, offset);
            ref byte d = ref Unsafe.Add(ref dst, offset);
            Vector128<byte> x0 = X86Aes.EncryptLast(b0, kl) ^ Vector128.LoadUnsafe(ref s);
            Vector128<byte> x1 = X86Aes.EncryptLast(b1, kl) ^ Vector128.LoadUnsafe(ref s, 16);
            Vector128<byte> x2 = X86Aes.EncryptLast(b2, kl) ^ Vector128.LoadUnsafe(ref s, 32);
            Vector128<byte> x3 = X86Aes.EncryptLast(b3, kl) ^ Vector128.LoadUnsafe(ref s, 48);
            x0.StoreUnsafe(ref d);
            x1.StoreUnsafe(ref d, 16);
            x2.StoreUnsafe(ref d, 32);
            x3.StoreUnsafe(ref d, 48);
            offset += 64;
        }

        while (length - offset >= 16)
        {
            Vector128<byte> ks = Encrypt(rk, rounds, prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte());
            counter++;
            (ks ^ Vector128.LoadUnsafe(ref src, (nuint)offset)).StoreUnsafe(ref dst, (nuint)offset);
            offset += 16;
        }

        if (offset < length)
        {
            Vector128<byte> ks = Encrypt(rk, rounds, prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte());
            StackBlock16 blockBytes = default;
            Span<byte> block = blockBytes;
            source.Slice(offset).CopyTo(block);
            (ks ^ Vector128.Create((ReadOnlySpan<byte>)block)).CopyTo(block);
            block.Slice(0, length - offset).CopyTo(destination.Slice(offset));
            block.Clear();
        }
    }

    /// <summary>
    /// The key stream of eight consecutive counter blocks from <paramref name="counterBlock"/> (32-bit big-endian counter in
    /// its last four bytes), computed in one pipelined pass: for a short GCM packet, E(J0) and the first seven data blocks.
    /// </summary>
    internal void KeyStream8(Vector128<byte> counterBlock, Span<byte> keyStream)
    {
        Span<byte> blocks = keyStream.Slice(0, 128);
        Vector128<uint> prefix = counterBlock.AsUInt32();
        EncryptEightBlocks(
            ref MemoryMarshal.GetArrayDataReference(_encryptionKeys), _rounds, counterBlock, prefix,
            BinaryPrimitives.ReverseEndianness(prefix.GetElement(3)) + 1, ref MemoryMarshal.GetReference(blocks));
    }

    public override void CbcEncrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Vector128<byte>[] rk = _encryptionKeys;
        int rounds = _rounds;
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        Vector128<byte> chain = iv;
        for (nuint offset = 0; offset < (nuint)source.Length; offset += 16)
        {
            chain = Encrypt(rk, rounds, chain ^ Vector128.LoadUnsafe(ref src, offset));
            chain.StoreUnsafe(ref dst, offset);
        }
    }

    public override void CbcDecrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(_decryptionKeys);
        int rounds = _rounds;
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;
        int offset = 0;
        Vector128<byte> chain = iv;
        while (length - offset >= 64)
        {
            ref byte s = ref Unsafe.Add(ref src, offset);
            Vector128<byte> c0 = Vector128.LoadUnsafe(ref s);
            Vector128<byte> c1 = Vector128.LoadUnsafe(ref s, 16);
            Vector128<byte> c2 = Vector128.LoadUnsafe(ref s, 32);
            Vector128<byte> c3 = Vector128.LoadUnsafe(ref s, 48);
            Vector128<byte> k0 = k;
            Vector128<byte> b0 = c0 ^ k0, b1 = c1 ^ k0, b2 = c2 ^ k0, b3 = c3 ^ k0;
            for (int i = 1; i < rounds; i++)
            {
                Vector128<byte> ki = Unsafe.Add(ref k, i);
                b0 = X86Aes.Decrypt(b0, ki);
                b1 = X86Aes.Decrypt(b1, ki);
                b2 = X86Aes.Decrypt(b2, ki);
                b3 = X86Aes.Decrypt(b3, ki);
            }

            Vector128<byte> kl = Unsafe.Add(ref k, rounds);
            ref byte d = ref Unsafe.Add(ref dst, offset);
            (X86Aes.DecryptLast(b0, kl) ^ chain).StoreUnsafe(ref d);
            (X86Aes.DecryptLast(b1, kl) ^ c0).StoreUnsafe(ref d, 16);
            (X86Aes.DecryptLast(b2, kl) ^ c1).StoreUnsafe(ref d, 32);
            (X86Aes.DecryptLast(b3, kl) ^ c2).StoreUnsafe(ref d, 48);
            chain = c3;
            offset += 64;
        }

        while (offset < length)
        {
            Vector128<byte> c = Vector128.LoadUnsafe(ref src, (nuint)offset);
            (DecryptBlock(c) ^ chain).StoreUnsafe(ref dst, (nuint)offset);
            chain = c;
            offset += 16;
        }
    }

    public override Vector128<byte> CbcMac(Vector128<byte> state, ReadOnlySpan<byte> blocks)
    {
        Vector128<byte>[] rk = _encryptionKeys;
        int rounds = _rounds;
        ref byte src = ref MemoryMarshal.GetReference(blocks);
        for (nuint offset = 0; offset < (nuint)blocks.Length; offset += 16)
        {
            state = Encrypt(rk, rounds, state ^ Vector128.LoadUnsafe(ref src, offset));
        }

        return state;
    }

    public override void AppendKeyArrays(List<Array> arrays)
    {
        arrays.Add(_encryptionKeys);
        arrays.Add(_decryptionKeys);
    }

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_encryptionKeys.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_decryptionKeys.AsSpan()));
    }
}
