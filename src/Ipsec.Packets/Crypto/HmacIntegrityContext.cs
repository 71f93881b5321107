using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// An incremental HMAC (RFC 2104) over a keyed <see cref="IncrementalHash"/>, truncated to the leftmost
/// <c>icvSize</c> octets (RFC 2403 §2, RFC 2404 §2, RFC 4868 §2.3).
/// </summary>
internal sealed class HmacIntegrityContext : PooledIntegrityContext, IDisposable
{
    /// <summary>The largest HMAC output handled (SHA-512), in bytes.</summary>
    public const int MaxHashSize = 64;

    private readonly IncrementalHash _hash;
    private readonly IntegrityTransform? _owner;
    private readonly int _icvSize;
    private bool _dirty;

    /// <param name="owner">The transform that pools this context (checked by its Return), or null for a standalone context.</param>
    /// <param name="hashAlgorithm">The hash function.</param>
    /// <param name="key">The HMAC key; the BCL keeps its own copy.</param>
    /// <param name="icvSize">The number of leftmost HMAC octets <see cref="Finish"/> writes (1 to the hash size).</param>
    public HmacIntegrityContext(IntegrityTransform? owner, HashAlgorithmName hashAlgorithm, ReadOnlySpan<byte> key, int icvSize)
    {
        _owner = owner;
        _icvSize = icvSize;
        _hash = IncrementalHash.CreateHMAC(hashAlgorithm, key);
        Debug.Assert(icvSize >= 1 && icvSize <= _hash.HashLengthInBytes, "The owner validates the ICV size.");
    }

    /// <summary>The transform whose pool owns this context.</summary>
    public override IntegrityTransform? Owner => _owner;

    /// <inheritdoc />
    public override void Append(ReadOnlySpan<byte> data)
    {
        _dirty = true;
        _hash.AppendData(data);
    }

    /// <inheritdoc />
    public override void Finish(Span<byte> icv)
    {
        if (icv.Length != _icvSize)
        {
            ResetIfDirty();
            ThrowIcvLength(_icvSize);
        }

        Unsafe.SkipInit(out StackBlock64 fullStorage);

        Span<byte> full = fullStorage;
        int written = _hash.GetHashAndReset(full);
        _dirty = false;
        full[.._icvSize].CopyTo(icv);
        CryptographicOperations.ZeroMemory(full[..written]);
    }

    /// <summary>Discards any partial computation (after an abandoned Append sequence).</summary>
    public override void ResetIfDirty()
    {
        if (_dirty)
        {
            Unsafe.SkipInit(out StackBlock64 discardStorage);
            Span<byte> discard = discardStorage;
            int written = _hash.GetHashAndReset(discard);
            CryptographicOperations.ZeroMemory(discard[..written]);
            _dirty = false;
        }
    }

    /// <summary>Releases the hash state and the BCL's copy of the key.</summary>
    public void Dispose() => _hash.Dispose();

    /// <inheritdoc />
    public override void Release() => Dispose();

    [DoesNotReturn]
    private static void ThrowIcvLength(int icvSize) =>
        ThrowHelper.ThrowArgument($"The ICV destination must be exactly {icvSize} bytes.", "icv");
}
