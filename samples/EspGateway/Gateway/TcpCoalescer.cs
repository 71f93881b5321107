using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EspGateway.Linux;
using Ipsec.Packets.Wire;

namespace EspGateway.Gateway;

/// <summary>
/// GRO for the TUN device: consecutive decrypted IPv4 TCP segments of one flow (same addresses, ports, header bytes
/// but for the sequence number, lengths and checksums; in sequence; equal payload sizes but the last) are joined into one
/// packet written with a virtio_net_hdr announcing TCP GSO, so the kernel takes up to 64 KB in one write and one trip
/// through its receive path, as from a NIC doing GRO. Anything else is written as it is. Buffers live outside the GC heap.
/// </summary>
internal sealed unsafe class TcpCoalescer : IDisposable
{
    private const int MaxSegments = 44;
    private const int MaxLength = 65535 - 256;
    private const int BufferLength = VirtioNetHeader.Length + 65536;

    private readonly int _tun;
    private readonly WorkerCounters _counters;
    private readonly byte* _buffer;
    private int _length; // bytes of the packet being built, after the virtio header
    private int _headerLength;
    private int _segmentSize;
    private int _segments;
    private uint _nextSequence;
    private bool _closed;

    public TcpCoalescer(int tun, WorkerCounters counters)
    {
        _tun = tun;
        _counters = counters;
        _buffer = (byte*)NativeMemory.AlignedAlloc(BufferLength, 64);
    }

    /// <summary>Adds a decrypted inner packet (with <see cref="VirtioNetHeader.Length"/> writable bytes before it).</summary>
    public void Add(byte* packet, int length)
    {
        int headerLength = CoalescibleHeaderLength(packet, length);
        if (headerLength == 0)
        {
            Flush();
            WritePlain(packet, length);
            return;
        }

        int payload = length - headerLength;
        if (_segments > 0 && !_closed && CanAppend(packet, headerLength, payload))
        {
            Buffer.MemoryCopy(packet + headerLength, _buffer + VirtioNetHeader.Length + _length, BufferLength - VirtioNetHeader.Length - _length, payload);
            _length += payload;
            _segments++;
            _nextSequence += (uint)payload;
            byte flags = packet[20 + 13];
            if (payload < _segmentSize || (flags & 0x08) != 0)
            {
                _buffer[VirtioNetHeader.Length + 20 + 13] |= (byte)(flags & 0x08);
                _closed = true;
            }

            return;
        }

        Flush();
        Buffer.MemoryCopy(packet, _buffer + VirtioNetHeader.Length, BufferLength - VirtioNetHeader.Length, length);
        _length = length;
        _headerLength = headerLength;
        _segmentSize = payload;
        _segments = 1;
        _nextSequence = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(packet + 20 + 4, 4)) + (uint)payload;
        _closed = (packet[20 + 13] & 0x08) != 0;
    }

    /// <summary>Writes the packet being built, if any.</summary>
    public void Flush()
    {
        if (_segments == 0)
        {
            return;
        }

        byte* packet = _buffer + VirtioNetHeader.Length;
        var header = (VirtioNetHeader*)_buffer;
        *header = default;
        if (_segments == 1)
        {
            header->Flags = VirtioNetHeader.FlagDataValid;
        }
        else
        {
            var ip = new Span<byte>(packet, 20);
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)_length);
            ip[10] = 0;
            ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~InternetChecksum.Accumulate(ip));

            // CHECKSUM_PARTIAL: the TCP checksum field holds the pseudo-header sum; the kernel completes each segment's.
            uint sum = InternetChecksum.Accumulate(ip.Slice(12, 8));
            sum = InternetChecksum.Add((ushort)6, sum);
            sum = InternetChecksum.Add((ushort)(_length - 20), sum);
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(packet + 20 + 16, 2), (ushort)sum);
            header->Flags = VirtioNetHeader.FlagNeedsChecksum;
            header->GsoType = VirtioNetHeader.GsoTcpV4;
            header->HeaderLength = (ushort)_headerLength;
            header->GsoSize = (ushort)_segmentSize;
            header->ChecksumStart = 20;
            header->ChecksumOffset = 16;
            _counters.TunCoalescedWrites++;
        }

        if (Native.Write(_tun, _buffer, (nuint)(_length + VirtioNetHeader.Length)) < 0)
        {
            _counters.TunWriteErrors++;
        }
        else
        {
            _counters.TunPacketsWritten++;
        }

        _segments = 0;
        _length = 0;
    }

    /// <summary>Writes one packet as it is (checksums vouched for by the ESP ICV: DATA_VALID).</summary>
    public void WritePlain(byte* packet, int length)
    {
        byte* start = packet - VirtioNetHeader.Length;
        var header = (VirtioNetHeader*)start;
        *header = default;
        header->Flags = VirtioNetHeader.FlagDataValid;
        if (Native.Write(_tun, start, (nuint)(length + VirtioNetHeader.Length)) < 0)
        {
            _counters.TunWriteErrors++;
            return;
        }

        _counters.TunPacketsWritten++;
    }

    /// <summary>IP plus TCP header length of a packet that may be coalesced (IPv4 without options or fragmentation, its
    /// total length the packet's, TCP with only ACK or ACK+PSH, with payload); 0 for anything else.</summary>
    private static int CoalescibleHeaderLength(byte* packet, int length)
    {
        // The IP total length must be the packet's (no TFC padding after it), or padding would join the stream.
        if (length < 40 || packet[0] != 0x45 || packet[9] != 6 || (BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(packet + 6, 2)) & 0x3FFF) != 0 ||
            BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(packet + 2, 2)) != length)
        {
            return 0;
        }

        byte flags = packet[20 + 13];
        int tcpHeaderLength = (packet[20 + 12] >> 4) * 4;
        if ((flags & ~0x08) != 0x10 || tcpHeaderLength < 20 || 20 + tcpHeaderLength >= length)
        {
            return 0;
        }

        return 20 + tcpHeaderLength;
    }

    private bool CanAppend(byte* packet, int headerLength, int payload)
    {
        if (headerLength != _headerLength || payload > _segmentSize || _segments >= MaxSegments || _length + payload > MaxLength)
        {
            return false;
        }

        byte* first = _buffer + VirtioNetHeader.Length;

        // Same TOS, DF, TTL, protocol and addresses; same ports, ack, window and options; the next sequence number.
        if (packet[1] != first[1] || packet[6] != first[6] || packet[8] != first[8] ||
            *(ulong*)(packet + 12) != *(ulong*)(first + 12) || *(uint*)(packet + 20) != *(uint*)(first + 20) ||
            *(uint*)(packet + 20 + 8) != *(uint*)(first + 20 + 8) || *(ushort*)(packet + 20 + 14) != *(ushort*)(first + 20 + 14) ||
            BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(packet + 20 + 4, 4)) != _nextSequence)
        {
            return false;
        }

        return new ReadOnlySpan<byte>(packet + 40, headerLength - 40).SequenceEqual(new ReadOnlySpan<byte>(first + 40, headerLength - 40));
    }

    public void Dispose() => NativeMemory.AlignedFree(_buffer);
}
