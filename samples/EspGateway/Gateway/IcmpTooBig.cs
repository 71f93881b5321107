using System;
using System.Buffers.Binary;
using Ipsec.Packets.Wire;

namespace EspGateway.Gateway;

/// <summary>
/// Builds the reply to an inner packet too big for the tunnel (RFC 4301 §8.2): ICMPv4 "fragmentation needed" (type 3,
/// code 4, RFC 1191) or ICMPv6 "packet too big" (type 2, RFC 8201), carrying the inner MTU and quoting the packet.
/// </summary>
internal static class IcmpTooBig
{
    private const int MaximumIPv4Reply = 576;
    private const int MaximumIPv6Reply = 1280;

    /// <summary>Writes the reply into <paramref name="destination"/>; returns its length, or 0 when none is due
    /// (not an IP packet, or an ICMP error itself).</summary>
    public static int Write(ReadOnlySpan<byte> packet, int mtu, ReadOnlySpan<byte> sourceV4, ReadOnlySpan<byte> sourceV6, Span<byte> destination)
    {
        if (packet.Length >= 20 && packet[0] >> 4 == 4)
        {
            int headerLength = (packet[0] & 0xF) * 4;
            if (headerLength < 20 || packet.Length < headerLength + 8 || IsIcmpError(packet[9], packet[headerLength], v6: false))
            {
                return 0;
            }

            int quote = Math.Min(packet.Length, MaximumIPv4Reply - 28);
            int total = 28 + quote;
            Span<byte> ip = destination[..total];
            ip.Clear();
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
            ip[8] = 64;
            ip[9] = 1;
            (sourceV4.Length == 4 ? sourceV4 : packet.Slice(16, 4)).CopyTo(ip[12..]);
            packet.Slice(12, 4).CopyTo(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~InternetChecksum.Accumulate(ip[..20]));
            Span<byte> icmp = ip[20..];
            icmp[0] = 3;
            icmp[1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)mtu);
            packet[..quote].CopyTo(icmp[8..]);
            BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], (ushort)~InternetChecksum.Accumulate(icmp));
            return total;
        }

        if (packet.Length >= 48 && packet[0] >> 4 == 6)
        {
            if (IsIcmpError(packet[6], packet[40], v6: true))
            {
                return 0;
            }

            int quote = Math.Min(packet.Length, MaximumIPv6Reply - 48);
            int total = 48 + quote;
            Span<byte> ip = destination[..total];
            ip.Clear();
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(total - 40));
            ip[6] = 58;
            ip[7] = 64;
            (sourceV6.Length == 16 ? sourceV6 : packet.Slice(24, 16)).CopyTo(ip[8..]);
            packet.Slice(8, 16).CopyTo(ip[24..]);
            Span<byte> icmp = ip[40..];
            icmp[0] = 2;
            BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (uint)Math.Max(mtu, 1280));
            packet[..quote].CopyTo(icmp[8..]);
            uint sum = InternetChecksum.Accumulate(ip.Slice(8, 32));
            sum = InternetChecksum.Add((uint)(total - 40), sum);
            sum = InternetChecksum.Add((ushort)58, sum);
            sum = InternetChecksum.Accumulate(icmp, sum);
            BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], (ushort)~sum);
            return total;
        }

        return 0;
    }

    private static bool IsIcmpError(byte protocol, byte type, bool v6) =>
        v6 ? protocol == 58 && type < 128 : protocol == 1 && type is 3 or 4 or 5 or 11 or 12;
}
