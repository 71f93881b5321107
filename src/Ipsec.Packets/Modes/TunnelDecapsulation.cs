using System;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Modes;

/// <summary>
/// Checks a tunnel-mode inner packet after its ICV verified and works out its ECN field by RFC 6040 (normal mode),
/// without touching it; <see cref="Apply"/> then writes the ECN once the packet is accepted. Shared by ESP and AH.
/// </summary>
internal static class TunnelDecapsulation
{
    /// <summary>Validates the inner packet (IPv4 or IPv6, its length the whole rest, IPv4 checksum) and the ECN combination.</summary>
    /// <returns><see cref="IpsecStatus.Success"/>, <see cref="IpsecStatus.Malformed"/>, <see cref="IpsecStatus.UnsupportedProtocol"/> or <see cref="IpsecStatus.EcnDrop"/>.</returns>
    public static IpsecStatus Check(ReadOnlySpan<byte> inner, byte nextHeader, byte outerEcn, out byte ecn)
    {
        ecn = 0;
        byte innerEcn;
        if (nextHeader == (byte)IPProtocol.IPv4)
        {
            if (!IPv4Packet.TryCreate(inner, out IPv4Packet packet) || packet.TotalLength != inner.Length || !packet.IsChecksumValid)
            {
                return IpsecStatus.Malformed;
            }

            innerEcn = packet.Ecn;
        }
        else if (nextHeader == (byte)IPProtocol.IPv6)
        {
            if (!IPv6Packet.TryCreate(inner, out IPv6Packet packet) || IPv6Header.Length + packet.PayloadLength != inner.Length)
            {
                return IpsecStatus.Malformed;
            }

            innerEcn = packet.Ecn;
        }
        else
        {
            return IpsecStatus.UnsupportedProtocol;
        }

        return EcnTunneling.TryDecapsulate(innerEcn, outerEcn, out ecn) ? IpsecStatus.Success : IpsecStatus.EcnDrop;
    }

    /// <summary>
    /// Writes the ECN field worked out by <see cref="Check"/>: IPv4 only when it changes (with an incremental checksum
    /// update), IPv6 always (no checksum; writing the same value leaves the packet as it was).
    /// </summary>
    public static void Apply(Span<byte> inner, byte ecn)
    {
        // The version is the high nibble of the first byte.
        if ((inner[IPv4Header.Field.VersionIhl] & 0xF0) == 0x40)
        {
            if ((inner[IPv4Header.Field.Tos] & 3) != ecn)
            {
                IPv4HeaderEditor.SetEcn(inner, ecn);
            }
        }
        else
        {
            IPv6HeaderEditor.SetEcn(inner, ecn);
        }
    }
}
