using System;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// A keyed integrity transform (HMAC-*, AES-XCBC-MAC-96, AES-CMAC-96) for one security association.
/// Hashing is incremental through an <see cref="IntegrityContext"/> rented from a per-transform pool,
/// so ESP (data then ESN high half) and AH (stack copy of headers, AH header, payload) feed it without copying.
/// </summary>
/// <remarks>Thread-safe and allocation-free after construction.</remarks>
internal abstract class IntegrityTransform : IDisposable
{
    /// <summary>The truncated ICV length in bytes.</summary>
    public abstract int IcvSize { get; }

    /// <summary>Rents a fresh context; return it with <see cref="Return"/>.</summary>
    public abstract IntegrityContext Rent();

    /// <summary>Returns a context rented from this transform.</summary>
    public abstract void Return(IntegrityContext context);

    /// <summary>Computes the truncated ICV over <paramref name="data"/> followed by <paramref name="suffix"/>.</summary>
    public void Compute(ReadOnlySpan<byte> data, ReadOnlySpan<byte> suffix, Span<byte> icv)
    {
        if (icv.Length != IcvSize)
        {
            ThrowHelper.ThrowArgument($"The ICV buffer must hold exactly {IcvSize} bytes; got {icv.Length}.", nameof(icv));
        }

        IntegrityContext context = Rent();
        context.Append(data);
        context.Append(suffix);
        context.Finish(icv);
        Return(context);
    }

    /// <summary>Recomputes the ICV over <paramref name="data"/> || <paramref name="suffix"/> and compares it in constant time.</summary>
    /// <returns>False when <paramref name="expectedIcv"/> does not match (or has the wrong length).</returns>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> expectedIcv)
    {
        Unsafe.SkipInit(out StackBlock64 computedStorage);
        Span<byte> computed = computedStorage;
        computed = computed[..IcvSize];
        Compute(data, suffix, computed);
        bool equal = expectedIcv.Length == computed.Length && CryptographicOperations.FixedTimeEquals(computed, expectedIcv);
        CryptographicOperations.ZeroMemory(computed);
        return equal;
    }

    /// <summary>Zeroes the key material of the transform and its pooled contexts.</summary>
    public abstract void Dispose();
}

/// <summary>An incremental integrity computation, reset after each <see cref="Finish"/>.</summary>
internal abstract class IntegrityContext
{
    /// <summary>Feeds bytes into the ICV computation.</summary>
    public abstract void Append(ReadOnlySpan<byte> data);

    /// <summary>Writes the truncated ICV (exactly <see cref="IntegrityTransform.IcvSize"/> bytes) and resets the context.</summary>
    public abstract void Finish(Span<byte> icv);
}
