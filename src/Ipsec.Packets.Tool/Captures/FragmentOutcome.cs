namespace Ipsec.Packets.Tool.Captures;

/// <summary>What <see cref="FragmentReassembler.Add"/> did with a packet.</summary>
internal enum FragmentOutcome
{
    /// <summary>Not a fragment: use the packet as it is.</summary>
    NotFragment,

    /// <summary>A fragment, kept until its datagram is complete.</summary>
    Held,

    /// <summary>The fragment completed its datagram, which is returned as one unfragmented packet.</summary>
    Reassembled,

    /// <summary>A fragment that was dropped (malformed, duplicate, overlapping, too large, of a discarded datagram); counted.</summary>
    Dropped,
}
