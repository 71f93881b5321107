using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// ENCR_3DES: triple DES (EDE, 192-bit key) in CBC mode, for legacy peers only, on the constant-time
/// <see cref="TripleDesConstantTime"/> core with our own CBC loop (the BCL's TripleDES one-shot CBC methods create a
/// native cipher context per call). Thread-safe: the schedule is read-only. IVs are DES3_K(sequence number XOR a
/// secret 64-bit per-SA value): unpredictable without the key and distinct for distinct sequence numbers.
/// </summary>
internal sealed class TripleDesCbcTransform : CipherTransform, IKeyMaterialOwner
{
    private readonly byte[] _schedule = new byte[TripleDesConstantTime.ScheduleSize];
    private ulong _ivMask;

    public TripleDesCbcTransform(ReadOnlySpan<byte> key)
    {
        TripleDesConstantTime.ExpandKey(key, _schedule);
        Unsafe.SkipInit(out StackBlock16 maskStorage);
        Span<byte> mask = maskStorage[..8];
        RandomNumberGenerator.Fill(mask);
        _ivMask = BinaryPrimitives.ReadUInt64LittleEndian(mask);
        CryptographicOperations.ZeroMemory(mask);
    }

    public override int IvSize => 8;

    public override int BlockSize => 8;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        BinaryPrimitives.WriteUInt64BigEndian(iv, TripleDesConstantTime.Process(_schedule, sequenceNumber ^ _ivMask, decrypt: false));
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
        ulong chain = BinaryPrimitives.ReadUInt64BigEndian(iv);
        for (int offset = 0; offset < source.Length; offset += 8)
        {
            chain = TripleDesConstantTime.Process(_schedule, chain ^ BinaryPrimitives.ReadUInt64BigEndian(source.Slice(offset)), decrypt: false);
            BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(offset), chain);
        }
    }

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        CheckCall(iv, source, destination);
        ulong chain = BinaryPrimitives.ReadUInt64BigEndian(iv);
        for (int offset = 0; offset < source.Length; offset += 8)
        {
            ulong cipherBlock = BinaryPrimitives.ReadUInt64BigEndian(source.Slice(offset));
            BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(offset), chain ^ TripleDesConstantTime.Process(_schedule, cipherBlock, decrypt: true));
            chain = cipherBlock;
        }
    }

    public void AppendKeyArrays(List<Array> arrays) => arrays.Add(_schedule);

    public override void Dispose()
    {
        _ivMask = 0;
        TripleDesConstantTime.Clear(_schedule);
    }

    public override string ToString() => "3DES-CBC";
}
