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
