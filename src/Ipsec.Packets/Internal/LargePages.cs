using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ipsec.Packets.Internal;

/// <summary>
/// Asks Linux to back a large, randomly read array with 2 MiB pages (transparent huge pages), so a lookup that misses the
/// caches does not also miss the TLB. A hint only: on other systems, on old kernels or when the kernel refuses, nothing
/// changes but the speed.
/// </summary>
/// <remarks>
/// The array's own 2 MiB-aligned interior is advised <c>MADV_HUGEPAGE</c> before it is filled (its first touches fault in
/// 2 MiB pages) and <c>MADV_COLLAPSE</c> after (Linux 6.1 and later: whatever was already on small pages is collapsed
/// now; quick when nothing is). Arrays on the large object heap are not moved by default; if one ever is, the new copy
/// simply goes without the hint. Memory the hint covers returns to the GC like any other when the array dies.
/// </remarks>
internal static partial class LargePages
{
    /// <summary>Arrays smaller than this (bytes) are not worth a system call: their pages fit the TLB anyway.</summary>
    public const long MinimumBytes = 8L << 20;

    private const long HugePageBytes = 2L << 20;
    private const int MadvHugePage = 14;
    private const int MadvCollapse = 25;

    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>
    /// Advises a freshly allocated array's memory before it is filled, so the pages it faults in are 2 MiB ones from the
    /// start (nothing to copy later); returns whether the kernel took the advice.
    /// </summary>
    public static bool Prepare<T>(T[] array) => Advise(array, MadvHugePage);

    /// <summary>
    /// Collapses whatever of the array still sits on small pages (pages touched before <see cref="Prepare"/>, or faulted
    /// in when no huge page was free); quick when the array is on 2 MiB pages already. Returns whether the kernel accepted.
    /// </summary>
    public static bool Collapse<T>(T[] array) => Advise(array, MadvCollapse);

    private static unsafe bool Advise<T>(T[] array, int advice)
    {
        long bytes = (long)array.Length * Unsafe.SizeOf<T>();
        if (s_unavailable || bytes < MinimumBytes)
        {
            return false;
        }

        fixed (byte* first = &Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(array)))
        {
            long start = ((long)first + HugePageBytes - 1) & ~(HugePageBytes - 1);
            long end = ((long)first + bytes) & ~(HugePageBytes - 1);
            if (end <= start)
            {
                return false;
            }

            try
            {
                return madvise((nint)start, (nuint)(end - start), advice) == 0;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_unavailable = true;
                return false;
            }
        }
    }

    [LibraryImport("libc")]
    private static partial int madvise(nint address, nuint length, int advice);
}
