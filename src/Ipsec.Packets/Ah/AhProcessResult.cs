namespace Ipsec.Packets;

/// <summary>Where <see cref="AhSecurityAssociation"/> left the packet it produced in the caller's buffer.</summary>
public readonly struct AhProcessResult
{
    internal AhProcessResult(int offset, int length, ulong sequenceNumber)
    {
        Offset = offset;
        Length = length;
        SequenceNumber = sequenceNumber;
    }

    /// <summary>The offset of the resulting packet in the buffer.</summary>
    public int Offset { get; }

    /// <summary>The resulting packet's length in bytes; with <see cref="IpsecStatus.MtuExceeded"/>, the length the packet would have had.</summary>
    public int Length { get; }

    /// <summary>The AH sequence number used or received (64-bit with ESN).</summary>
    public ulong SequenceNumber { get; }
}
