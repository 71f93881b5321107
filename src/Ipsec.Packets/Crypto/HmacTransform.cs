using System;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// HMAC integrity for ESP and AH, truncated to the ICV size: HMAC-MD5-96 (RFC 2403), HMAC-SHA1-96 (RFC 2404) and
/// HMAC-SHA-256-128/384-192/512-256 (RFC 4868). Each pooled context is a keyed BCL <see cref="IncrementalHash"/>, reused
/// packet after packet (the key is processed once, and GetHashAndReset writes into a span), so nothing allocates.
/// </summary>
internal sealed class HmacTransform : IntegrityTransform
{
    private readonly byte[] _key;
    private readonly int _icvSize;
    private readonly int _digestSize;
    private readonly ContextPool<HmacContext> _pool;

    public HmacTransform(HashAlgorithmName hash, int digestSize, int icvSize, ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            ThrowHelper.ThrowArgument($"HMAC-{hash.Name} needs a non-empty key.", nameof(key));
        }

        _key = key.ToArray();
        _icvSize = icvSize;
        _digestSize = digestSize;
        byte[] keyCopy = _key;
        _pool = new ContextPool<HmacContext>(() => new HmacContext(IncrementalHash.CreateHMAC(hash, keyCopy), icvSize));
    }

    public override int IcvSize => _icvSize;

    internal int DigestSize => _digestSize;

    internal ReadOnlySpan<byte> Key => _key;

    public override IntegrityContext Rent() => _pool.Rent();

    public override void Return(IntegrityContext context) => _pool.Return((HmacContext)context);

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        foreach (HmacContext context in _pool.All)
        {
            context.Dispose();
        }
    }

    private sealed class HmacContext(IncrementalHash hash, int icvSize) : IntegrityContext, IDisposable
    {
        public override void Append(ReadOnlySpan<byte> data) => hash.AppendData(data);

        public override void Finish(Span<byte> icv)
        {
            Span<byte> digest = stackalloc byte[64];
            int written = hash.GetHashAndReset(digest);
            digest[..icvSize].CopyTo(icv);
            CryptographicOperations.ZeroMemory(digest[..written]);
        }

        public void Dispose() => hash.Dispose();
    }
}
