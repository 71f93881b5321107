using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Ipsec.Packets.Internal;

/// <summary>
/// Starts loading a value into the cache ahead of its use, so that its miss overlaps other work. A prefetch is a hint:
/// it never faults, whatever the address, and no result depends on it, so nothing here is observable but speed.
/// </summary>
internal static class CachePrefetch
{
    /// <summary>
    /// Prefetches the cache lines of <paramref name="value"/> into every cache level: those of its first and of its last
    /// byte (a value that is not line-aligned may straddle two lines). Does nothing where SSE is missing.
    /// </summary>
    /// <remarks>
    /// The address is taken from the reference without pinning: if the GC moves the array meanwhile, the hint goes to
    /// the old address, which costs one useless prefetch and nothing else.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T value)
        where T : struct
    {
        if (Sse.IsSupported)
        {
            byte* start = (byte*)Unsafe.AsPointer(ref value);
            Sse.Prefetch0(start);
            Sse.Prefetch0(start + Unsafe.SizeOf<T>() - 1);
        }
    }
}
