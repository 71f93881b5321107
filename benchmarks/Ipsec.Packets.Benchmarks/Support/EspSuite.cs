using System;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>One ESP algorithm suite with fixed keys, turned into SA options for any SPI, window and starting sequence number.</summary>
internal sealed class EspSuite
{
    private EspSuite(EncryptionAlgorithm encryption, int encryptionKeyLength, IntegrityAlgorithm? integrity, int integrityKeyLength)
    {
        Encryption = encryption;
        Integrity = integrity;
        EncryptionKey = Key(encryptionKeyLength, 1);
        IntegrityKey = Key(integrityKeyLength, 2);
    }

    /// <summary>AES-GCM-128 with a 16-byte ICV (RFC 4106): 16-byte key and 4-byte salt.</summary>
    public static EspSuite AesGcm128 { get; } = new(EncryptionAlgorithm.AesGcm16, 20, null, 0);

    /// <summary>AES-GCM-256 with a 16-byte ICV: 32-byte key and 4-byte salt.</summary>
    public static EspSuite AesGcm256 { get; } = new(EncryptionAlgorithm.AesGcm16, 36, null, 0);

    /// <summary>ChaCha20-Poly1305 (RFC 7634): 32-byte key and 4-byte salt.</summary>
    public static EspSuite ChaCha20Poly1305 { get; } = new(EncryptionAlgorithm.ChaCha20Poly1305, 36, null, 0);

    /// <summary>AES-CBC-128 with HMAC-SHA2-256-128.</summary>
    public static EspSuite AesCbcHmacSha256 { get; } = new(EncryptionAlgorithm.AesCbc, 16, IntegrityAlgorithm.HmacSha2_256_128, 32);

    /// <summary>AES-CTR-128 (RFC 3686: 16-byte key and 4-byte nonce) with HMAC-SHA1-96.</summary>
    public static EspSuite AesCtrHmacSha1 { get; } = new(EncryptionAlgorithm.AesCtr, 20, IntegrityAlgorithm.HmacSha1_96, 20);

    /// <summary>NULL encryption with HMAC-SHA2-256-128.</summary>
    public static EspSuite NullHmacSha256 { get; } = new(EncryptionAlgorithm.Null, 0, IntegrityAlgorithm.HmacSha2_256_128, 32);

    public EncryptionAlgorithm Encryption { get; }

    public IntegrityAlgorithm? Integrity { get; }

    /// <summary>The encryption KEYMAT (key, then salt or nonce); the baselines key their primitives from it.</summary>
    public byte[] EncryptionKey { get; }

    public byte[] IntegrityKey { get; }

    public EspSecurityAssociationOptions Options(uint spi, int replayWindowSize, ulong initialOutboundSequenceNumber = 0, bool extendedSequenceNumbers = false) => new()
    {
        ExtendedSequenceNumbers = extendedSequenceNumbers,
        Spi = spi,
        Encryption = Encryption,
        EncryptionKey = EncryptionKey,
        Integrity = Integrity,
        IntegrityKey = IntegrityKey,
        ReplayWindowSize = replayWindowSize,
        InitialOutboundSequenceNumber = initialOutboundSequenceNumber,
    };

    private static byte[] Key(int length, int seed)
    {
        byte[] key = new byte[length];
        new Random(seed).NextBytes(key);
        return key;
    }
}
