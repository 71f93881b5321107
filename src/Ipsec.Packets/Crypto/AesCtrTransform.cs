using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AES-CTR for ESP (RFC 3686): KEYMAT = key || nonce (4); counter block = nonce || IV (8) || 32-bit big-endian block
/// counter starting at 1. The IV is the 64-bit sequence number, unique under the key.
/// </summary>
internal sealed class AesCtrTransform : CipherTransform, IKeyMaterialOwner
{
    private readonly AesBlockCipher _aes;
    private uint _nonce;   // KEYMAT, zeroed by Dispose

    public AesCtrTransform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
    {
        _aes = AesBlockCipher.Create(key);
        _nonce = MemoryMarshal.Read<uint>(nonce);
    }

    public override int IvSize => 8;

    public override int BlockSize => 1;

    /// <summary>True when the AES core runs on AES instructions (AES-NI or ARMv8 AES).</summary>
    internal bool IsHardware => _aes.IsHardware;

    /// <summary>The AES core in use.</summary>
    internal AesCore AesCore => _aes.Core;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        BinaryPrimitives.WriteUInt64BigEndian(iv, sequenceNumber);
    }

    private void Process(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        KeyMaterial.CheckInOut(source, destination, nameof(destination));
        Vector128<byte> counter = Vector128.Create(_nonce, MemoryMarshal.Read<uint>(iv), MemoryMarshal.Read<uint>(iv.Slice(4)), 0x01000000u).AsByte();
        _aes.CtrXor(counter, source, destination);
    }

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) => Process(iv, source, destination);

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) => Process(iv, source, destination);

    public void AppendKeyArrays(List<Array> arrays) => _aes.AppendKeyArrays(arrays);

    public override void Dispose()
    {
        _aes.Dispose();
        _nonce = 0;
    }

    public override string ToString() => "AES-CTR";
}
