using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>Finds the IP packet inside a frame of any supported link type.</summary>
internal static class LinkLayer
{
    private const ushort EtherTypeIPv4 = 0x0800;
    private const ushort EtherTypeIPv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort EtherTypeQinQLegacy = 0x9100;
    private const int EthernetHeaderLength = 14;
    private const int VlanTagLength = 4;
    private const int SllHeaderLength = 16;
    private const int Sll2HeaderLength = 20;
    private const int NullHeaderLength = 4;

    /// <summary>Whether the tool understands the link type at all.</summary>
    public static bool IsSupported(int linkType) => linkType is LinkType.Null or LinkType.Ethernet or LinkType.RawBsd or LinkType.RawOpenBsd
        or LinkType.Raw or LinkType.Loop or LinkType.LinuxSll or LinkType.IPv4 or LinkType.IPv6 or LinkType.LinuxSll2;

    /// <summary>Finds where the IP packet starts in the frame.</summary>
    /// <returns><see langword="false"/> when the frame carries something other than IPv4 or IPv6, is too short for its link header, or the link type is unknown.</returns>
    public static bool TryLocateIP(int linkType, ReadOnlySpan<byte> frame, out int offset)
    {
        offset = 0;
        ushort etherType;
        switch (linkType)
        {
            case LinkType.Raw:
            case LinkType.RawBsd:
            case LinkType.RawOpenBsd:
                return frame.Length > 0 && frame[0] >> 4 is 4 or 6;
            case LinkType.IPv4:
                return frame.Length > 0 && frame[0] >> 4 == 4;
            case LinkType.IPv6:
                return frame.Length > 0 && frame[0] >> 4 == 6;
            case LinkType.Ethernet:
                if (frame.Length < EthernetHeaderLength)
                {
                    return false;
                }

                int position = 12;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[position..]);
                while (etherType is EtherTypeVlan or EtherTypeQinQ or EtherTypeQinQLegacy)
                {
                    position += VlanTagLength;
                    if (frame.Length < position + 2)
                    {
                        return false;
                    }

                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[position..]);
                }

                offset = position + 2;
                break;
            case LinkType.LinuxSll:
                if (frame.Length < SllHeaderLength)
                {
                    return false;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                offset = SllHeaderLength;
                break;
            case LinkType.LinuxSll2:
                if (frame.Length < Sll2HeaderLength)
                {
                    return false;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                offset = Sll2HeaderLength;
                break;
            case LinkType.Null:
            case LinkType.Loop:
                if (frame.Length < NullHeaderLength)
                {
                    return false;
                }

                // The family is in the capturing host's byte order (Null) or network order (Loop): accept either.
                uint family = BinaryPrimitives.ReadUInt32LittleEndian(frame);
                if (family > 0xFFFF)
                {
                    family = BinaryPrimitives.ReadUInt32BigEndian(frame);
                }

                etherType = family switch
                {
                    2 => EtherTypeIPv4,
                    10 or 24 or 28 or 30 => EtherTypeIPv6,
                    _ => 0,
                };
                offset = NullHeaderLength;
                break;
            default:
                return false;
        }

        if (frame.Length <= offset)
        {
            return false;
        }

        int version = frame[offset] >> 4;
        return (etherType == EtherTypeIPv4 && version == 4) || (etherType == EtherTypeIPv6 && version == 6);
    }
}
