namespace Ipsec.Packets;

/// <summary>Where <see cref="AhEspBundle"/> left the packet it produced, and the sequence numbers of both SAs.</summary>
public readonly struct AhEspBundleResult
{
    internal AhEspBundleResult(int offset, int length, ulong ahSequenceNumber, ulong espSequenceNumber)
    {
        Offset = offset;
        Length = length;
        AhSequenceNumber = ahSequenceNumber;
        EspSequenceNumber = espSequenceNumber;
    }

    /// <summary>The offset of the resulting packet in the buffer.</summary>
    public int Offset { get; }

    /// <summary>The resulting packet's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The AH sequence number used or received.</summary>
    public ulong AhSequenceNumber { get; }

    /// <summary>The ESP sequence number used or received.</summary>
    public ulong EspSequenceNumber { get; }
}
