using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Constant-time comparison of a computed 16-byte AEAD tag with a received ICV of at most 16 bytes, in registers: one XOR
/// and one all-zero test over the whole vector, so neither a branch nor a memory access depends on where the two differ.
/// (<c>CryptographicOperations.FixedTimeEquals</c> is compiled without optimisation, on purpose, and costs more than the
/// rest of a short packet's tag check.)
/// </summary>
[SkipLocalsInit]
internal static class TagComparison
{
    /// <summary>True when the first <c>tag.Length</c> bytes (1..16) of <paramref name="expected"/> equal <paramref name="tag"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Matches(Vector128<byte> expected, ReadOnlySpan<byte> tag)
    {
        Vector128<byte> received;
        if (tag.Length == 16)
        {
            received = Vector128.Create(tag);
        }
        else
        {
            StackBlock16 paddedBytes = default;
            Span<byte> padded = paddedBytes;
            tag.CopyTo(padded);
            received = Vector128.Create((ReadOnlySpan<byte>)padded);
            expected &= VectorMasks.FirstBytes(tag.Length);
        }

        return (expected ^ received) == Vector128<byte>.Zero;
    }
}
