using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Benchmarks.Esp;

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
