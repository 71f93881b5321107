using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>ESP ChaCha20-Poly1305 (RFC 7634) against the BCL's ChaCha20Poly1305 (12-byte nonce, 8-byte AAD).</summary>
public class EspChaCha20Poly1305Benchmarks : EspBenchmarkBase
{
    private ChaCha20Poly1305 _bcl = null!;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[8];
    private readonly byte[] _tag = new byte[16];

    protected override EspSecurityAssociationOptions CreateOptions() => new()
    {
        Spi = 0x1000, Encryption = EncryptionAlgorithm.ChaCha20Poly1305, EncryptionKey = new byte[36], ReplayWindowSize = 0,
    };

    protected override void SetupBaseline() => _bcl = new ChaCha20Poly1305(new byte[32]);

    [Benchmark(Baseline = true, Description = "BCL ChaCha20Poly1305.Encrypt")]
    public void Baseline() => _bcl.Encrypt(_nonce, Payload, Output.AsSpan(0, PayloadSize), _tag, _aad);
}

/// <summary>ESP AES-CBC-128 + HMAC-SHA2-256-128 against Aes.EncryptCbc plus HMACSHA256.HashData on the same bytes.</summary>
public class EspAesCbcHmacSha256Benchmarks : EspBenchmarkBase
{
    private Aes _aes = null!;
    private readonly byte[] _iv = new byte[16];
    private readonly byte[] _macKey = new byte[32];
    private readonly byte[] _mac = new byte[32];

    protected override EspSecurityAssociationOptions CreateOptions() => new()
    {
        Spi = 0x1000, Encryption = EncryptionAlgorithm.AesCbc, EncryptionKey = new byte[16],
        Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32], ReplayWindowSize = 0,
    };

    protected override void SetupBaseline()
    {
        _aes = Aes.Create();
        _aes.Key = new byte[16];
    }

    [Benchmark(Baseline = true, Description = "BCL Aes.EncryptCbc + HMACSHA256.HashData")]
    public int Baseline()
    {
        int blocks = PayloadSize / 16 * 16;
        int written = _aes.EncryptCbc(Payload.AsSpan(0, blocks), _iv, Output, PaddingMode.None);
        return written + HMACSHA256.HashData(_macKey, Output.AsSpan(0, written), _mac);
    }
}

/// <summary>ESP AES-CTR-128 + HMAC-SHA1-96 against Aes.EncryptEcb over the counter blocks plus HMACSHA1.HashData (the BCL has no CTR).</summary>
public class EspAesCtrHmacSha1Benchmarks : EspBenchmarkBase
{
    private Aes _aes = null!;
    private byte[] _counters = null!;
    private readonly byte[] _macKey = new byte[20];
    private readonly byte[] _mac = new byte[20];

    protected override EspSecurityAssociationOptions CreateOptions() => new()
    {
        Spi = 0x1000, Encryption = EncryptionAlgorithm.AesCtr, EncryptionKey = new byte[20],
        Integrity = IntegrityAlgorithm.HmacSha1_96, IntegrityKey = new byte[20], ReplayWindowSize = 0,
    };

    protected override void SetupBaseline()
    {
        _aes = Aes.Create();
        _aes.Key = new byte[16];
        _counters = new byte[(PayloadSize + 15) / 16 * 16];
    }

    [Benchmark(Baseline = true, Description = "BCL Aes.EncryptEcb (counters) + HMACSHA1.HashData")]
    public int Baseline()
    {
        int written = _aes.EncryptEcb(_counters, Output, PaddingMode.None);
        return written + HMACSHA1.HashData(_macKey, Output.AsSpan(0, PayloadSize), _mac);
    }
}

/// <summary>ESP NULL + HMAC-SHA2-256-128 against HMACSHA256.HashData on the same bytes.</summary>
public class EspNullHmacSha256Benchmarks : EspBenchmarkBase
{
    private readonly byte[] _macKey = new byte[32];
    private readonly byte[] _mac = new byte[32];

    protected override EspSecurityAssociationOptions CreateOptions() => new()
    {
        Spi = 0x1000, Encryption = EncryptionAlgorithm.Null,
        Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = new byte[32], ReplayWindowSize = 0,
    };

    protected override void SetupBaseline()
    {
    }

    [Benchmark(Baseline = true, Description = "BCL HMACSHA256.HashData")]
    public int Baseline() => HMACSHA256.HashData(_macKey, Payload, _mac);
}
