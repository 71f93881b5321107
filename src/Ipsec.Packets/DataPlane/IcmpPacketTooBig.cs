using System;
using System.Buffers.Binary;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// The ICMP replies a gateway sends back for an inner packet too large for its SA (RFC 4301 §8.2 and §8.3): ICMPv4
/// "fragmentation needed" (type 3 code 4 with the next-hop MTU, RFC 792 and RFC 1191) and ICMPv6 "packet too big"
/// (type 2, RFC 4443 §3.2), written as whole IP packets into the caller's buffer, ready for the TUN device.
/// </summary>
/// <remarks>
/// No reply is made where the RFCs forbid one (RFC 1812 §4.3.2.7, RFC 4443 §2.4 e): about an ICMP error, a non-first
/// fragment, or a packet from an unspecified, broadcast, multicast or loopback source; over IPv4 also about a packet
/// without DF (the sender allows fragmentation: fragment it instead) or sent to a broadcast or multicast address.
/// </remarks>
public static class IcmpPacketTooBig
{
    /// <summary>The longest ICMPv4 reply: a 20-byte IP header, 8 bytes of ICMP, and the original header (up to 60 bytes) and 8 data bytes.</summary>
    public const int MaximumIPv4ReplyLength = IPv4Header.MinLength + 8 + 60 + 8;

    /// <summary>The longest ICMPv6 reply: the IPv6 minimum MTU (RFC 4443 §2.4 c).</summary>
    public const int MaximumIPv6ReplyLength = 1280;

    private const int IcmpHeaderLength = 8;
    private const byte IcmpProtocol = 1;
    private const byte Icmpv6Protocol = 58;
    private const byte InternetControlTos = 0xC0;
    private const byte ReplyHopLimit = 64;

    /// <summary>
    /// Writes an ICMPv4 "fragmentation needed and DF set" reply to <paramref name="originalPacket"/>'s sender: an IPv4
    /// packet from <paramref name="source"/>, type 3 code 4, the next-hop MTU, the original IP header and its first 8 data bytes.
    /// </summary>
    /// <param name="originalPacket">The oversize IPv4 packet (at least its header and first 8 data bytes).</param>
    /// <param name="nextHopMtu">The MTU to announce, in bytes: the inner MTU of the SA (68 to 65535).</param>
    /// <param name="source">The gateway's own address on the inner side, the reply's source.</param>
    /// <param name="destination">Where the reply goes; <see cref="MaximumIPv4ReplyLength"/> bytes are always enough.</param>
    /// <param name="bytesWritten">The reply's length, or 0.</param>
    /// <returns>
    /// False, with nothing written, when no reply is due: the packet is not a well-formed IPv4 packet, DF is clear, it is
    /// a non-first fragment or an ICMP error, or its source or destination rules a reply out (see the remarks).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nextHopMtu"/> is below 68 or above 65535.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the reply.</exception>
    public static bool TryWriteIPv4(ReadOnlySpan<byte> originalPacket, int nextHopMtu, IPv4Address source, Span<byte> destination, out int bytesWritten)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nextHopMtu, 68);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nextHopMtu, ushort.MaxValue);
        bytesWritten = 0;
        if (originalPacket.Length < IPv4Header.MinLength || originalPacket[0] >> 4 != 4)
        {
            return false;
        }

        int headerLength = (originalPacket[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(originalPacket[IPv4Header.Field.TotalLength..]);
        if (headerLength < IPv4Header.MinLength || totalLength < headerLength || originalPacket.Length < headerLength)
        {
            return false;
        }

        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(originalPacket[IPv4Header.Field.FlagsFragmentOffset..]);
        if ((fragment & IPv4Header.DontFragmentFlag) == 0 || (fragment & IPv4Header.FragmentOffsetMask) != 0)
        {
            return false;
        }

        uint originalSource = BinaryPrimitives.ReadUInt32BigEndian(originalPacket[IPv4Header.Field.Source..]);
        uint originalDestination = BinaryPrimitives.ReadUInt32BigEndian(originalPacket[IPv4Header.Field.Destination..]);
        if (!IsUnicastIPv4(originalSource) || !IsUnicastIPv4(originalDestination))
        {
            return false;
        }

        int quoted = Math.Min(headerLength + 8, Math.Min(totalLength, originalPacket.Length));
        if (originalPacket[IPv4Header.Field.Protocol] == IcmpProtocol && !IsIcmpv4Query(originalPacket, headerLength, quoted))
        {
            return false;
        }

        int length = IPv4Header.MinLength + IcmpHeaderLength + quoted;
        if (destination.Length < length)
        {
            throw new ArgumentException($"destination: the reply needs {length} bytes; got {destination.Length}.", nameof(destination));
        }

        Span<byte> reply = destination[..length];
        reply[0] = 0x45;
        reply[IPv4Header.Field.Tos] = InternetControlTos;
        BinaryPrimitives.WriteUInt16BigEndian(reply[IPv4Header.Field.TotalLength..], (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(reply[IPv4Header.Field.Identification..], 0); // identification, flags, offset
        reply[IPv4Header.Field.TimeToLive] = ReplyHopLimit;
        reply[IPv4Header.Field.Protocol] = IcmpProtocol;
        BinaryPrimitives.WriteUInt16BigEndian(reply[IPv4Header.Field.HeaderChecksum..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(reply[IPv4Header.Field.Source..], source.Value);
        BinaryPrimitives.WriteUInt32BigEndian(reply[IPv4Header.Field.Destination..], originalSource);
        BinaryPrimitives.WriteUInt16BigEndian(reply[IPv4Header.Field.HeaderChecksum..], InternetChecksum.Compute(reply[..IPv4Header.MinLength]));

        Span<byte> icmp = reply[IPv4Header.MinLength..];
        icmp[0] = 3; // destination unreachable
        icmp[1] = 4; // fragmentation needed and DF set
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)nextHopMtu);
        originalPacket[..quoted].CopyTo(icmp[IcmpHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        bytesWritten = length;
        return true;
    }

    /// <summary>
    /// Writes an ICMPv6 "packet too big" reply to <paramref name="originalPacket"/>'s sender: an IPv6 packet from
    /// <paramref name="source"/>, type 2 code 0, the MTU, and as much of the original packet as fits in 1280 bytes.
    /// </summary>
    /// <param name="originalPacket">The oversize IPv6 packet (or as much of it as the caller holds).</param>
    /// <param name="mtu">The MTU to announce, in bytes: the inner MTU of the SA (at least 1280, the IPv6 minimum).</param>
    /// <param name="source">The gateway's own address on the inner side, the reply's source.</param>
    /// <param name="destination">Where the reply goes; <see cref="MaximumIPv6ReplyLength"/> bytes are always enough.</param>
    /// <param name="bytesWritten">The reply's length, or 0.</param>
    /// <returns>
    /// False, with nothing written, when no reply is due: the packet is not a well-formed IPv6 packet, it is a non-first
    /// fragment or an ICMPv6 error, or its source is unspecified, multicast or loopback.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mtu"/> is below 1280.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the reply.</exception>
    public static bool TryWriteIPv6(ReadOnlySpan<byte> originalPacket, int mtu, IPv6Address source, Span<byte> destination, out int bytesWritten)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, MaximumIPv6ReplyLength);
        bytesWritten = 0;
        if (originalPacket.Length < IPv6Header.Length || originalPacket[0] >> 4 != 6)
        {
            return false;
        }

        int packetLength = Math.Min(originalPacket.Length, IPv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(originalPacket[IPv6Header.Field.PayloadLength..]));
        ReadOnlySpan<byte> packet = originalPacket[..packetLength];
        var originalSource = new IPv6Address(
            BinaryPrimitives.ReadUInt64BigEndian(packet[IPv6Header.Field.Source..]), BinaryPrimitives.ReadUInt64BigEndian(packet[(IPv6Header.Field.Source + 8)..]));
        bool loopback = originalSource.Upper == 0 && originalSource.Lower == 1;
        if (originalSource.Equals(IPv6Address.Any) || loopback || originalSource.Upper >> 56 == 0xFF)
        {
            return false;
        }

        var walker = new IPv6ExtensionHeaderWalker(packet);
        while (walker.TryNext(out _))
        {
        }

        if (walker.IsNonFirstFragment)
        {
            return false;
        }

        if (walker.Status == IPv6ExtensionHeaderWalkStatus.Complete && walker.UpperLayerProtocol == (IPProtocol)Icmpv6Protocol)
        {
            int icmpOffset = walker.UpperLayerOffset;
            if (icmpOffset >= packet.Length || packet[icmpOffset] < 128)
            {
                return false; // an ICMPv6 error message (types 0 to 127), or one too short to tell
            }
        }

        int quoted = Math.Min(packet.Length, MaximumIPv6ReplyLength - IPv6Header.Length - IcmpHeaderLength);
        int length = IPv6Header.Length + IcmpHeaderLength + quoted;
        if (destination.Length < length)
        {
            throw new ArgumentException($"destination: the reply needs {length} bytes; got {destination.Length}.", nameof(destination));
        }

        Span<byte> reply = destination[..length];
        BinaryPrimitives.WriteUInt32BigEndian(reply, 6u << 28);
        BinaryPrimitives.WriteUInt16BigEndian(reply[IPv6Header.Field.PayloadLength..], (ushort)(length - IPv6Header.Length));
        reply[IPv6Header.Field.NextHeader] = Icmpv6Protocol;
        reply[IPv6Header.Field.HopLimit] = ReplyHopLimit;
        source.WriteTo(reply[IPv6Header.Field.Source..]);
        originalSource.WriteTo(reply[IPv6Header.Field.Destination..]);

        Span<byte> icmp = reply[IPv6Header.Length..];
        icmp[0] = 2; // packet too big
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (uint)mtu);
        packet[..quoted].CopyTo(icmp[IcmpHeaderLength..]);

        // RFC 4443 §2.3: the checksum covers the IPv6 pseudo-header (RFC 8200 §8.1) and the ICMPv6 message.
        uint sum = InternetChecksum.Accumulate(reply.Slice(IPv6Header.Field.Source, 32));
        sum = InternetChecksum.Add((uint)icmp.Length, sum);
        sum = InternetChecksum.Add((uint)Icmpv6Protocol, sum);
        sum = InternetChecksum.Accumulate(icmp, sum);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Finish(sum));
        bytesWritten = length;
        return true;
    }

    /// <summary>Neither 0.0.0.0/8, loopback 127/8, multicast 224/4, reserved 240/4, nor the limited broadcast.</summary>
    private static bool IsUnicastIPv4(uint address) => address >> 24 is not (0 or 127) && address >> 28 < 0xE;

    /// <summary>An ICMP query (echo, timestamp, ...) rather than an error: errors never get an error back (RFC 1812 §4.3.2.7).</summary>
    private static bool IsIcmpv4Query(ReadOnlySpan<byte> packet, int headerLength, int quoted) =>
        quoted > headerLength && packet[headerLength] is 0 or 8 or 9 or 10 or 13 or 14 or 15 or 16 or 17 or 18;
}
