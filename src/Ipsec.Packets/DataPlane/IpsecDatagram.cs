namespace Ipsec.Packets;

/// <summary>
/// One packet of the socket-level path, as a descriptor over a caller-owned buffer: where the packet lies, the outer
/// addressing a socket sends it with or received it with, and the outcome. Spans of descriptors over one buffer feed a
/// <c>sendmmsg</c>/<c>recvmmsg</c> loop without copying (for instance fixed-size slots in one large buffer, one
/// descriptor per slot).
/// </summary>
/// <remarks>
/// <para>Protect (inbound to the tunnel, from the TUN device): set <see cref="Offset"/> and <see cref="Length"/> to the inner
/// IP packet, with <see cref="EspProcessor.DatagramHeadroom"/> bytes free before it and <see cref="EspProcessor.DatagramTailroom"/>
/// after it. On success they describe the datagram payload (ESP, SPI to ICV) to send to <see cref="RemoteEndpoint"/> from
/// <see cref="LocalEndpoint"/> with the outer TOS / traffic class <see cref="TrafficClass"/>.</para>
/// <para>Unprotect (from the socket): set <see cref="Offset"/> and <see cref="Length"/> to the received payload (the UDP
/// payload, or for raw ESP the bytes from the SPI on: a raw IPv4 socket delivers the IP header too, which the descriptor
/// skips), <see cref="LocalEndpoint"/> to the address and port it arrived on,
/// <see cref="RemoteEndpoint"/> to its source, and <see cref="TrafficClass"/> to the received outer TOS / traffic class
/// (<c>IP_RECVTOS</c> / <c>IPV6_RECVTCLASS</c>; 0 when unknown). On success they describe the inner IP packet.</para>
/// <para>The library writes <see cref="Status"/> on every descriptor it handles; on failure <see cref="Offset"/> and
/// <see cref="Length"/> are left as they were, and any plaintext written was cleared.</para>
/// </remarks>
public struct IpsecDatagram
{
    /// <summary>
    /// The most headroom any ESP SA needs before an inner packet on the socket path, in bytes: SPI, sequence number and the
    /// longest IV (16, AES-CBC). Slots laid out with it fit every SA; <see cref="EspProcessor.DatagramHeadroom"/> is exact.
    /// </summary>
    public const int MaximumHeadroom = 8 + 16;

    /// <summary>
    /// The most tailroom any ESP SA needs after an inner packet on the socket path, in bytes, TFC padding aside: padding to a
    /// 16-byte block, pad length, next header and the longest ICV (32, HMAC-SHA-512-256).
    /// </summary>
    public const int MaximumTailroom = 15 + 2 + 32;

    /// <summary>Describes a received datagram payload for unprotect.</summary>
    /// <param name="offset">Where the payload starts in the buffer.</param>
    /// <param name="length">The payload length in bytes.</param>
    /// <param name="localEndpoint">The local address and port it arrived on (port 0 for raw ESP).</param>
    /// <param name="remoteEndpoint">The address and port it came from (port 0 for raw ESP).</param>
    /// <param name="trafficClass">The received outer TOS (IPv4) or traffic class (IPv6) byte: DSCP and ECN.</param>
    /// <returns>The descriptor, with <see cref="Status"/> not yet set.</returns>
    public static IpsecDatagram Received(int offset, int length, IpsecEndpoint localEndpoint, IpsecEndpoint remoteEndpoint, byte trafficClass) =>
        new() { Offset = offset, Length = length, LocalEndpoint = localEndpoint, RemoteEndpoint = remoteEndpoint, TrafficClass = trafficClass };

    /// <summary>Describes an inner IP packet for protect.</summary>
    /// <param name="offset">Where the inner packet starts in the buffer.</param>
    /// <param name="length">The bytes available for it; the IP length fields decide its size.</param>
    /// <returns>The descriptor, with <see cref="Status"/> not yet set.</returns>
    public static IpsecDatagram Outgoing(int offset, int length) => new() { Offset = offset, Length = length };

    /// <summary>Where the packet starts in the buffer: input, and output on success.</summary>
    public int Offset { get; set; }

    /// <summary>The packet length in bytes: input, and output on success.</summary>
    public int Length { get; set; }

    /// <summary>Protect: the source to send from (output). Unprotect: where the datagram arrived (input).</summary>
    public IpsecEndpoint LocalEndpoint { get; set; }

    /// <summary>Protect: the peer to send to (output). Unprotect: the datagram's source (input).</summary>
    public IpsecEndpoint RemoteEndpoint { get; set; }

    /// <summary>
    /// The outer TOS (IPv4) or traffic class (IPv6) byte: DSCP in the high six bits, ECN in the low two. Protect: to set
    /// on the datagram (output; RFC 6040 normal mode, DSCP copied when configured). Unprotect: as received (input).
    /// </summary>
    public byte TrafficClass { get; set; }

    /// <summary>The DSCP of <see cref="TrafficClass"/> (its high six bits).</summary>
    public readonly byte Dscp => (byte)(TrafficClass >> 2);

    /// <summary>The ECN field of <see cref="TrafficClass"/> (its low two bits): 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE.</summary>
    public readonly byte Ecn => (byte)(TrafficClass & 3);

    /// <summary>The outcome (output).</summary>
    public IpsecStatus Status { get; set; }

    /// <summary>The SPI of the SA that processed the packet (output; 0 when none did).</summary>
    public uint Spi { get; set; }

    /// <summary>The ESP sequence number used or received (output; 64-bit with ESN).</summary>
    public ulong SequenceNumber { get; set; }

    /// <summary>
    /// With <see cref="IpsecStatus.MtuExceeded"/> (output): the largest inner packet that fits the path MTU, in bytes,
    /// for an ICMP "fragmentation needed" / "packet too big" reply (see <see cref="IcmpPacketTooBig"/>).
    /// </summary>
    public int InnerMtu { get; set; }
}
