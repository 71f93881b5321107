using System;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>The bounds of <see cref="FragmentReassembler"/>: memory is at most <see cref="MaximumDatagramsInFlight"/> buffers of 66 KiB.</summary>
internal sealed record FragmentReassemblyLimits
{
    /// <summary>The largest IP datagram, in bytes: the IPv4 total length, or the IPv6 payload length, fits 16 bits.</summary>
    public const int MaximumDatagramLength = 65535;

    /// <summary>Datagrams being reassembled at once; a new one beyond this evicts the oldest (counted).</summary>
    public int MaximumDatagramsInFlight { get; init; } = 64;

    /// <summary>Fragments per datagram; more discards the datagram (counted). 64 covers a 64 KiB datagram on a 1,280-byte link.</summary>
    public int MaximumFragmentsPerDatagram { get; init; } = 64;

    /// <summary>How long, in capture time from its first fragment, an IPv4 datagram may stay incomplete (Linux's ipfrag_time is 30 s).</summary>
    public TimeSpan IPv4Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long, in capture time from its first fragment, an IPv6 datagram may stay incomplete (RFC 8200 §4.5: 60 s).</summary>
    public TimeSpan IPv6Timeout { get; init; } = TimeSpan.FromSeconds(60);
}
