using System;
using System.Buffers.Binary;
using System.Net;
using Ipsec.Packets.Tests.Ah;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>Small sample packets and byte helpers shared by the adversarial tests.</summary>
internal static class SamplePackets
{
    /// <summary>The payload length of every sample packet, in bytes.</summary>
    public const int PayloadLength = 40;

    /// <summary>Random bytes from a fixed seed.</summary>
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>An IPv4/UDP packet (20 + 8 + <see cref="PayloadLength"/> bytes) from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static byte[] IPv4Udp(string source = "192.0.2.1", string destination = "198.51.100.2", int seed = 1)
    {
        byte[] packet = AhTestPackets.IPv4(payloadLength: PayloadLength, seed: seed);
        IPAddress.Parse(source).GetAddressBytes().CopyTo(packet, 12);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(packet, 16);
        AhTestPackets.FixIPv4Checksum(packet);
        return packet;
    }

    /// <summary>An IPv6/UDP packet (40 + 8 + <see cref="PayloadLength"/> bytes) between the AH test addresses.</summary>
    public static byte[] IPv6Udp(int seed = 2) => AhTestPackets.IPv6(payloadLength: PayloadLength, seed: seed);

    /// <summary>The UDP payload of a sample packet: the bytes that must never appear in an output after a refusal.</summary>
    public static ReadOnlySpan<byte> SecretOf(byte[] ipPacket) => ipPacket.AsSpan(ipPacket.Length - PayloadLength);

    /// <summary>True when <paramref name="haystack"/> holds the first 16 bytes of <paramref name="secret"/> anywhere.</summary>
    public static bool Contains(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> secret) => haystack.IndexOf(secret[..16]) >= 0;

    /// <summary>
    /// Rewrites the length fields of the IP packet at the start of <paramref name="packet"/> (IPv4 total length and
    /// checksum, or IPv6 payload length, and the UDP length of ESP in UDP right after a 20- or 40-byte header) to
    /// <paramref name="length"/>, as far as those fields are inside it.
    /// </summary>
    public static void FixLengths(Span<byte> packet, int length, bool udp)
    {
        if (packet.IsEmpty)
        {
            return;
        }

        int headerLength;
        if (packet[0] >> 4 == 4)
        {
            headerLength = 20;
            if (packet.Length >= 4)
            {
                BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)length);
            }

            if (packet.Length >= 20)
            {
                AhTestPackets.FixIPv4Checksum(packet);
            }
        }
        else
        {
            headerLength = 40;
            if (packet.Length >= 6)
            {
                BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)Math.Max(0, length - 40));
            }
        }

        if (udp && packet.Length >= headerLength + 6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[(headerLength + 4)..], (ushort)(length - headerLength));
        }
    }
}
