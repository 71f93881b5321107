using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// GHASH (NIST SP 800-38D §6.4) under a fixed hash subkey H, over AAD given in two pieces and the ciphertext,
/// each padded as GCM specifies, followed by the 128-bit lengths block. Immutable and thread-safe.
/// </summary>
internal abstract class GhashKey : IDisposable, IKeyMaterialOwner
{
    /// <summary>Creates the GHASH key for <paramref name="h"/> = E_K(0^128) on <see cref="CryptoEngine.CarrylessMultiply"/>.</summary>
    public static GhashKey Create(Vector128<byte> h) => CryptoEngine.CarrylessMultiply switch
    {
        CarrylessMultiply.Pclmulqdq => new GhashClmul(h),
        CarrylessMultiply.Pmull => new GhashPmull(h),
        _ => new GhashPortable(h),
    };

    /// <summary>Which carry-less multiply this key runs on; the portable one unless overridden.</summary>
    public virtual CarrylessMultiply Core => CarrylessMultiply.Portable;

    /// <summary>GHASH_H(A || 0* || C || 0* || [len(A)]64 || [len(C)]64) with A = <paramref name="aadHead"/> || <paramref name="aadTail"/>.</summary>
    public abstract Vector128<byte> Compute(ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail, ReadOnlySpan<byte> ciphertext);

    /// <summary>
    /// GHASH of an AAD made of four pieces and an empty ciphertext: what AH-GMAC (RFC 4543 §5) needs for the header copy,
    /// the AH header, the payload and the ESN high half, without joining them.
    /// </summary>
    public abstract Vector128<byte> ComputeAadOnly(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d);

    /// <inheritdoc />
    public abstract void AppendKeyArrays(List<Array> arrays);

    /// <summary>Zeroes the key-derived tables.</summary>
    public abstract void Dispose();
}
