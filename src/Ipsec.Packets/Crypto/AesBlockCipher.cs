using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// A keyed AES block cipher with the modes the ESP transforms build on. Immutable after construction and
/// thread-safe; <see cref="Create"/> picks the AES-NI, ARMv8 AES or portable implementation (<see cref="CryptoEngine"/>).
/// </summary>
internal abstract class AesBlockCipher : IDisposable, IKeyMaterialOwner
{
    /// <summary>Creates the cipher for a 16, 24 or 32-byte key (the caller has validated the length) on <see cref="CryptoEngine.AesCore"/>.</summary>
    public static AesBlockCipher Create(ReadOnlySpan<byte> key) => CryptoEngine.AesCore switch
    {
        AesCore.AesNi => new AesNiBlockCipher(key),
        AesCore.ArmAes => new AesArmBlockCipher(key),
        _ => new AesBitslicedBlockCipher(key),
    };

    /// <summary>True for an implementation on AES instructions (AES-NI or ARMv8 AES).</summary>
    public abstract bool IsHardware { get; }

    /// <summary>Which AES core this is; the portable one unless overridden.</summary>
    public virtual AesCore Core => AesCore.Portable;

    /// <summary>Encrypts one block.</summary>
    public abstract Vector128<byte> EncryptBlock(Vector128<byte> block);

    /// <summary>Decrypts one block.</summary>
    public abstract Vector128<byte> DecryptBlock(Vector128<byte> block);

    /// <summary>
    /// XORs <paramref name="source"/> with the CTR key stream starting at <paramref name="counterBlock"/> into
    /// <paramref name="destination"/> (same length, any length; may be the same memory). The last four bytes of the
    /// counter block are a big-endian counter incremented per block (modulo 2^32).
    /// </summary>
    public abstract void CtrXor(Vector128<byte> counterBlock, ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>CBC-encrypts whole blocks; <paramref name="destination"/> may be the same memory as <paramref name="source"/>.</summary>
    public abstract void CbcEncrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>CBC-decrypts whole blocks; <paramref name="destination"/> may be the same memory as <paramref name="source"/>.</summary>
    public abstract void CbcDecrypt(Vector128<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>Runs the CBC-MAC chain over whole blocks: state = E(state XOR block) for each block.</summary>
    public abstract Vector128<byte> CbcMac(Vector128<byte> state, ReadOnlySpan<byte> blocks);

    /// <inheritdoc />
    public abstract void AppendKeyArrays(List<Array> arrays);

    /// <summary>Zeroes the round keys.</summary>
    public abstract void Dispose();
}
