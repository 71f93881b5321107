using System;
using System.Buffers.Binary;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Modes;

/// <summary>Where ESP sits in an arriving IP packet.</summary>
internal readonly record struct EspLocation(int PacketLength, bool IsIPv6, int NextHeaderField, int UdpOffset, int EspOffset);

/// <summary>
/// Finds ESP in an arriving IP packet, raw (protocol 50) or in UDP on the given port (RFC 3948), for both the per-SA
/// <see cref="EspProcessor"/> and the database-driven <see cref="IpsecPacketProcessor"/>: checks the IP length fields,
/// the IPv4 header checksum and the IPv6 extension-header chain, reports fragments, and keeps IKE and keepalives apart.
/// </summary>
internal static class EspLocator
{
    /// <summary>Finds ESP; in UDP only when <paramref name="udpEncapsulation"/> and either port is one of <paramref name="udpPorts"/>.</summary>
    public static IpsecStatus TryLocate(ReadOnlySpan<byte> bytes, bool udpEncapsulation, ReadOnlySpan<ushort> udpPorts, out EspLocation location)
    {
        location = default;
        if (!IPPacketBounds.TryMeasure(bytes, out int packetLength, out IpsecStatus status))
        {
            return status;
        }

        ReadOnlySpan<byte> packet = bytes[..packetLength];
        bool isIPv6 = packet[0] >> 4 == 6;
        int offset;
        int nextHeaderField;
        if (!isIPv6)
        {
            if (!InternetChecksum.IsValid(packet[..((packet[0] & 0x0F) * 4)]))
            {
                return IpsecStatus.Malformed;
            }

            ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Header.Field.FlagsFragmentOffset..]);
            if ((fragment & (IPv4Header.MoreFragmentsFlag | IPv4Header.FragmentOffsetMask)) != 0)
            {
                return IpsecStatus.Fragment;
            }

            offset = (packet[0] & 0x0F) * 4;
            nextHeaderField = IPv4Header.Field.Protocol;
        }
        else
        {
            var walker = new IPv6ExtensionHeaderWalker(packet);
            while (walker.TryNext(out IPv6ExtensionHeader header))
            {
                if (header.Type == IPProtocol.Fragment)
                {
                    return IpsecStatus.Fragment;
                }
            }

            if (walker.Status != IPv6ExtensionHeaderWalkStatus.Complete)
            {
                return IpsecStatus.Malformed;
            }

            offset = walker.UpperLayerOffset;
            nextHeaderField = walker.UpperLayerNextHeaderFieldOffset;
        }

        byte protocol = packet[nextHeaderField];
        int udpOffset = -1;
        if (protocol == (byte)IPProtocol.Udp && udpEncapsulation)
        {
            if (packet.Length < offset + UdpHeader.HeaderLength)
            {
                return IpsecStatus.Truncated;
            }

            ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            ushort udpLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 4)..]);
            if (!udpPorts.Contains(destinationPort) && !udpPorts.Contains(sourcePort))
            {
                return IpsecStatus.NotIpsec;
            }

            if (udpLength != packet.Length - offset)
            {
                return IpsecStatus.Malformed;
            }

            if (UdpEncapsulation.Classify(packet[(offset + UdpHeader.HeaderLength)..]) != UdpEncapsulatedKind.Esp)
            {
                return IpsecStatus.NotIpsec;
            }

            udpOffset = offset;
            offset += UdpHeader.HeaderLength;
        }
        else if (protocol != (byte)IPProtocol.Esp)
        {
            return IpsecStatus.NotIpsec;
        }

        if (packet.Length < offset + EspHeader.Length)
        {
            return IpsecStatus.Truncated;
        }

        location = new EspLocation(packetLength, isIPv6, nextHeaderField, udpOffset, offset);
        return IpsecStatus.Success;
    }
}
