using System.Runtime.InteropServices;

namespace Ipsec.Packets.Sad;

/// <summary>
/// The fields of a <see cref="SecurityAssociationHandle"/> written on every packet (bytes, packets, lease references),
/// alone on their cache line: they sit 64 bytes from either end of the object, so two threads working on two SAs whose
/// handles were allocated side by side never contend for a line.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 152)]
internal sealed class SecurityAssociationUsage
{
    /// <summary>Bytes accounted to the SA.</summary>
    [FieldOffset(64)]
    public long Bytes;

    /// <summary>Packets accounted to the SA.</summary>
    [FieldOffset(72)]
    public long Packets;

    /// <summary>The database's reference plus one per lease.</summary>
    [FieldOffset(80)]
    public int References = 1;
}
