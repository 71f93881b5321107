using System;
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
/// ESP AES-CBC-128 + HMAC-SHA2-256-128 against Aes.EncryptCbc + HMACSHA256.HashData (and HashData + compare +
/// Aes.DecryptCbc) over the same padded bytes ESP encrypts, and BouncyCastle's AES/CBC cipher and HMac, Init per packet.
/// </summary>
[MemoryDiagnoser]
public class EspAesCbcHmacSha256Benchmarks : EspBenchmarkBase
{
    private readonly byte[] _iv = new byte[16];
    private readonly byte[] _mac = new byte[32];
    private Aes _aes = null!;
    private byte[] _key = null!;
    private byte[] _padded = null!;
    private byte[] _ciphertext = null!;
    private byte[] _icv = null!;
    private IBufferedCipher _bouncyCipher = null!;
    private HMac _bouncyMac = null!;

    private protected override EspSuite Suite => EspSuite.AesCbcHmacSha256;

    protected override void SetupBaseline()
    {
        _key = Suite.EncryptionKey;
        _aes = Aes.Create();
        _aes.Key = _key;

        // ESP pads the payload and its 2-byte trailer to the block size: the baselines encrypt that many bytes too.
        _padded = new byte[(PayloadSize + 2 + 15) / 16 * 16];
        Payload.CopyTo(_padded, 0);
        _ciphertext = _aes.EncryptCbc(_padded, _iv, PaddingMode.None);
        _icv = HMACSHA256.HashData(Suite.IntegrityKey, _ciphertext)[..16];
        _bouncyCipher = CipherUtilities.GetCipher("AES/CBC/NoPadding");
        _bouncyMac = new HMac(new Sha256Digest());
    }

    protected override void CleanupBaseline() => _aes.Dispose();

    [Benchmark(Baseline = true, Description = "BCL Aes.EncryptCbc + HMACSHA256.HashData")]
    [BenchmarkCategory(Protect)]
    public int BclEncrypt()
    {
        int written = _aes.EncryptCbc(_padded, _iv, Output, PaddingMode.None);
        return HMACSHA256.HashData(Suite.IntegrityKey, Output.AsSpan(0, written), _mac);
    }

    [Benchmark(Baseline = true, Description = "BCL HMACSHA256.HashData + compare + Aes.DecryptCbc")]
    [BenchmarkCategory(Unprotect)]
    public int BclDecrypt()
    {
        HMACSHA256.HashData(Suite.IntegrityKey, _ciphertext, _mac);
        return CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, 16), _icv)
            ? _aes.DecryptCbc(_ciphertext, _iv, Output, PaddingMode.None)
            : -1;
    }

    [Benchmark(Description = "BouncyCastle AES/CBC + HMac(SHA-256), Init per packet")]
    [BenchmarkCategory(Protect)]
    public int BouncyCastleEncrypt()
    {
        _bouncyCipher.Init(true, new ParametersWithIV(new KeyParameter(_key), _iv));
        int written = _bouncyCipher.DoFinal(_padded, 0, _padded.Length, Output, 0);
        _bouncyMac.Init(new KeyParameter(Suite.IntegrityKey));
        _bouncyMac.BlockUpdate(Output, 0, written);
        return _bouncyMac.DoFinal(_mac, 0);
    }

    [Benchmark(Description = "BouncyCastle HMac(SHA-256) + compare + AES/CBC, Init per packet")]
    [BenchmarkCategory(Unprotect)]
    public int BouncyCastleDecrypt()
    {
        _bouncyMac.Init(new KeyParameter(Suite.IntegrityKey));
        _bouncyMac.BlockUpdate(_ciphertext, 0, _ciphertext.Length);
        _bouncyMac.DoFinal(_mac, 0);
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, 16), _icv))
        {
            return -1;
        }

        _bouncyCipher.Init(false, new ParametersWithIV(new KeyParameter(_key), _iv));
        return _bouncyCipher.DoFinal(_ciphertext, 0, _ciphertext.Length, Output, 0);
    }
}

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
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_counters.AsSpan((i * 16) + 12), (uint)(i + 1));
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

/// <summary>ESP NULL + HMAC-SHA2-256-128 against HMACSHA256.HashData on the same bytes, and BouncyCastle's HMac.</summary>
[MemoryDiagnoser]
public class EspNullHmacSha256Benchmarks : EspBenchmarkBase
{
    private readonly byte[] _mac = new byte[32];
    private byte[] _icv = null!;
    private HMac _bouncyMac = null!;

    private protected override EspSuite Suite => EspSuite.NullHmacSha256;

    protected override void SetupBaseline()
    {
        _icv = HMACSHA256.HashData(Suite.IntegrityKey, Payload)[..16];
        _bouncyMac = new HMac(new Sha256Digest());
    }

    [Benchmark(Baseline = true, Description = "BCL HMACSHA256.HashData")]
    [BenchmarkCategory(Protect)]
    public int BclMac() => HMACSHA256.HashData(Suite.IntegrityKey, Payload, _mac);

    [Benchmark(Baseline = true, Description = "BCL HMACSHA256.HashData + compare")]
    [BenchmarkCategory(Unprotect)]
    public bool BclVerify()
    {
        HMACSHA256.HashData(Suite.IntegrityKey, Payload, _mac);
        return CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, 16), _icv);
    }

    [Benchmark(Description = "BouncyCastle HMac(SHA-256), Init per packet")]
    [BenchmarkCategory(Protect)]
    public int BouncyCastleMac()
    {
        _bouncyMac.Init(new KeyParameter(Suite.IntegrityKey));
        _bouncyMac.BlockUpdate(Payload, 0, PayloadSize);
        return _bouncyMac.DoFinal(_mac, 0);
    }

    [Benchmark(Description = "BouncyCastle HMac(SHA-256) + compare, Init per packet")]
    [BenchmarkCategory(Unprotect)]
    public bool BouncyCastleVerify()
    {
        _bouncyMac.Init(new KeyParameter(Suite.IntegrityKey));
        _bouncyMac.BlockUpdate(Payload, 0, PayloadSize);
        _bouncyMac.DoFinal(_mac, 0);
        return CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, 16), _icv);
    }
}
