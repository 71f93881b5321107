using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ipsec.Packets.Crypto;

/// <summary>Byte masks for partial blocks held in registers.</summary>
internal static class VectorMasks
{
    /// <summary>0xFF in the first <paramref name="count"/> (0..16) bytes, 0 in the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> FirstBytes(int count) =>
        Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector128.Create((byte)count));
}
