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
            status = bytes.IsEmpty || bytes[0] >> 4 is IPv4Header.Version or IPv6Header.Version ? IpsecStatus.Truncated : IpsecStatus.Malformed;
            return false;
        }

        // At least 20 bytes from here: the fixed-offset reads below stay inside them. Each reads only its own field, so a
        // header just written by the caller is forwarded from its stores.
        ref byte header = ref MemoryMarshal.GetReference(bytes);
        int versionIhl = header;
        int length;
        if (versionIhl >> 4 == IPv4Header.Version)
        {
            int headerLength = (versionIhl & 0xF) * 4;
            length = ReadUInt16BigEndian(ref header, IPv4Header.Field.TotalLength);
            if (headerLength < IPv4Header.MinLength || length < headerLength)
            {
                status = IpsecStatus.Malformed;
                return false;
            }
        }
        else if (versionIhl >> 4 == IPv6Header.Version)
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadUInt16BigEndian(ref byte header, int offset)
    {
        ushort value = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref header, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }
}
