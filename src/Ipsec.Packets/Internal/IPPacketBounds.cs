using System;
using System.Runtime.CompilerServices;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Internal;

/// <summary>Finds an IP packet's own length from its header (shared by the ESP and AH packet paths).</summary>
internal static class IPPacketBounds
{
    /// <summary>Reads the IPv4 Total Length or 40 + IPv6 Payload Length and checks that it fits <paramref name="bytes"/>.</summary>
    /// <returns>False with <see cref="IpsecStatus.Truncated"/> or <see cref="IpsecStatus.Malformed"/> in <paramref name="status"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryMeasure(ReadOnlySpan<byte> bytes, out int packetLength, out IpsecStatus status)
    {
        packetLength = 0;
        status = IpsecStatus.Success;
        if (bytes.IsEmpty)
        {
            status = IpsecStatus.Truncated;
            return false;
        }

        switch (bytes[0] >> 4)
        {
            case 4:
                if (!IPv4Packet.TryCreate(bytes, out IPv4Packet v4))
                {
                    status = bytes.Length < IPv4Header.MinLength ? IpsecStatus.Truncated : IpsecStatus.Malformed;
                    return false;
                }

                packetLength = v4.TotalLength;
                return true;
            case 6:
                if (!IPv6Packet.TryCreate(bytes, out IPv6Packet v6))
                {
                    status = bytes.Length < IPv6Header.Length ? IpsecStatus.Truncated : IpsecStatus.Malformed;
                    return false;
                }

                packetLength = IPv6Header.Length + v6.PayloadLength;
                return true;
            default:
                status = IpsecStatus.Malformed;
                return false;
        }
    }
}
