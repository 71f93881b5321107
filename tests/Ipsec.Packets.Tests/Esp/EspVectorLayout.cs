using System;
using Ipsec.Packets.Tests.Vectors;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>
/// Test-side reading of an ESP vector, written independently of the library's codecs: where ESP starts in the protected
/// packet, and which bytes of the plaintext packet are the ESP payload.
/// </summary>
public sealed class EspVectorLayout
{
    public required byte[] Esp { get; init; }

    public required byte[] Payload { get; init; }

    public required byte NextHeader { get; init; }

    public required Vector Vector { get; init; }

    public static EspVectorLayout From(Vector v)
    {
        byte[] protectedPacket = v.Hex("protected_packet_hex");
        byte[] plaintext = v.Hex("plaintext_packet_hex");
        byte nextHeader = (byte)v.Int("esp_next_header");
        if (v.Str("protected_layer") == "esp")
        {
            return new EspVectorLayout { Esp = protectedPacket, Payload = plaintext, NextHeader = nextHeader, Vector = v };
        }

        int espOffset = FindEsp(protectedPacket, out int ipHeaderLength);
        byte[] payload = v.Str("mode") == "tunnel" ? plaintext : plaintext[ipHeaderLength..];
        if (protectedPacket[0] >> 4 == 4 && v.Str("mode") != "tunnel")
        {
            int total = (plaintext[2] << 8) | plaintext[3];
            payload = plaintext[ipHeaderLength..total];
        }

        return new EspVectorLayout { Esp = protectedPacket[espOffset..], Payload = payload, NextHeader = nextHeader, Vector = v };
    }

    /// <summary>Returns the offset of the SPI, and the length of the IP header (with the extension headers that precede ESP).</summary>
    private static int FindEsp(byte[] packet, out int ipHeaderLength)
    {
        int offset;
        int protocol;
        if (packet[0] >> 4 == 4)
        {
            offset = (packet[0] & 0x0F) * 4;
            protocol = packet[9];
        }
        else
        {
            offset = 40;
            protocol = packet[6];
            while (protocol is 0 or 43 or 44 or 60)
            {
                int length = protocol == 44 ? 8 : (packet[offset + 1] + 1) * 8;
                protocol = packet[offset];
                offset += length;
            }
        }

        ipHeaderLength = offset;
        if (protocol == 17)
        {
            return offset + 8; // NAT-T: UDP header, then ESP
        }

        if (protocol != 50)
        {
            throw new InvalidOperationException("no ESP in the vector");
        }

        return offset;
    }
}
