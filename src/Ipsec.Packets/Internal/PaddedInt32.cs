using System.Runtime.InteropServices;

namespace Ipsec.Packets.Internal;

/// <summary>
/// An <see cref="int"/> written on every packet, alone on its cache line: it sits 64 bytes from either end of its
/// object, so no neighbour on the heap (the same field of another SA included) shares the line and two threads on two
/// SAs never contend for it.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal sealed class PaddedInt32
{
    /// <summary>The value; use <see cref="System.Threading.Interlocked"/> and <see cref="System.Threading.Volatile"/> on it.</summary>
    [FieldOffset(64)]
    public int Value;
}
