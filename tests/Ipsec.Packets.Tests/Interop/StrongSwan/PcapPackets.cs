using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// The IP packets of a classic pcap file as tcpdump and the tool write it (Ethernet or raw IP link types), read here
/// independently of the tool's own capture reader so the comparison does not trust the code under test.
/// </summary>
public static class PcapPackets
{
    private const int LinkTypeEthernet = 1;
    private const int LinkTypeRaw = 101;
    private const int LinkTypeIPv4 = 228;

    public static List<byte[]> Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 24)
        {
            throw new InvalidDataException($"{path}: not a pcap file ({file.Length} bytes)");
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        bool little = magic is 0xA1B2C3D4 or 0xA1B23C4D;
        if (!little && BinaryPrimitives.ReadUInt32BigEndian(file) is not (0xA1B2C3D4 or 0xA1B23C4D))
        {
            throw new InvalidDataException($"{path}: not a classic pcap file");
        }

        int linkType = (int)(Read32(file, 20, little) & 0xFFFF);
        var packets = new List<byte[]>();
        int offset = 24;
        while (offset + 16 <= file.Length)
        {
            int captured = (int)Read32(file, offset + 8, little);
            int original = (int)Read32(file, offset + 12, little);
            offset += 16;
            if (captured != original || offset + captured > file.Length)
            {
                throw new InvalidDataException($"{path}: truncated record at {offset}");
            }

            ReadOnlySpan<byte> frame = file.AsSpan(offset, captured);
            offset += captured;
            switch (linkType)
            {
                case LinkTypeEthernet:
                    ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                    if (etherType is 0x0800 or 0x86DD)
                    {
                        packets.Add(frame[14..].ToArray());
                    }

                    break;
                case LinkTypeRaw:
                case LinkTypeIPv4:
                    packets.Add(frame.ToArray());
                    break;
                default:
                    throw new InvalidDataException($"{path}: link type {linkType} not handled");
            }
        }

        return packets;
    }

    private static uint Read32(byte[] file, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset)) : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
}
