using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;
using X86Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace Ipsec.Packets.Crypto.Primitives;

/// <summary>
/// AES (FIPS 197) with one key schedule built at construction: single blocks, CTR and CBC. Used with <see cref="GHash"/> by
/// AH-GMAC, which feeds GHASH incrementally over many pieces of a packet (the ESP transforms use the one-shot engines
/// <see cref="Crypto.AesBlockCipher"/> and <see cref="GhashKey"/>). Uses AES-NI through System.Runtime.Intrinsics when the processor has it, and BouncyCastle's portable <see cref="AesEngine"/> otherwise
/// (engines rented from a pool, so neither path allocates per call). Thread-safe.
/// </summary>
internal sealed class AesBlockCipher : IDisposable
{
    /// <summary>The block size in bytes.</summary>
    public const int BlockSize = 16;

    private static readonly byte[] s_sbox = BuildSbox();

    private readonly Vector128<byte>[] _encryptKeys;
    private readonly Vector128<byte>[] _decryptKeys;
    private readonly int _rounds;
    private readonly byte[] _key;
    private readonly ContextPool<AesEngine>? _encryptEngines;
    private readonly ContextPool<AesEngine>? _decryptEngines;

    /// <summary>Builds the key schedule.</summary>
    /// <param name="key">A 16, 24 or 32-byte key.</param>
    /// <param name="forceSoftware">Use the portable engine even where AES-NI exists (tests run both paths).</param>
    public AesBlockCipher(ReadOnlySpan<byte> key, bool forceSoftware = false)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            ThrowHelper.ThrowArgument($"An AES key has 16, 24 or 32 bytes; got {key.Length}.", nameof(key));
        }

        _key = key.ToArray();
        _rounds = key.Length / 4 + 6;
        IsHardwareAccelerated = X86Aes.IsSupported && X86Sse2.IsSupported && !forceSoftware;
        if (IsHardwareAccelerated)
        {
            byte[] schedule = ExpandKey(key, _rounds);
            _encryptKeys = new Vector128<byte>[_rounds + 1];
            _decryptKeys = new Vector128<byte>[_rounds + 1];
            for (int i = 0; i <= _rounds; i++)
            {
                _encryptKeys[i] = Vector128.Create(schedule, i * BlockSize);
            }

            _decryptKeys[0] = _encryptKeys[_rounds];
            for (int i = 1; i < _rounds; i++)
            {
                _decryptKeys[i] = X86Aes.InverseMixColumns(_encryptKeys[_rounds - i]);
            }

            _decryptKeys[_rounds] = _encryptKeys[0];
            CryptographicOperations.ZeroMemory(schedule);
        }
        else
        {
            _encryptKeys = [];
            _decryptKeys = [];
            byte[] keyCopy = _key;
            _encryptEngines = new ContextPool<AesEngine>(() => NewEngine(true, keyCopy));
            _decryptEngines = new ContextPool<AesEngine>(() => NewEngine(false, keyCopy));
        }
    }

    /// <summary>True when the AES-NI path is in use.</summary>
    public bool IsHardwareAccelerated { get; }

    /// <summary>The key length in bytes.</summary>
    public int KeySize => _key.Length;

    /// <summary>The raw key (internal: for transforms that derive subkeys, and for the zeroing tests).</summary>
    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>Encrypts one 16-byte block (input and output may be the same memory).</summary>
    public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (IsHardwareAccelerated)
        {
            Encrypt(Vector128.Create(input)).CopyTo(output);
        }
        else
        {
            AesEngine engine = _encryptEngines!.Rent();
            Span<byte> block = stackalloc byte[BlockSize];
            input[..BlockSize].CopyTo(block);
            engine.ProcessBlock(block, output);
            _encryptEngines.Return(engine);
        }
    }

    /// <summary>Decrypts one 16-byte block (input and output may be the same memory).</summary>
    public void DecryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (IsHardwareAccelerated)
        {
            Decrypt(Vector128.Create(input)).CopyTo(output);
        }
        else
        {
            AesEngine engine = _decryptEngines!.Rent();
            Span<byte> block = stackalloc byte[BlockSize];
            input[..BlockSize].CopyTo(block);
            engine.ProcessBlock(block, output);
            _decryptEngines.Return(engine);
        }
    }

    /// <summary>
    /// CTR mode with a 32-bit big-endian block counter (NIST SP 800-38A, as GCM, CCM and RFC 3686 use it): XORs the
    /// key stream for blocks <c>prefix || counter</c>, <c>prefix || counter+1</c>, ... into <paramref name="source"/>.
    /// </summary>
    /// <param name="prefix">The first 12 bytes of every counter block.</param>
    /// <param name="counter">The counter of the first block.</param>
    /// <param name="source">The input (any length).</param>
    /// <param name="destination">The output, as long as the input; may be the same memory.</param>
    public void Ctr32(ReadOnlySpan<byte> prefix, uint counter, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (IsHardwareAccelerated)
        {
            Ctr32Hardware(prefix, counter, source, destination);
            return;
        }

        AesEngine engine = _encryptEngines!.Rent();
        Span<byte> block = stackalloc byte[BlockSize];
        Span<byte> stream = stackalloc byte[BlockSize];
        prefix[..12].CopyTo(block);
        int offset = 0;
        while (offset < source.Length)
        {
            BinaryPrimitives.WriteUInt32BigEndian(block[12..], counter++);
            engine.ProcessBlock(block, stream);
            int n = Math.Min(BlockSize, source.Length - offset);
            for (int i = 0; i < n; i++)
            {
                destination[offset + i] = (byte)(source[offset + i] ^ stream[i]);
            }

            offset += n;
        }

        _encryptEngines.Return(engine);
        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>CBC encryption of whole blocks (no padding); source and destination may be the same memory.</summary>
    public void EncryptCbc(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (IsHardwareAccelerated)
        {
            Vector128<byte> chain = Vector128.Create(iv);
            for (int offset = 0; offset < source.Length; offset += BlockSize)
            {
                chain = Encrypt(chain ^ Vector128.Create(source.Slice(offset, BlockSize)));
                chain.CopyTo(destination[offset..]);
            }

            return;
        }

        Span<byte> block = stackalloc byte[BlockSize];
        iv[..BlockSize].CopyTo(block);
        for (int offset = 0; offset < source.Length; offset += BlockSize)
        {
            for (int i = 0; i < BlockSize; i++)
            {
                block[i] ^= source[offset + i];
            }

            EncryptBlock(block, block);
            block.CopyTo(destination[offset..]);
        }
    }

    /// <summary>CBC decryption of whole blocks (no padding); source and destination may be the same memory.</summary>
    public void DecryptCbc(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (IsHardwareAccelerated)
        {
            Vector128<byte> chain = Vector128.Create(iv);
            int offset = 0;
            for (; offset + 4 * BlockSize <= source.Length; offset += 4 * BlockSize)
            {
                Vector128<byte> c0 = Vector128.Create(source.Slice(offset, BlockSize));
                Vector128<byte> c1 = Vector128.Create(source.Slice(offset + 16, BlockSize));
                Vector128<byte> c2 = Vector128.Create(source.Slice(offset + 32, BlockSize));
                Vector128<byte> c3 = Vector128.Create(source.Slice(offset + 48, BlockSize));
                Decrypt4(c0, c1, c2, c3, out Vector128<byte> p0, out Vector128<byte> p1, out Vector128<byte> p2, out Vector128<byte> p3);
                (p0 ^ chain).CopyTo(destination[offset..]);
                (p1 ^ c0).CopyTo(destination[(offset + 16)..]);
                (p2 ^ c1).CopyTo(destination[(offset + 32)..]);
                (p3 ^ c2).CopyTo(destination[(offset + 48)..]);
                chain = c3;
            }

            for (; offset < source.Length; offset += BlockSize)
            {
                Vector128<byte> c = Vector128.Create(source.Slice(offset, BlockSize));
                (Decrypt(c) ^ chain).CopyTo(destination[offset..]);
                chain = c;
            }

            return;
        }

        Span<byte> previous = stackalloc byte[BlockSize];
        Span<byte> current = stackalloc byte[BlockSize];
        iv[..BlockSize].CopyTo(previous);
        for (int offset = 0; offset < source.Length; offset += BlockSize)
        {
            source.Slice(offset, BlockSize).CopyTo(current);
            DecryptBlock(current, destination.Slice(offset, BlockSize));
            for (int i = 0; i < BlockSize; i++)
            {
                destination[offset + i] ^= previous[i];
            }

            current.CopyTo(previous);
        }
    }

    /// <summary>Zeroes the key and the key schedule.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        Array.Clear(_encryptKeys);
        Array.Clear(_decryptKeys);
        if (_encryptEngines is not null)
        {
            var zero = new KeyParameter(new byte[_key.Length]);
            foreach (AesEngine engine in _encryptEngines.All)
            {
                engine.Init(true, zero);
            }

            foreach (AesEngine engine in _decryptEngines!.All)
            {
                engine.Init(false, zero);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Vector128<byte> Encrypt(Vector128<byte> block)
    {
        Vector128<byte>[] keys = _encryptKeys;
        block ^= keys[0];
        int rounds = _rounds;
        for (int i = 1; i < rounds; i++)
        {
            block = X86Aes.Encrypt(block, keys[i]);
        }

        return X86Aes.EncryptLast(block, keys[rounds]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<byte> Decrypt(Vector128<byte> block)
    {
        Vector128<byte>[] keys = _decryptKeys;
        block ^= keys[0];
        int rounds = _rounds;
        for (int i = 1; i < rounds; i++)
        {
            block = X86Aes.Decrypt(block, keys[i]);
        }

        return X86Aes.DecryptLast(block, keys[rounds]);
    }

    private void Decrypt4(
        Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, Vector128<byte> d,
        out Vector128<byte> ra, out Vector128<byte> rb, out Vector128<byte> rc, out Vector128<byte> rd)
    {
        Vector128<byte>[] keys = _decryptKeys;
        Vector128<byte> k = keys[0];
        a ^= k;
        b ^= k;
        c ^= k;
        d ^= k;
        int rounds = _rounds;
        for (int i = 1; i < rounds; i++)
        {
            k = keys[i];
            a = X86Aes.Decrypt(a, k);
            b = X86Aes.Decrypt(b, k);
            c = X86Aes.Decrypt(c, k);
            d = X86Aes.Decrypt(d, k);
        }

        k = keys[rounds];
        ra = X86Aes.DecryptLast(a, k);
        rb = X86Aes.DecryptLast(b, k);
        rc = X86Aes.DecryptLast(c, k);
        rd = X86Aes.DecryptLast(d, k);
    }

    private void Ctr32Hardware(ReadOnlySpan<byte> prefix, uint counter, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<byte> blockBytes = stackalloc byte[BlockSize];
        prefix[..12].CopyTo(blockBytes);
        Vector128<uint> template = Vector128.Create(blockBytes).AsUInt32();
        Vector128<byte>[] keys = _encryptKeys;
        int rounds = _rounds;
        int offset = 0;
        for (; offset + 4 * BlockSize <= source.Length; offset += 4 * BlockSize)
        {
            Vector128<byte> k = keys[0];
            Vector128<byte> s0 = template.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte() ^ k;
            Vector128<byte> s1 = template.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 1)).AsByte() ^ k;
            Vector128<byte> s2 = template.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 2)).AsByte() ^ k;
            Vector128<byte> s3 = template.WithElement(3, BinaryPrimitives.ReverseEndianness(counter + 3)).AsByte() ^ k;
            counter += 4;
            for (int i = 1; i < rounds; i++)
            {
                k = keys[i];
                s0 = X86Aes.Encrypt(s0, k);
                s1 = X86Aes.Encrypt(s1, k);
                s2 = X86Aes.Encrypt(s2, k);
                s3 = X86Aes.Encrypt(s3, k);
            }

            k = keys[rounds];
            (X86Aes.EncryptLast(s0, k) ^ Vector128.Create(source.Slice(offset, BlockSize))).CopyTo(destination[offset..]);
            (X86Aes.EncryptLast(s1, k) ^ Vector128.Create(source.Slice(offset + 16, BlockSize))).CopyTo(destination[(offset + 16)..]);
            (X86Aes.EncryptLast(s2, k) ^ Vector128.Create(source.Slice(offset + 32, BlockSize))).CopyTo(destination[(offset + 32)..]);
            (X86Aes.EncryptLast(s3, k) ^ Vector128.Create(source.Slice(offset + 48, BlockSize))).CopyTo(destination[(offset + 48)..]);
        }

        for (; offset + BlockSize <= source.Length; offset += BlockSize)
        {
            Vector128<byte> stream = Encrypt(template.WithElement(3, BinaryPrimitives.ReverseEndianness(counter++)).AsByte());
            (stream ^ Vector128.Create(source.Slice(offset, BlockSize))).CopyTo(destination[offset..]);
        }

        if (offset < source.Length)
        {
            Encrypt(template.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte()).CopyTo(blockBytes);
            for (int i = 0; offset + i < source.Length; i++)
            {
                destination[offset + i] = (byte)(source[offset + i] ^ blockBytes[i]);
            }

            CryptographicOperations.ZeroMemory(blockBytes);
        }
    }

    private static AesEngine NewEngine(bool forEncryption, byte[] key)
    {
        var engine = new AesEngine();
        engine.Init(forEncryption, new KeyParameter(key));
        return engine;
    }

    /// <summary>The FIPS 197 §5.2 key expansion, giving (rounds + 1) round keys of 16 bytes in order.</summary>
    private static byte[] ExpandKey(ReadOnlySpan<byte> key, int rounds)
    {
        int nk = key.Length / 4;
        int words = 4 * (rounds + 1);
        var w = new byte[words * 4];
        key.CopyTo(w);
        Span<byte> temp = stackalloc byte[4];
        byte rcon = 1;
        for (int i = nk; i < words; i++)
        {
            w.AsSpan((i - 1) * 4, 4).CopyTo(temp);
            if (i % nk == 0)
            {
                byte t0 = temp[0];
                temp[0] = (byte)(s_sbox[temp[1]] ^ rcon);
                temp[1] = s_sbox[temp[2]];
                temp[2] = s_sbox[temp[3]];
                temp[3] = s_sbox[t0];
                rcon = (byte)((rcon << 1) ^ ((rcon & 0x80) != 0 ? 0x1B : 0));
            }
            else if (nk > 6 && i % nk == 4)
            {
                for (int j = 0; j < 4; j++)
                {
                    temp[j] = s_sbox[temp[j]];
                }
            }

            for (int j = 0; j < 4; j++)
            {
                w[i * 4 + j] = (byte)(w[(i - nk) * 4 + j] ^ temp[j]);
            }
        }

        return w;
    }

    /// <summary>The AES S-box, computed from its definition (multiplicative inverse in GF(2^8), then the affine map).</summary>
    private static byte[] BuildSbox()
    {
        var sbox = new byte[256];
        byte p = 1, q = 1;
        do
        {
            // p runs over the multiplicative group by multiplying by 3; q tracks its inverse by dividing by 3.
            p = (byte)(p ^ (p << 1) ^ ((p & 0x80) != 0 ? 0x1B : 0));
            q ^= (byte)(q << 1);
            q ^= (byte)(q << 2);
            q ^= (byte)(q << 4);
            if ((q & 0x80) != 0)
            {
                q ^= 0x09;
            }

            byte x = (byte)(q ^ RotateLeft(q, 1) ^ RotateLeft(q, 2) ^ RotateLeft(q, 3) ^ RotateLeft(q, 4));
            sbox[p] = (byte)(x ^ 0x63);
        }
        while (p != 1);

        sbox[0] = 0x63;
        return sbox;
    }

    private static byte RotateLeft(byte value, int shift) => (byte)((value << shift) | (value >> (8 - shift)));
}
