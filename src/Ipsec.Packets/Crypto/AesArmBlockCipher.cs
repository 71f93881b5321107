using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;
using ArmAes = System.Runtime.Intrinsics.Arm.Aes;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES with the ARMv8 Cryptography Extension: FIPS 197 key expansion (SubWord through AESE), the equivalent inverse
/// cipher's decryption keys through AESIMC, and CTR/CBC-decrypt pipelined eight/four blocks at a time. The same
/// shape as <see cref="AesNiBlockCipher"/>; no table lookups, so no secret-dependent memory access.
/// </summary>
/// <remarks>
/// AESE computes ShiftRows(SubBytes(state XOR key)) and AESMC MixColumns, so round i of FIPS 197 is AESMC(AESE(s, k[i - 1]))
/// and the last round AESE(s, k[Nr - 1]) XOR k[Nr]: the round keys are the standard schedule, one round later than
/// AES-NI's use of them. AESD/AESIMC mirror that with the equivalent inverse cipher's schedule.
/// </remarks>
[SkipLocalsInit]
internal sealed class AesArmBlockCipher : AesBlockCipher
{
    private readonly Vector128<byte>[] _encryptionKeys;
    private readonly Vector128<byte>[] _decryptionKeys;
    private readonly int _rounds;

    public AesArmBlockCipher(ReadOnlySpan<byte> key)
    {
        _rounds = key.Length / 4 + 6;
        _encryptionKeys = new Vector128<byte>[_rounds + 1];
        _decryptionKeys = new Vector128<byte>[_rounds + 1];
        ExpandKey(key, _rounds, _encryptionKeys);
        _decryptionKeys[0] = _encryptionKeys[_rounds];
        for (int i = 1; i < _rounds; i++)
        {
            _decryptionKeys[i] = ArmAes.InverseMixColumns(_encryptionKeys[_rounds - i]);
        }

        _decryptionKeys[_rounds] = _encryptionKeys[0];
    }

    public override bool IsHardware => true;

    public override AesCore Core => AesCore.ArmAes;

    /// <summary>SubWord (FIPS 197 §5.2): AESE with a zero key on the word repeated in every column, where ShiftRows moves nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SubWord(uint word) =>
        ArmAes.Encrypt(Vector128.Create(word).AsByte(), Vector128<byte>.Zero).AsUInt32().ToScalar();

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
                // RotWord on a little-endian word is a right rotation by one byte.
                temp = SubWord(BitOperations.RotateRight(temp, 8)) ^ rcon;
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
            }
            else if (nk > 6 && i % nk == 4)
            {
                temp = SubWord(temp);
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

    public override Vector128<byte> DecryptBlock(Vector128<byte> block) => Decrypt(_decryptionKeys, _rounds, block);

    /// <summary>Encrypts one block with the given schedule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Encrypt(Vector128<byte>[] rk, int rounds, Vector128<byte> block)
    {
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(rk);
        for (int i = 0; i < rounds - 1; i++)
        {
            block = ArmAes.MixColumns(ArmAes.Encrypt(block, Unsafe.Add(ref k, i)));
        }

        return ArmAes.Encrypt(block, Unsafe.Add(ref k, rounds - 1)) ^ Unsafe.Add(ref k, rounds);
    }

    /// <summary>Decrypts one block with the equivalent inverse cipher's schedule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Decrypt(Vector128<byte>[] rk, int rounds, Vector128<byte> block)
    {
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(rk);
        for (int i = 0; i < rounds - 1; i++)
        {
            block = ArmAes.InverseMixColumns(ArmAes.Decrypt(block, Unsafe.Add(ref k, i)));
        }

        return ArmAes.Decrypt(block, Unsafe.Add(ref k, rounds - 1)) ^ Unsafe.Add(ref k, rounds);
    }

    /// <summary>The counter block with <paramref name="counter"/> as its big-endian last word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Counter(Vector128<uint> prefix, uint counter) =>
        prefix.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte();

    /// <summary>CTR with a 32-bit big-endian counter in the last four bytes, eight blocks per iteration.</summary>
    public override void CtrXor(Vector128<byte> counterBlock, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Vector128<byte>[] rk = _encryptionKeys;
        int rounds = _rounds;
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(rk);
        Vector128<uint> prefix = counterBlock.AsUInt32();
        uint counter = BinaryPrimitives.ReverseEndianness(prefix.GetElement(3));
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;
        int offset = 0;

        while (length - offset >= 128)
        {
            Vector128<byte> b0 = Counter(prefix, counter);
            Vector128<byte> b1 = Counter(prefix, counter + 1);
            Vector128<byte> b2 = Counter(prefix, counter + 2);
            Vector128<byte> b3 = Counter(prefix, counter + 3);
            Vector128<byte> b4 = Counter(prefix, counter + 4);
            Vector128<byte> b5 = Counter(prefix, counter + 5);
            Vector128<byte> b6 = Counter(prefix, counter + 6);
            Vector128<byte> b7 = Counter(prefix, counter + 7);
            counter += 8;
            for (int i = 0; i < rounds - 1; i++)
            {
                Vector128<byte> ki = Unsafe.Add(ref k, i);
                b0 = ArmAes.MixColumns(ArmAes.Encrypt(b0, ki));
                b1 = ArmAes.MixColumns(ArmAes.Encrypt(b1, ki));
                b2 = ArmAes.MixColumns(ArmAes.Encrypt(b2, ki));
                b3 = ArmAes.MixColumns(ArmAes.Encrypt(b3, ki));
                b4 = ArmAes.MixColumns(ArmAes.Encrypt(b4, ki));
                b5 = ArmAes.MixColumns(ArmAes.Encrypt(b5, ki));
                b6 = ArmAes.MixColumns(ArmAes.Encrypt(b6, ki));
                b7 = ArmAes.MixColumns(ArmAes.Encrypt(b7, ki));
            }

            Vector128<byte> kp = Unsafe.Add(ref k, rounds - 1);
            Vector128<byte> kl = Unsafe.Add(ref k, rounds);
            ref byte s = ref Unsafe.Add(ref src, offset);
            ref byte d = ref Unsafe.Add(ref dst, offset);
            Vector128<byte> x0 = ArmAes.Encrypt(b0, kp) ^ kl ^ Vector128.LoadUnsafe(ref s);
            Vector128<byte> x1 = ArmAes.Encrypt(b1, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 16);
            Vector128<byte> x2 = ArmAes.Encrypt(b2, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 32);
            Vector128<byte> x3 = ArmAes.Encrypt(b3, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 48);
            Vector128<byte> x4 = ArmAes.Encrypt(b4, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 64);
            Vector128<byte> x5 = ArmAes.Encrypt(b5, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 80);
            Vector128<byte> x6 = ArmAes.Encrypt(b6, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 96);
            Vector128<byte> x7 = ArmAes.Encrypt(b7, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 112);
            x0.StoreUnsafe(ref d);
            x1.StoreUnsafe(ref d, 16);
            x2.StoreUnsafe(ref d, 32);
            x3.StoreUnsafe(ref d, 48);
            x4.StoreUnsafe(ref d, 64);
            x5.StoreUnsafe(ref d, 80);
            x6.StoreUnsafe(ref d, 96);
            x7.StoreUnsafe(ref d, 112);
            offset += 128;
        }

        while (length - offset >= 64)
        {
            Vector128<byte> b0 = Counter(prefix, counter);
            Vector128<byte> b1 = Counter(prefix, counter + 1);
            Vector128<byte> b2 = Counter(prefix, counter + 2);
            Vector128<byte> b3 = Counter(prefix, counter + 3);
            counter += 4;
            for (int i = 0; i < rounds - 1; i++)
            {
                Vector128<byte> ki = Unsafe.Add(ref k, i);
                b0 = ArmAes.MixColumns(ArmAes.Encrypt(b0, ki));
                b1 = ArmAes.MixColumns(ArmAes.Encrypt(b1, ki));
                b2 = ArmAes.MixColumns(ArmAes.Encrypt(b2, ki));
                b3 = ArmAes.MixColumns(ArmAes.Encrypt(b3, ki));
            }

            Vector128<byte> kp = Unsafe.Add(ref k, rounds - 1);
            Vector128<byte> kl = Unsafe.Add(ref k, rounds);
            ref byte s = ref Unsafe.Add(ref src, offset);
            ref byte d = ref Unsafe.Add(ref dst, offset);
            Vector128<byte> x0 = ArmAes.Encrypt(b0, kp) ^ kl ^ Vector128.LoadUnsafe(ref s);
            Vector128<byte> x1 = ArmAes.Encrypt(b1, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 16);
            Vector128<byte> x2 = ArmAes.Encrypt(b2, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 32);
            Vector128<byte> x3 = ArmAes.Encrypt(b3, kp) ^ kl ^ Vector128.LoadUnsafe(ref s, 48);
            x0.StoreUnsafe(ref d);
            x1.StoreUnsafe(ref d, 16);
            x2.StoreUnsafe(ref d, 32);
            x3.StoreUnsafe(ref d, 48);
            offset += 64;
        }

        while (length - offset >= 16)
        {
            Vector128<byte> ks = Encrypt(rk, rounds, Counter(prefix, counter));
            counter++;
            (ks ^ Vector128.LoadUnsafe(ref src, (nuint)offset)).StoreUnsafe(ref dst, (nuint)offset);
            offset += 16;
        }

        if (offset < length)
        {
            Vector128<byte> ks = Encrypt(rk, rounds, Counter(prefix, counter));
            Unsafe.SkipInit(out StackBlock16 blockStorage);
            Span<byte> block = blockStorage;
            source.Slice(offset).CopyTo(block);
            (ks ^ Vector128.Create((ReadOnlySpan<byte>)block)).CopyTo(block);
            block.Slice(0, length - offset).CopyTo(destination.Slice(offset));
            block.Clear();
        }
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
        Vector128<byte>[] rk = _decryptionKeys;
        ref Vector128<byte> k = ref MemoryMarshal.GetArrayDataReference(rk);
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
            Vector128<byte> b0 = c0, b1 = c1, b2 = c2, b3 = c3;
            for (int i = 0; i < rounds - 1; i++)
            {
                Vector128<byte> ki = Unsafe.Add(ref k, i);
                b0 = ArmAes.InverseMixColumns(ArmAes.Decrypt(b0, ki));
                b1 = ArmAes.InverseMixColumns(ArmAes.Decrypt(b1, ki));
                b2 = ArmAes.InverseMixColumns(ArmAes.Decrypt(b2, ki));
                b3 = ArmAes.InverseMixColumns(ArmAes.Decrypt(b3, ki));
            }

            Vector128<byte> kp = Unsafe.Add(ref k, rounds - 1);
            Vector128<byte> kl = Unsafe.Add(ref k, rounds);
            ref byte d = ref Unsafe.Add(ref dst, offset);
            (ArmAes.Decrypt(b0, kp) ^ kl ^ chain).StoreUnsafe(ref d);
            (ArmAes.Decrypt(b1, kp) ^ kl ^ c0).StoreUnsafe(ref d, 16);
            (ArmAes.Decrypt(b2, kp) ^ kl ^ c1).StoreUnsafe(ref d, 32);
            (ArmAes.Decrypt(b3, kp) ^ kl ^ c2).StoreUnsafe(ref d, 48);
            chain = c3;
            offset += 64;
        }

        while (offset < length)
        {
            Vector128<byte> c = Vector128.LoadUnsafe(ref src, (nuint)offset);
            (Decrypt(rk, rounds, c) ^ chain).StoreUnsafe(ref dst, (nuint)offset);
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
