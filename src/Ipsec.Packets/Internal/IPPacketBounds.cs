using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        if (bytes.Length < IPv4Header.MinLength)
        {
            // Shorter than any IPv4 or IPv6 header: cut short if it says it is IP, otherwise not IP at all.
            status = bytes.IsEmpty || Version(bytes[0]) is IPv4Header.Version or IPv6Header.Version ? IpsecStatus.Truncated : IpsecStatus.Malformed;
            return false;
        }

        // At least 20 bytes from here: the fixed-offset reads below stay inside them. Each reads only its own field, so a
        // header just written by the caller is forwarded from its stores.
        ref byte header = ref MemoryMarshal.GetReference(bytes);
        int version = Version(header);
        int length;
        if (version == IPv4Header.Version)
        {
            int headerLength = (header & 0xF) * 4;
            length = ReadUInt16BigEndian(ref header, IPv4Header.Field.TotalLength);
            if (headerLength < IPv4Header.MinLength || length < headerLength)
            {
                status = IpsecStatus.Malformed;
                return false;
            }
        }
        else if (version == IPv6Header.Version)
        {
            if (bytes.Length < IPv6Header.Length)
            {
                status = IpsecStatus.Truncated;
                return false;
            }

            length = IPv6Header.Length + ReadUInt16BigEndian(ref header, IPv6Header.Field.PayloadLength);
        }
        else
        {
            status = IpsecStatus.Malformed;
            return false;
        }

        if (length > bytes.Length)
        {
            status = IpsecStatus.Malformed;
            return false;
        }

        packetLength = length;
        status = IpsecStatus.Success;
        return true;
    }

    /// <summary>The IP version: the high four bits of the first byte.</summary>
    private static int Version(byte first) => first >> 4;

    /// <summary>The big-endian 16-bit field at <paramref name="offset"/> (within the 20 bytes checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadUInt16BigEndian(ref byte header, int offset) =>
        BinaryPrimitives.ReadUInt16BigEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref header, offset), sizeof(ushort)));
}
