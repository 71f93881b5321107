using System;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// AUTH_HMAC_MD5_96 (RFC 2403), AUTH_HMAC_SHA1_96 (RFC 2404) and AUTH_HMAC_SHA2_256_128 / 384_192 / 512_256 (RFC 4868):
/// HMAC truncated to the leftmost <see cref="IcvSize"/> octets.
/// </summary>
/// <remarks>
/// Each pooled context holds an <see cref="IncrementalHash"/> keyed once at construction, so the HMAC inner and outer
/// pads are never recomputed per packet. The transform keeps no copy of the key itself: the copy used while the pool
/// is filled is zeroed before the constructor returns, and <see cref="Dispose"/> disposes the keyed hash objects.
/// <see cref="Dispose"/> must not race with calls in progress.
/// </remarks>
internal sealed class HmacIntegrityTransform : IntegrityTransform
{
    private readonly string _name;
    private readonly int _icvSize;
    private readonly ContextPool<HmacIntegrityContext> _pool;
    private bool _disposed;

    /// <param name="name">The IKEv2 transform name, for messages and <see cref="ToString"/>.</param>
    /// <param name="hashAlgorithm">The hash function (MD5, SHA1, SHA256, SHA384 or SHA512).</param>
    /// <param name="key">The HMAC key (any non-empty length; RFC 2104 hashes keys longer than the hash block size).</param>
    /// <param name="icvSize">The truncated ICV size in bytes.</param>
    public HmacIntegrityTransform(string name, HashAlgorithmName hashAlgorithm, ReadOnlySpan<byte> key, int icvSize)
    {
        int hashSize = HashSize(hashAlgorithm);
        ArgumentOutOfRangeException.ThrowIfLessThan(icvSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(icvSize, hashSize);
        if (key.IsEmpty)
        {
            ThrowHelper.ThrowArgument($"{name} requires a non-empty key.", nameof(key));
        }

        _name = name;
        _icvSize = icvSize;

        // The pool factory runs only here; the key copy exists just for its duration.
        byte[] keyCopy = key.ToArray();
        try
        {
            _pool = new ContextPool<HmacIntegrityContext>(() => new HmacIntegrityContext(this, hashAlgorithm, keyCopy, icvSize));
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

    /// <inheritdoc />
    public override int IcvSize => _icvSize;

    /// <inheritdoc />
    public override IntegrityContext Rent()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowObjectDisposed(_name);
        }

        return _pool.Rent();
    }

    /// <inheritdoc />
    public override void Return(IntegrityContext context)
    {
        if (context is not HmacIntegrityContext own || !ReferenceEquals(own.Owner, this))
        {
            ThrowHelper.ThrowArgument("The context was not rented from this transform.", nameof(context));
            return;
        }

        own.ResetIfDirty();
        _pool.Return(own);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (HmacIntegrityContext context in _pool.All)
        {
            context.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => _name;
}
