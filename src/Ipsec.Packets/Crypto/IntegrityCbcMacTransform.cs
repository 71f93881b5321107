using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AUTH_AES_XCBC_96 (RFC 3566) or AUTH_AES_CMAC_96 (RFC 4494): an AES CBC-MAC with a whitened last block
/// (<see cref="IntegrityCbcMacContext"/>), truncated to the algorithm's ICV size.
/// </summary>
/// <remarks>
/// The AES key schedule is built once, at construction, by <see cref="AesBlockCipher.Create"/> (AES-NI or the
/// constant-time bitsliced AES) and shared by the pooled contexts. The transform keeps that schedule and the two
/// 16-octet whitening subkeys, all zeroed by <see cref="IntegrityTransform.Dispose"/>, which must not race with calls in
/// progress.
/// </remarks>
internal sealed class IntegrityCbcMacTransform : PooledIntegrityTransform<IntegrityCbcMacContext>, IKeyMaterialOwner
{
    private readonly byte[] _subkeys;
    private readonly AesBlockCipher _aes;

    /// <param name="name">The IKEv2 transform name, for messages and <see cref="object.ToString"/>.</param>
    /// <param name="cipherKey">The 16-octet AES key of the CBC chain (XCBC: K1; CMAC: K).</param>
    /// <param name="completeSubkey">The subkey XORed into a whole last block (XCBC: K2; CMAC: K1).</param>
    /// <param name="incompleteSubkey">The subkey XORed into a padded last block (XCBC: K3; CMAC: K2).</param>
    /// <param name="icvSize">The truncated ICV size in bytes (1..16).</param>
    public IntegrityCbcMacTransform(
        string name, ReadOnlySpan<byte> cipherKey, ReadOnlySpan<byte> completeSubkey, ReadOnlySpan<byte> incompleteSubkey, int icvSize)
        : base(name, icvSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(icvSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(icvSize, IntegrityCbcMacContext.BlockSize);
        _subkeys = new byte[2 * IntegrityCbcMacContext.BlockSize];
        completeSubkey.CopyTo(_subkeys);
        incompleteSubkey.CopyTo(_subkeys.AsSpan(IntegrityCbcMacContext.BlockSize));

        if (cipherKey.Length != IntegrityCbcMacContext.BlockSize)
        {
            ThrowHelper.ThrowArgument($"{name} requires a 16-byte key; got {cipherKey.Length} bytes.", nameof(cipherKey));
        }

        _aes = AesBlockCipher.Create(cipherKey);
        AesBlockCipher aes = _aes;
        FillPool(() => new IntegrityCbcMacContext(this, aes, _subkeys, icvSize));
    }

    /// <summary>Creates AES-XCBC-MAC truncated to <paramref name="icvSize"/> bytes from a 16-octet key (RFC 3566 §4).</summary>
    public static IntegrityCbcMacTransform CreateXcbc(string name, ReadOnlySpan<byte> key, int icvSize)
    {
        Span<byte> derived = stackalloc byte[3 * IntegrityCbcMacContext.BlockSize];
        try
        {
            XcbcKeys.Derive(key, derived[..16], derived[16..32], derived[32..]);
            return new IntegrityCbcMacTransform(name, derived[..16], derived[16..32], derived[32..], icvSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>Creates AES-CMAC truncated to <paramref name="icvSize"/> bytes from a 16-octet key (RFC 4493 §2.3).</summary>
    public static IntegrityCbcMacTransform CreateCmac(string name, ReadOnlySpan<byte> key, int icvSize)
    {
        Span<byte> derived = stackalloc byte[2 * IntegrityCbcMacContext.BlockSize];
        try
        {
            CmacSubkeys.Derive(key, derived[..16], derived[16..]);
            return new IntegrityCbcMacTransform(name, key, derived[..16], derived[16..], icvSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>The key material this object keeps (the two whitening subkeys); all zero after <see cref="IntegrityTransform.Dispose"/>.</summary>
    internal ReadOnlySpan<byte> RetainedKeyMaterial => _subkeys;

    /// <summary>True when the AES core runs on AES instructions (AES-NI or ARMv8 AES).</summary>
    internal bool IsHardware => _aes.IsHardware;

    /// <summary>The AES core in use.</summary>
    internal AesCore AesCore => _aes.Core;

    /// <inheritdoc />
    public void AppendKeyArrays(List<Array> arrays)
    {
        _aes.AppendKeyArrays(arrays);
        arrays.Add(_subkeys);
    }

    /// <inheritdoc />
    protected override void ReleaseKeys()
    {
        CryptographicOperations.ZeroMemory(_subkeys);
        _aes.Dispose();
    }
}
