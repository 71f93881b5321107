using System;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AUTH_HMAC_MD5_96 (RFC 2403), AUTH_HMAC_SHA1_96 (RFC 2404) and AUTH_HMAC_SHA2_256_128 / 384_192 / 512_256 (RFC 4868):
/// HMAC truncated to the leftmost <see cref="IntegrityTransform.IcvSize"/> octets.
/// </summary>
/// <remarks>
/// Each pooled context holds an <see cref="IncrementalHash"/> keyed once at construction, so the HMAC inner and outer
/// pads are never recomputed per packet. The transform keeps no copy of the key itself: the copy used while the pool
/// is filled is zeroed before the constructor returns, and <see cref="IntegrityTransform.Dispose"/> disposes the keyed hash objects.
/// <see cref="IntegrityTransform.Dispose"/> must not race with calls in progress.
/// </remarks>
internal sealed class HmacIntegrityTransform : PooledIntegrityTransform<HmacIntegrityContext>
{

    /// <param name="name">The IKEv2 transform name, for messages and <see cref="object.ToString"/>.</param>
    /// <param name="hashAlgorithm">The hash function (MD5, SHA1, SHA256, SHA384 or SHA512).</param>
    /// <param name="key">The HMAC key (any non-empty length; RFC 2104 hashes keys longer than the hash block size).</param>
    /// <param name="icvSize">The truncated ICV size in bytes.</param>
    public HmacIntegrityTransform(string name, HashAlgorithmName hashAlgorithm, ReadOnlySpan<byte> key, int icvSize)
        : base(name, icvSize)
    {
        int hashSize = HashSize(hashAlgorithm);
        ArgumentOutOfRangeException.ThrowIfLessThan(icvSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(icvSize, hashSize);
        if (key.IsEmpty)
        {
            ThrowHelper.ThrowArgument($"{name} requires a non-empty key.", nameof(key));
        }

        // The pool factory runs only here; the key copy exists just for its duration.
        byte[] keyCopy = key.ToArray();
        try
        {
            FillPool(() => new HmacIntegrityContext(this, hashAlgorithm, keyCopy, icvSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
    }

    /// <summary>The full HMAC output size of a supported hash function, in bytes.</summary>
    public static int HashSize(HashAlgorithmName hashAlgorithm)
    {
        if (hashAlgorithm == HashAlgorithmName.SHA256)
        {
            return 32;
        }

        if (hashAlgorithm == HashAlgorithmName.SHA1)
        {
            return 20;
        }

        if (hashAlgorithm == HashAlgorithmName.SHA384)
        {
            return 48;
        }

        if (hashAlgorithm == HashAlgorithmName.SHA512)
        {
            return 64;
        }

        if (hashAlgorithm == HashAlgorithmName.MD5)
        {
            return 16;
        }

        throw new ArgumentException($"HMAC-{hashAlgorithm.Name} is not an IPsec integrity algorithm.", nameof(hashAlgorithm));
    }
}
