using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>
/// ESP AES-GCM-128 (RFC 4106) protect and unprotect of one payload, against the bare BCL primitive on the same bytes
/// (AesGcm.Encrypt with a 12-byte nonce and 8-byte AAD) and BouncyCastle's GCM.
/// </summary>
[MemoryDiagnoser]
public class EspAesGcmBenchmarks
{
    private readonly byte[] _key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f10111213");
    private EspSecurityAssociation _sender = null!;
    private EspSecurityAssociation _receiver = null!;
    private AesGcm _bcl = null!;
    private GcmBlockCipher _bouncy = null!;
    private byte[] _payload = null!;
    private byte[] _packet = null!;
    private byte[] _output = null!;
    private byte[] _protected = null!;
    private byte[] _forged = null!;
    private byte[] _tag = null!;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[8];
    private readonly byte[] _bouncyNonce = new byte[12];
    private ulong _bouncyCounter;

    [Params(64, 1400)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new EspSecurityAssociationOptions
        {
            Spi = 0x1000,
            Encryption = EncryptionAlgorithm.AesGcm16,
            EncryptionKey = _key,
            ReplayWindowSize = 0,
        };
        _sender = new EspSecurityAssociation(options);
        _receiver = new EspSecurityAssociation(options);
        _payload = new byte[PayloadSize];
        _packet = new byte[PayloadSize + 64];
        _output = new byte[PayloadSize + 64];
        _tag = new byte[16];
        _sender.Protect(_payload, 4, _packet, out int written);
        _protected = _packet[..written];
        _forged = (byte[])_protected.Clone();
        _forged[^1] ^= 1;
        _bcl = new AesGcm(_key.AsSpan(0, 16), 16);
        _bouncy = new GcmBlockCipher(AesUtilities.CreateEngine());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _bcl.Dispose();
    }

    [Benchmark(Baseline = true, Description = "BCL AesGcm.Encrypt")]
    public void BclEncrypt() => _bcl.Encrypt(_nonce, _payload, _output.AsSpan(0, PayloadSize), _tag, _aad);

    [Benchmark(Description = "BouncyCastle GCM encrypt")]
    public int BouncyCastleEncrypt()
    {
        // BouncyCastle refuses to encrypt twice under one nonce, as it should: count through nonces like ESP does.
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(_bouncyNonce.AsSpan(4), ++_bouncyCounter);
        _bouncy.Init(true, new AeadParameters(new KeyParameter(_key, 0, 16), 128, _bouncyNonce, _aad));
        int n = _bouncy.ProcessBytes(_payload, 0, PayloadSize, _output, 0);
        return _bouncy.DoFinal(_output, n);
    }

    [Benchmark(Description = "ESP protect")]
    public IpsecStatus Protect() => _sender.Protect(_payload, 4, _packet, out _);

    [Benchmark(Description = "ESP unprotect")]
    public IpsecStatus Unprotect() => _receiver.Unprotect(_protected, _output, out _);

    [Benchmark(Description = "ESP unprotect, forged")]
    public IpsecStatus UnprotectForged() => _receiver.Unprotect(_forged, _output, out _);
}
