using System;
using System.Buffers.Binary;
using System.IO;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>
/// Writes a pcap file (little-endian, version 2.4) with the raw-IP link type (101): each record keeps the timestamp it
/// is given, in microseconds or, when the input had finer timestamps, nanoseconds (the nanosecond pcap magic).
/// </summary>
internal sealed class PcapWriter : IDisposable
{
    private const uint MagicMicroseconds = 0xA1B2C3D4;
    private const uint MagicNanoseconds = 0xA1B23C4D;
    private const int SnapLength = 262144;

    private readonly Stream _stream;
    private readonly bool _nanoseconds;
    private readonly byte[] _header = new byte[24];

    public PcapWriter(Stream stream, bool nanoseconds)
    {
        _stream = stream;
        _nanoseconds = nanoseconds;
        Span<byte> header = _header;
        BinaryPrimitives.WriteUInt32LittleEndian(header, nanoseconds ? MagicNanoseconds : MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkType.Raw);
        _stream.Write(header);
    }

    /// <summary>The number of records written.</summary>
    public long Count { get; private set; }

    /// <summary>Appends one IP packet.</summary>
    public void Write(long seconds, uint nanoseconds, ReadOnlySpan<byte> packet)
    {
        Span<byte> header = _header.AsSpan(0, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], _nanoseconds ? nanoseconds : nanoseconds / 1000);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], packet.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], packet.Length);
        _stream.Write(header);
        _stream.Write(packet);
        Count++;
    }

    public void Dispose() => _stream.Flush();
}
