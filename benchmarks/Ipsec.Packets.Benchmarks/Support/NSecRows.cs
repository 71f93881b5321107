using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>
/// The NSec (libsodium) rows of a whole-packet AEAD suite: the raw AEAD on the suite's payload with a 12-byte nonce
/// (counted per packet, as ESP does) and the ESP header as 8-byte AAD.
/// </summary>
internal sealed class NSecRows : IDisposable
{
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _fixedNonce = new byte[12];
    private readonly byte[] _aad = new byte[8];
    private NSecAead? _aead;
    private byte[] _payload = null!;
    private byte[] _output = null!;
    private byte[] _ciphertextAndTag = null!;

    public void Setup(NSecAead aead, byte[] payload, byte[] output)
    {
        _aead = aead;
        _payload = payload;
        _output = output;
        _ciphertextAndTag = new byte[payload.Length + aead.TagSize];
        aead.Encrypt(_fixedNonce, _aad, payload, _ciphertextAndTag);
    }

    public void Encrypt()
    {
        BinaryPrimitives.WriteUInt64BigEndian(_nonce.AsSpan(4), BinaryPrimitives.ReadUInt64BigEndian(_nonce.AsSpan(4)) + 1);
        _aead!.Encrypt(_nonce, _aad, _payload, _output.AsSpan(0, _payload.Length + _aead.TagSize));
    }

    public bool Decrypt() => _aead!.Decrypt(_fixedNonce, _aad, _ciphertextAndTag, _output.AsSpan(0, _payload.Length));

    public void Dispose() => _aead?.Dispose();
}
