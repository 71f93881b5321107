using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-CBC for ESP (RFC 3602): 16-byte explicit IV and block. IVs are AES_K(secret 8-byte per-SA prefix || 64-bit
/// sequence number): unpredictable to anyone without the key and never repeated under it (NIST SP 800-38A App. C).
/// </summary>
internal sealed class AesCbcTransform : CipherTransform, IKeyMaterialOwner
{
    private readonly AesBlockCipher _aes;
    private readonly byte[] _ivPrefix = new byte[8];

    public AesCbcTransform(ReadOnlySpan<byte> key)
    {
        _aes = AesBlockCipher.Create(key);
        RandomNumberGenerator.Fill(_ivPrefix);
    }

    public override int IvSize => 16;

    public override int BlockSize => 16;

    /// <summary>True when the AES core runs on AES instructions (AES-NI or ARMv8 AES).</summary>
    internal bool IsHardware => _aes.IsHardware;

    /// <summary>The AES core in use.</summary>
    internal AesCore AesCore => _aes.Core;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv)
    {
        KeyMaterial.CheckLength(iv, 16, nameof(iv));
        Unsafe.SkipInit(out StackBlock16 inputStorage);
        Span<byte> input = inputStorage;
        _ivPrefix.CopyTo(input);
        BinaryPrimitives.WriteUInt64BigEndian(input.Slice(8), sequenceNumber);
        _aes.EncryptBlock(Vector128.Create((ReadOnlySpan<byte>)input)).CopyTo(iv);
        input.Clear();
    }

    private static Vector128<byte> CheckCall(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        KeyMaterial.CheckLength(iv, 16, nameof(iv));
        KeyMaterial.CheckInOut(source, destination, nameof(destination));
        if ((source.Length & 15) != 0)
        {
            ThrowHelper.ThrowArgument($"AES-CBC needs a multiple of 16 bytes; got {source.Length} bytes.", nameof(source));
        }

        return Vector128.Create(iv);
    }

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) =>
        _aes.CbcEncrypt(CheckCall(iv, source, destination), source, destination);

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) =>
        _aes.CbcDecrypt(CheckCall(iv, source, destination), source, destination);

    public void AppendKeyArrays(List<Array> arrays)
    {
        _aes.AppendKeyArrays(arrays);
        arrays.Add(_ivPrefix);
    }

    public override void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_ivPrefix);
    }

    public override string ToString() => "AES-CBC";
}
