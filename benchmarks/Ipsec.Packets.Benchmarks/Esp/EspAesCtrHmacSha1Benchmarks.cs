using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>
/// ESP AES-CTR-128 (RFC 3686) + HMAC-SHA1-96 against the closest BCL primitives (the BCL has no CTR mode):
/// Aes.EncryptEcb over the counter blocks, a vectorised XOR, and HMACSHA1.HashData; and BouncyCastle's AES/CTR and HMac.
/// </summary>
[MemoryDiagnoser]
public class EspAesCtrHmacSha1Benchmarks : EspBenchmarkBase
{
    private readonly byte[] _mac = new byte[20];
    private readonly byte[] _iv = new byte[16];
    private Aes _aes = null!;
    private byte[] _key = null!;
    private byte[] _counters = null!;
    private byte[] _keystream = null!;
    private byte[] _ciphertext = null!;
    private byte[] _icv = null!;
    private IBufferedCipher _bouncyCipher = null!;
    private HMac _bouncyMac = null!;

    private protected override EspSuite Suite => EspSuite.AesCtrHmacSha1;

    protected override void SetupBaseline()
    {
        _key = Suite.EncryptionKey[..16];
        _aes = Aes.Create();
        _aes.Key = _key;
        int blocks = (PayloadSize + 15) / 16;
        _counters = new byte[blocks * 16];
        for (int i = 0; i < blocks; i++)
        {
            // nonce | IV | block counter from 1, as RFC 3686 lays it out.
            Suite.EncryptionKey.AsSpan(16, 4).CopyTo(_counters.AsSpan(i * 16));
            BinaryPrimitives.WriteUInt32BigEndian(_counters.AsSpan((i * 16) + 12), (uint)(i + 1));
        }

        _counters.AsSpan(0, 16).CopyTo(_iv);
        _keystream = new byte[_counters.Length];
        _ciphertext = new byte[PayloadSize];
        _aes.EncryptEcb(_counters, _keystream, PaddingMode.None);
        Bytes.Xor(Payload, _keystream.AsSpan(0, PayloadSize), _ciphertext);
        _icv = HMACSHA1.HashData(Suite.IntegrityKey, _ciphertext)[..12];
        _bouncyCipher = CipherUtilities.GetCipher("AES/CTR/NoPadding");
        _bouncyMac = new HMac(new Sha1Digest());
    }

    protected override void CleanupBaseline() => _aes.Dispose();

    [Benchmark(Baseline = true, Description = "BCL Aes.EncryptEcb (counters) + XOR + HMACSHA1.HashData")]
    [BenchmarkCategory(Protect)]
    public int BclEncrypt()
    {
        _aes.EncryptEcb(_counters, _keystream, PaddingMode.None);
        Bytes.Xor(Payload, _keystream.AsSpan(0, PayloadSize), Output);
        return HMACSHA1.HashData(Suite.IntegrityKey, Output.AsSpan(0, PayloadSize), _mac);
    }

    [Benchmark(Baseline = true, Description = "BCL HMACSHA1.HashData + compare + Aes.EncryptEcb (counters) + XOR")]
    [BenchmarkCategory(Unprotect)]
    public int BclDecrypt()
    {
        HMACSHA1.HashData(Suite.IntegrityKey, _ciphertext, _mac);
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, 12), _icv))
        {
            return -1;
        }

        _aes.EncryptEcb(_counters, _keystream, PaddingMode.None);
        Bytes.Xor(_ciphertext, _keystream.AsSpan(0, PayloadSize), Output);
        return PayloadSize;
    }

    [Benchmark(Description = "BouncyCastle AES/CTR + HMac(SHA-1), Init per packet")]
    [BenchmarkCategory(Protect)]
    public int BouncyCastleEncrypt()
    {
        _bouncyCipher.Init(true, new ParametersWithIV(new KeyParameter(_key), _iv));
        int written = _bouncyCipher.DoFinal(Payload, 0, PayloadSize, Output, 0);
        _bouncyMac.Init(new KeyParameter(Suite.IntegrityKey));
        _bouncyMac.BlockUpdate(Output, 0, written);
        return _bouncyMac.DoFinal(_mac, 0);
    }

    [Benchmark(Description = "BouncyCastle HMac(SHA-1) + compare + AES/CTR, Init per packet")]
    [BenchmarkCategory(Unprotect)]
    public int BouncyCastleDecrypt()
    {
        _bouncyMac.Init(new KeyParameter(Suite.IntegrityKey));
        _bouncyMac.BlockUpdate(_ciphertext, 0, _ciphertext.Length);
        _bouncyMac.DoFinal(_mac, 0);
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, 12), _icv))
        {
            return -1;
        }

        _bouncyCipher.Init(false, new ParametersWithIV(new KeyParameter(_key), _iv));
        return _bouncyCipher.DoFinal(_ciphertext, 0, _ciphertext.Length, Output, 0);
    }
}
