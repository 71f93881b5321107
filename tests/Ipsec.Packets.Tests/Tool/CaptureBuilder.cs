using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>Writes pcap and pcapng files byte by byte from the format descriptions, independently of the tool's reader.</summary>
public static class CaptureBuilder
{
    public readonly record struct Frame(long Seconds, uint Nanoseconds, byte[] Bytes);

    public static byte[] Pcap(IReadOnlyList<Frame> frames, int linkType, bool nanoseconds = false, bool bigEndian = false)
    {
        var stream = new MemoryStream();
        var w = new Writer(stream, bigEndian);
        w.U32(nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u);
        w.U16(2);
        w.U16(4);
        w.U32(0);
        w.U32(0);
        w.U32(262144);
        w.U32((uint)linkType);
        foreach (Frame frame in frames)
        {
            w.U32((uint)frame.Seconds);
            w.U32(nanoseconds ? frame.Nanoseconds : frame.Nanoseconds / 1000);
            w.U32((uint)frame.Bytes.Length);
            w.U32((uint)frame.Bytes.Length);
            stream.Write(frame.Bytes);
        }

        return stream.ToArray();
    }

    /// <summary>pcapng: one section, the interfaces given (link type, tsresol byte or null), EPBs on the given interfaces; SPB when interface is -1.</summary>
    public static byte[] Pcapng(IReadOnlyList<(int LinkType, byte? TsResol)> interfaces, IReadOnlyList<(int Interface, Frame Frame)> packets, bool bigEndian = false)
    {
        var stream = new MemoryStream();
        var w = new Writer(stream, bigEndian);
        // SHB with one comment option to exercise option skipping.
        byte[] comment = "made by hand"u8.ToArray();
        int shbLength = 28 + 4 + Pad(comment.Length) + 4;
        w.U32(0x0A0D0D0A);
        w.U32((uint)shbLength);
        w.U32(0x1A2B3C4D);
        w.U16(1);
        w.U16(0);
        w.U64(ulong.MaxValue);
        w.U16(1);
        w.U16((ushort)comment.Length);
        stream.Write(comment);
        stream.Write(new byte[Pad(comment.Length) - comment.Length]);
        w.U32(0);
        w.U32((uint)shbLength);
        foreach ((int linkType, byte? tsresol) in interfaces)
        {
            int length = 20 + (tsresol is null ? 0 : 8 + 4);
            w.U32(1);
            w.U32((uint)length);
            w.U16((ushort)linkType);
            w.U16(0);
            w.U32(0);
            if (tsresol is byte resolution)
            {
                w.U16(9);
                w.U16(1);
                stream.Write([resolution, 0, 0, 0]);
                w.U32(0);
            }

            w.U32((uint)length);
        }

        // A name resolution block the reader must skip.
        w.U32(4);
        w.U32(16);
        w.U32(0);
        w.U32(16);
        foreach ((int index, Frame frame) in packets)
        {
            if (index < 0)
            {
                int length = 16 + Pad(frame.Bytes.Length);
                w.U32(3);
                w.U32((uint)length);
                w.U32((uint)frame.Bytes.Length);
                stream.Write(frame.Bytes);
                stream.Write(new byte[Pad(frame.Bytes.Length) - frame.Bytes.Length]);
                w.U32((uint)length);
                continue;
            }

            byte? resol = interfaces[index].TsResol;
            ulong units = resol switch
            {
                null => (ulong)frame.Seconds * 1_000_000 + frame.Nanoseconds / 1000,
                9 => (ulong)frame.Seconds * 1_000_000_000 + frame.Nanoseconds,
                0x80 | 30 => ((ulong)frame.Seconds << 30) + (ulong)((UInt128)frame.Nanoseconds * (1UL << 30) / 1_000_000_000),
                _ => throw new ArgumentException("resolution not supported by the builder"),
            };
            int blockLength = 32 + Pad(frame.Bytes.Length);
            w.U32(6);
            w.U32((uint)blockLength);
            w.U32((uint)index);
            w.U32((uint)(units >> 32));
            w.U32((uint)units);
            w.U32((uint)frame.Bytes.Length);
            w.U32((uint)frame.Bytes.Length);
            stream.Write(frame.Bytes);
            stream.Write(new byte[Pad(frame.Bytes.Length) - frame.Bytes.Length]);
            w.U32((uint)blockLength);
        }

        return stream.ToArray();
    }

    /// <summary>An IPv4/UDP packet with a valid header checksum (computed here, RFC 1071) and a zero UDP checksum.</summary>
    public static byte[] IPv4Udp(string source, string destination, ushort sourcePort, ushort destinationPort, byte[] payload)
    {
        byte[] packet = new byte[28 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0x1234);
        packet[8] = 64;
        packet[9] = 17;
        System.Net.IPAddress.Parse(source).GetAddressBytes().CopyTo(packet, 12);
        System.Net.IPAddress.Parse(destination).GetAddressBytes().CopyTo(packet, 16);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += (uint)(packet[i] << 8 | packet[i + 1]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet, 28);
        return packet;
    }

    /// <summary>An IPv6/UDP packet with its UDP checksum computed here over the pseudo-header.</summary>
    public static byte[] IPv6Udp(string source, string destination, ushort sourcePort, ushort destinationPort, byte[] payload)
    {
        byte[] packet = new byte[48 + payload.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payload.Length));
        packet[6] = 17;
        packet[7] = 64;
        System.Net.IPAddress.Parse(source).GetAddressBytes().CopyTo(packet, 8);
        System.Net.IPAddress.Parse(destination).GetAddressBytes().CopyTo(packet, 24);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(40), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(42), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(44), (ushort)(8 + payload.Length));
        payload.CopyTo(packet, 48);
        uint sum = 17u + (uint)(8 + payload.Length);
        for (int i = 8; i < 40; i += 2)
        {
            sum += (uint)(packet[i] << 8 | packet[i + 1]);
        }

        for (int i = 40; i < packet.Length; i += 2)
        {
            sum += (uint)(packet[i] << 8 | (i + 1 < packet.Length ? packet[i + 1] : 0));
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        ushort checksum = (ushort)~sum;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(46), checksum == 0 ? (ushort)0xFFFF : checksum);
        return packet;
    }

    /// <summary>Wraps an IP packet in the given link type's header (the IP version picks the EtherType / family).</summary>
    public static byte[] Link(int linkType, byte[] ip)
    {
        bool v6 = ip[0] >> 4 == 6;
        ushort etherType = v6 ? (ushort)0x86DD : (ushort)0x0800;
        byte[] header;
        switch (linkType)
        {
            case 1:
                // Ethernet with two VLAN tags (802.1ad outer, 802.1Q inner).
                header = new byte[22];
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(12), 0x88A8);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), 100);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(16), 0x8100);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(18), 200);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(20), etherType);
                break;
            case 113:
                header = new byte[16];
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(0), 0);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), etherType);
                break;
            case 276:
                header = new byte[20];
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(0), etherType);
                break;
            case 0:
                header = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(header, v6 ? 30u : 2u);
                break;
            default:
                header = [];
                break;
        }

        byte[] frame = new byte[header.Length + ip.Length];
        header.CopyTo(frame, 0);
        ip.CopyTo(frame, header.Length);
        return frame;
    }

    private static int Pad(int length) => (length + 3) & ~3;

    private sealed class Writer(Stream stream, bool bigEndian)
    {
        public void U16(ushort value)
        {
            Span<byte> b = stackalloc byte[2];
            if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value); else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
            stream.Write(b);
        }

        public void U32(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value); else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            stream.Write(b);
        }

        public void U64(ulong value)
        {
            Span<byte> b = stackalloc byte[8];
            if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, value); else BinaryPrimitives.WriteUInt64LittleEndian(b, value);
            stream.Write(b);
        }
    }
}
