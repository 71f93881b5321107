using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tool.Captures;

namespace Ipsec.Packets.Fuzz.Seeds;

/// <summary>Small capture files for the pcap seeds: classic pcap in either byte order and pcapng with several block types.</summary>
internal static class CaptureFiles
{
    /// <summary>A pcap file with the tool's own writer (raw IP, little-endian).</summary>
    public static byte[] RawPcap(IReadOnlyList<byte[]> packets, bool nanoseconds)
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, nanoseconds))
        {
            for (int i = 0; i < packets.Count; i++)
            {
                writer.Write(1_700_000_000 + i, (uint)(i * 1001), packets[i]);
            }
        }

        return stream.ToArray();
    }

    /// <summary>A big-endian microsecond pcap with Ethernet frames, the second one VLAN-tagged.</summary>
    public static byte[] EthernetPcapBigEndian(IReadOnlyList<byte[]> packets)
    {
        var w = new Writer(bigEndian: true);
        w.U32(0xA1B2C3D4);
        w.U16(2);
        w.U16(4);
        w.U32(0);
        w.U32(0);
        w.U32(65535);
        w.U32(LinkType.Ethernet);
        for (int i = 0; i < packets.Count; i++)
        {
            byte[] frame = Ethernet(packets[i], vlan: i % 2 == 1);
            w.U32((uint)(1_700_000_000 + i));
            w.U32((uint)(i * 10));
            w.U32((uint)frame.Length);
            w.U32((uint)frame.Length);
            w.Bytes(frame);
        }

        return w.ToArray();
    }

    /// <summary>
    /// A pcapng section: SHB, an Ethernet IDB with nanosecond resolution, a raw-IP IDB, a name resolution block to skip,
    /// then enhanced packet blocks alternating between the interfaces and one simple packet block.
    /// </summary>
    public static byte[] Pcapng(IReadOnlyList<byte[]> packets, bool bigEndian)
    {
        var w = new Writer(bigEndian);
        w.U32(0x0A0D0D0A);
        w.U32(28);
        w.U32(0x1A2B3C4D);
        w.U16(1);
        w.U16(0);
        w.U64(ulong.MaxValue);
        w.U32(28);

        // IDB 0: Ethernet, if_tsresol 9 (nanoseconds), if_tsoffset.
        w.U32(1);
        w.U32(20 + 8 + 12 + 4);
        w.U16(LinkType.Ethernet);
        w.U16(0);
        w.U32(0);
        w.U16(9);
        w.U16(1);
        w.Bytes([9, 0, 0, 0]);
        w.U16(14);
        w.U16(8);
        w.U64(100);
        w.U32(0);
        w.U32(20 + 8 + 12 + 4);

        // IDB 1: raw IP, default microseconds.
        w.U32(1);
        w.U32(20);
        w.U16(LinkType.Raw);
        w.U16(0);
        w.U32(0);
        w.U32(20);

        // A name resolution block the reader skips.
        w.U32(4);
        w.U32(16);
        w.U32(0);
        w.U32(16);

        for (int i = 0; i < packets.Count; i++)
        {
            byte[] frame = i % 2 == 0 ? Ethernet(packets[i], vlan: false) : packets[i];
            int padded = (frame.Length + 3) & ~3;
            w.U32(6);
            w.U32((uint)(32 + padded));
            w.U32((uint)(i % 2));
            w.U32(0x0006_0000);
            w.U32((uint)(i * 1000));
            w.U32((uint)frame.Length);
            w.U32((uint)frame.Length);
            w.Bytes(frame);
            w.Bytes(new byte[padded - frame.Length]);
            w.U32((uint)(32 + padded));
        }

        byte[] simple = Ethernet(packets[0], vlan: true);
        int simplePadded = (simple.Length + 3) & ~3;
        w.U32(3);
        w.U32((uint)(16 + simplePadded));
        w.U32((uint)simple.Length);
        w.Bytes(simple);
        w.Bytes(new byte[simplePadded - simple.Length]);
        w.U32((uint)(16 + simplePadded));
        return w.ToArray();
    }

    private static byte[] Ethernet(byte[] packet, bool vlan)
    {
        int header = vlan ? 18 : 14;
        var frame = new byte[header + packet.Length];
        frame.AsSpan(0, 12).Fill(0x02);
        int position = 12;
        if (vlan)
        {
            frame[position++] = 0x81;
            frame[position++] = 0x00;
            frame[position++] = 0x00;
            frame[position++] = 0x07;
        }

        bool v6 = packet[0] >> 4 == 6;
        frame[position++] = v6 ? (byte)0x86 : (byte)0x08;
        frame[position] = v6 ? (byte)0xDD : (byte)0x00;
        packet.CopyTo(frame, header);
        return frame;
    }

    private sealed class Writer(bool bigEndian)
    {
        private readonly MemoryStream _stream = new();

        public void U16(int value)
        {
            Span<byte> bytes = stackalloc byte[2];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
            }

            _stream.Write(bytes);
        }

        public void U32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            }

            _stream.Write(bytes);
        }

        public void U32(int value) => U32((uint)value);

        public void U64(ulong value)
        {
            Span<byte> bytes = stackalloc byte[8];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            }

            _stream.Write(bytes);
        }

        public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public byte[] ToArray() => _stream.ToArray();
    }
}
