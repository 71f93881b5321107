using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Wire;

/// <summary>UDP encapsulation of ESP for NAT traversal (RFC 3948).</summary>
public static class UdpEncapsulation
{
    /// <summary>The IKE NAT-T port that also carries UDP-encapsulated ESP.</summary>
    public const int Port = 4500;

    /// <summary>The length of the Non-ESP Marker that precedes IKE messages on port 4500, in bytes.</summary>
    public const int NonEspMarkerLength = 4;

    /// <summary>The NAT-keepalive payload byte.</summary>
    public const byte NatKeepaliveByte = 0xFF;

    /// <summary>The least an ESP packet carries: SPI and sequence number, in bytes.</summary>
    public const int MinEspLength = 8;

    /// <summary>Tells ESP from IKE from a NAT-keepalive in the payload of a datagram received on the NAT-T port.</summary>
    /// <param name="udpPayload">The UDP data (after the 8-byte UDP header).</param>
    /// <returns>
    /// <see cref="UdpEncapsulatedKind.NatKeepalive"/> for the single byte 0xFF; <see cref="UdpEncapsulatedKind.IkeNonEspMarker"/>
    /// when the first four bytes are zero (the IKE header itself is the IKE layer's to check);
    /// <see cref="UdpEncapsulatedKind.Esp"/> for a non-zero SPI with at least 8 bytes; otherwise
    /// <see cref="UdpEncapsulatedKind.Malformed"/>.
    /// </returns>
    public static UdpEncapsulatedKind Classify(ReadOnlySpan<byte> udpPayload)
    {
        if (udpPayload.Length < NonEspMarkerLength)
        {
            return udpPayload.Length == 1 && udpPayload[0] == NatKeepaliveByte ? UdpEncapsulatedKind.NatKeepalive : UdpEncapsulatedKind.Malformed;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(udpPayload) == 0)
        {
            return UdpEncapsulatedKind.IkeNonEspMarker;
        }

        return udpPayload.Length >= MinEspLength ? UdpEncapsulatedKind.Esp : UdpEncapsulatedKind.Malformed;
    }
}
