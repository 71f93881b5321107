namespace Ipsec.Packets;

/// <summary>Where <see cref="EspProcessor"/> left the packet it produced in the caller's buffer, and what it learned.</summary>
public readonly struct EspProcessResult
{
    internal EspProcessResult(int offset, int length, ulong sequenceNumber, bool transportChecksumUnverified, int innerMtu = 0)
    {
        InnerMtu = innerMtu;
        Offset = offset;
        Length = length;
        SequenceNumber = sequenceNumber;
        TransportChecksumUnverified = transportChecksumUnverified;
    }

    /// <summary>The offset of the resulting packet in the buffer.</summary>
    public int Offset { get; }

    /// <summary>The resulting packet's length in bytes; with <see cref="IpsecStatus.MtuExceeded"/>, the length the packet would have had.</summary>
    public int Length { get; }

    /// <summary>
    /// With <see cref="IpsecStatus.MtuExceeded"/>: the largest inner packet that fits the path MTU, in bytes, to announce in an
    /// ICMP "fragmentation needed" / "packet too big" reply (see <see cref="IcmpPacketTooBig"/>); 0 otherwise.
    /// </summary>
    public int InnerMtu { get; }

    /// <summary>The ESP sequence number used or received (64-bit with ESN).</summary>
    public ulong SequenceNumber { get; }

    /// <summary>
    /// Transport mode through NAT without the original addresses: the inner TCP/UDP checksum still covers the pre-NAT
    /// addresses and was not corrected (RFC 3948 §3.1.2); the caller must not rely on it.
    /// </summary>
    public bool TransportChecksumUnverified { get; }
}
