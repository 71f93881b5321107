using System;
using System.Buffers.Binary;
using System.IO;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>
/// Writes a pcap file (little-endian, version 2.4) with the raw-IP link type (101): each record keeps the timestamp it
/// is given, in microseconds or, when the input had finer timestamps, nanoseconds (the nanosecond pcap magic). The file
/// header goes out with the first record (or at <see cref="Finish"/>), so the resolution can follow the input, which is
/// read only once.
/// </summary>
internal sealed class PcapWriter : IDisposable
{
    private const uint MagicMicroseconds = 0xA1B2C3D4;
    private const uint MagicNanoseconds = 0xA1B23C4D;
    private const int SnapLength = 262144;

    private readonly Stream _stream;
    private readonly byte[] _header = new byte[24];
    private bool _nanoseconds;
    private bool _headerWritten;

    /// <summary>A writer whose resolution is set by <see cref="UseFineTimestamps"/> before the first record (microseconds otherwise).</summary>
    public PcapWriter(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>A writer with the resolution fixed now.</summary>
    public PcapWriter(Stream stream, bool nanoseconds)
        : this(stream)
    {
        _nanoseconds = nanoseconds;
        WriteHeader();
    }

    /// <summary>The number of records written.</summary>
    public long Count { get; private set; }

    /// <summary>Chooses nanosecond timestamps (for an input with timestamps finer than microseconds); ignored once the header is out.</summary>
    public void UseFineTimestamps(bool nanoseconds)
    {
        if (!_headerWritten)
        {
            _nanoseconds = nanoseconds;
        }
    }

    /// <summary>Writes the file header if no record did, and flushes.</summary>
    public void Finish()
    {
        WriteHeader();
        _stream.Flush();
    }

    private void WriteHeader()
    {
        if (_headerWritten)
        {
            return;
        }

        _headerWritten = true;
        Span<byte> header = _header;
        BinaryPrimitives.WriteUInt32LittleEndian(header, _nanoseconds ? MagicNanoseconds : MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkType.Raw);
        _stream.Write(header);
    }

    /// <summary>Appends one IP packet.</summary>
    public void Write(long seconds, uint nanoseconds, ReadOnlySpan<byte> packet)
    {
        WriteHeader();
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
