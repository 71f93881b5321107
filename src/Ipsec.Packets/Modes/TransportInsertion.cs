using System;
using System.Buffers.Binary;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Modes;

/// <summary>
/// Where ESP or AH goes in a transport-mode packet: after the IPv4 header, or after the IPv6 header and the extension
/// headers that precede a security header (RFC 4303 §3.1.1, RFC 4302 §3.1.1). Fragments cannot be protected in transport
/// mode. Shared by ESP and AH.
/// </summary>
internal static class TransportInsertion
{
    /// <returns><see cref="IpsecStatus.Success"/>, <see cref="IpsecStatus.Malformed"/> (a bad extension-header chain) or <see cref="IpsecStatus.Fragment"/>.</returns>
    public static IpsecStatus TryFind(
        ReadOnlySpan<byte> packet, IPv6DestinationOptionsPlacement placement, out int prefixLength, out int nextHeaderField)
    {
        prefixLength = 0;
        nextHeaderField = 0;
        if (packet[0] >> 4 == 6)
        {
            if (!IPv6InsertionPoint.TryFind(packet, out IPv6InsertionPoint point, placement))
            {
                return IpsecStatus.Malformed;
            }

            var walker = new IPv6ExtensionHeaderWalker(packet);
            while (walker.TryNext(out IPv6ExtensionHeader header) && header.Offset < point.Offset)
            {
                if (header.Type == IPProtocol.Fragment)
                {
                    return IpsecStatus.Fragment;
                }
            }

            prefixLength = point.Offset;
            nextHeaderField = point.NextHeaderFieldOffset;
            return IpsecStatus.Success;
        }

        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Header.Field.FlagsFragmentOffset..]);
        if ((fragment & (IPv4Header.MoreFragmentsFlag | IPv4Header.FragmentOffsetMask)) != 0)
        {
            return IpsecStatus.Fragment;
        }

        prefixLength = (packet[0] & 0x0F) * 4;
        nextHeaderField = IPv4Header.Field.Protocol;
        return IpsecStatus.Success;
    }
}
