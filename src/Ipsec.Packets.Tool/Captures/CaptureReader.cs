using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>
/// Reads pcap (microsecond or nanosecond timestamps, either byte order) and pcapng (SHB, IDB, EPB, SPB; either byte
/// order per section; per-interface link type, timestamp resolution and offset) as a stream through a
/// <see cref="PipeReader"/>: records are parsed where they lie in the pipe's buffers with a <see cref="SequenceReader{T}"/>,
/// and only a record split across two buffers is copied (into one reused scratch array). Memory stays flat for any file size.
/// </summary>
internal sealed class CaptureReader
{
    /// <summary>The largest record the reader accepts, in bytes; anything larger is treated as corruption.</summary>
    public const int MaximumRecordLength = 16 * 1024 * 1024;

    private const uint PcapMagicMicroseconds = 0xA1B2C3D4;
    private const uint PcapMagicNanoseconds = 0xA1B23C4D;
    private const int PcapFileHeaderLength = 24;
    private const int PcapRecordHeaderLength = 16;
    private const uint PcapngSectionHeader = 0x0A0D0D0A;
    private const uint PcapngByteOrderMagic = 0x1A2B3C4D;
    private const uint PcapngInterfaceDescription = 1;
    private const uint PcapngObsoletePacket = 2;
    private const uint PcapngSimplePacket = 3;
    private const uint PcapngEnhancedPacket = 6;
    private const int PcapngBlockOverhead = 12;
    private const ushort OptionEnd = 0;
    private const ushort OptionTimestampResolution = 9;
    private const ushort OptionTimestampOffset = 14;

    private readonly string _file;
    private readonly ICaptureSink _sink;
    private readonly List<Interface> _interfaces = [];
    private byte[] _scratch = new byte[64 * 1024];
    private Format _format;
    private bool _bigEndian;
    private bool _nanoseconds;
    private int _pcapLinkType;
    private long _records;
    private long _position;

    private CaptureReader(string file, ICaptureSink sink)
    {
        _file = file;
        _sink = sink;
    }

    private enum Format
    {
        Unknown,
        Pcap,
        Pcapng,
    }

    /// <summary>Whether the capture's timestamps are finer than microseconds (nanosecond pcap, or any pcapng).</summary>
    public bool HasFineTimestamps => _format == Format.Pcapng || _nanoseconds;

    /// <summary>Reads the whole capture, handing every frame to <paramref name="sink"/> in file order.</summary>
    /// <exception cref="CaptureFormatException">The file is not a capture, or a record is corrupt or truncated.</exception>
    public static async Task<long> ReadAsync(Stream stream, string file, ICaptureSink sink, CancellationToken cancellationToken = default)
    {
        var reader = new CaptureReader(file, sink);
        PipeReader pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                ReadResult result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = reader.Parse(buffer);
                if (result.IsCompleted)
                {
                    long left = buffer.Slice(consumed).Length;
                    if (left > 0 || reader._format == Format.Unknown)
                    {
                        throw reader.Truncated(left);
                    }

                    pipe.AdvanceTo(buffer.End);
                    sink.OnCaptureEnd();
                    break;
                }

                pipe.AdvanceTo(consumed, buffer.End);
            }
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }

        return reader._records;
    }

    private CaptureFormatException Truncated(long left) => _format switch
    {
        Format.Unknown when left == 0 && _position == 0 => new CaptureFormatException(_file, 0, "empty file, not a pcap or pcapng capture"),
        Format.Unknown => new CaptureFormatException(_file, 0, "truncated file header"),
        _ => new CaptureFormatException(_file, _records + 1, $"truncated: the file ends {left} bytes into the record"),
    };

    /// <summary>Parses every complete record in the buffer; returns where the first incomplete one starts.</summary>
    private SequencePosition Parse(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (TryParseOne(ref reader))
        {
        }

        return reader.Position;
    }

    private bool TryParseOne(ref SequenceReader<byte> reader)
    {
        Span<byte> header = stackalloc byte[PcapFileHeaderLength];
        switch (_format)
        {
            case Format.Unknown:
                if (!reader.TryPeek(out _) || reader.Remaining < 4)
                {
                    return false;
                }

                reader.TryCopyTo(header[..4]);
                uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
                if (magic == PcapngSectionHeader)
                {
                    _format = Format.Pcapng;
                    _sink.OnCaptureStart(fineTimestamps: true);
                    return true;
                }

                if (magic is PcapMagicMicroseconds or PcapMagicNanoseconds)
                {
                    _bigEndian = false;
                }
                else if (BinaryPrimitives.ReverseEndianness(magic) is PcapMagicMicroseconds or PcapMagicNanoseconds)
                {
                    _bigEndian = true;
                    magic = BinaryPrimitives.ReverseEndianness(magic);
                }
                else
                {
                    throw new CaptureFormatException(_file, 0, "not a pcap or pcapng capture (unknown magic number)");
                }

                if (reader.Remaining < PcapFileHeaderLength)
                {
                    return false;
                }

                reader.TryCopyTo(header);
                _nanoseconds = magic == PcapMagicNanoseconds;
                ushort major = ReadUInt16(header[4..]);
                if (major != 2)
                {
                    throw new CaptureFormatException(_file, 0, $"unsupported pcap version {major}");
                }

                _pcapLinkType = (int)(ReadUInt32(header[20..]) & 0xFFFF);
                _format = Format.Pcap;
                _sink.OnCaptureStart(_nanoseconds);
                Advance(ref reader, PcapFileHeaderLength);
                return true;
            case Format.Pcap:
                return TryParsePcapRecord(ref reader, header[..PcapRecordHeaderLength]);
            default:
                return TryParsePcapngBlock(ref reader, header[..12]);
        }
    }

    private bool TryParsePcapRecord(ref SequenceReader<byte> reader, scoped Span<byte> header)
    {
        if (!reader.TryCopyTo(header))
        {
            return false;
        }

        long number = _records + 1;
        uint seconds = ReadUInt32(header);
        uint fraction = ReadUInt32(header[4..]);
        uint captured = ReadUInt32(header[8..]);
        uint original = ReadUInt32(header[12..]);
        if (captured > MaximumRecordLength)
        {
            throw new CaptureFormatException(_file, number, $"corrupt: captured length {captured} exceeds {MaximumRecordLength} bytes");
        }

        if (fraction >= (_nanoseconds ? 1_000_000_000u : 1_000_000u))
        {
            throw new CaptureFormatException(_file, number, $"corrupt: timestamp fraction {fraction} out of range");
        }

        if (reader.Remaining < PcapRecordHeaderLength + captured)
        {
            return false;
        }

        ReadOnlySpan<byte> frame = Slice(reader.UnreadSequence.Slice(PcapRecordHeaderLength, captured));
        _records = number;
        var record = new CaptureRecord(number, seconds, _nanoseconds ? fraction : fraction * 1000, _pcapLinkType, original);
        _sink.OnFrame(record, frame);
        Advance(ref reader, PcapRecordHeaderLength + (int)captured);
        return true;
    }

    private bool TryParsePcapngBlock(ref SequenceReader<byte> reader, scoped Span<byte> header)
    {
        if (!reader.TryCopyTo(header[..8]))
        {
            return false;
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (type == PcapngSectionHeader)
        {
            // The byte-order magic decides how this section (including this block's length) is read.
            if (!reader.TryCopyTo(header))
            {
                return false;
            }

            uint byteOrder = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            if (byteOrder == PcapngByteOrderMagic)
            {
                _bigEndian = false;
            }
            else if (BinaryPrimitives.ReverseEndianness(byteOrder) == PcapngByteOrderMagic)
            {
                _bigEndian = true;
            }
            else
            {
                throw new CaptureFormatException(_file, _records + 1, "corrupt: section header with an invalid byte-order magic");
            }

            _interfaces.Clear();
        }
        else
        {
            type = ReadUInt32(header);
        }

        uint totalLength = ReadUInt32(header[4..]);
        if (totalLength < PcapngBlockOverhead || totalLength % 4 != 0 || totalLength > MaximumRecordLength + 64)
        {
            throw new CaptureFormatException(_file, _records + 1, $"corrupt: block of type {type} with length {totalLength}");
        }

        if (reader.Remaining < totalLength)
        {
            return false;
        }

        ReadOnlySequence<byte> block = reader.UnreadSequence.Slice(0, totalLength);
        Span<byte> trailer = stackalloc byte[4];
        block.Slice(totalLength - 4).CopyTo(trailer);
        if (ReadUInt32(trailer) != totalLength)
        {
            throw new CaptureFormatException(_file, _records + 1, $"corrupt: block of type {type} has mismatched lengths");
        }

        ReadOnlySpan<byte> body = Slice(block.Slice(8, totalLength - PcapngBlockOverhead));
        switch (type)
        {
            case PcapngSectionHeader:
                if (body.Length < 16 || ReadUInt16(body[4..]) != 1)
                {
                    throw new CaptureFormatException(_file, _records + 1, "unsupported pcapng section version");
                }

                break;
            case PcapngInterfaceDescription:
                ReadInterface(body);
                break;
            case PcapngEnhancedPacket:
            case PcapngObsoletePacket:
                ReadEnhancedPacket(body, type == PcapngObsoletePacket);
                break;
            case PcapngSimplePacket:
                ReadSimplePacket(body);
                break;
            default:
                // Name resolution, statistics, decryption secrets, custom blocks: nothing the tool needs.
                break;
        }

        Advance(ref reader, (int)totalLength);
        return true;
    }

    private void ReadInterface(ReadOnlySpan<byte> body)
    {
        if (body.Length < 8)
        {
            throw new CaptureFormatException(_file, _records + 1, "corrupt: short interface description block");
        }

        var description = new Interface { LinkType = ReadUInt16(body), SnapLength = ReadUInt32(body[4..]) };
        ReadOnlySpan<byte> options = body[8..];
        while (options.Length >= 4)
        {
            ushort code = ReadUInt16(options);
            int length = ReadUInt16(options[2..]);
            int padded = (length + 3) & ~3;
            if (code == OptionEnd || options.Length < 4 + padded)
            {
                break;
            }

            ReadOnlySpan<byte> value = options.Slice(4, length);
            if (code == OptionTimestampResolution && length >= 1)
            {
                byte resolution = value[0];
                int exponent = resolution & 0x7F;
                bool binary = (resolution & 0x80) != 0;
                if ((binary && exponent > 63) || (!binary && exponent > 19))
                {
                    throw new CaptureFormatException(_file, _records + 1, $"unsupported timestamp resolution 0x{resolution:x2}");
                }

                description.UnitsPerSecond = binary ? 1UL << exponent : Pow10(exponent);
            }
            else if (code == OptionTimestampOffset && length >= 8)
            {
                description.OffsetSeconds = (long)ReadUInt64(value);
            }

            options = options[(4 + padded)..];
        }

        _interfaces.Add(description);
    }

    private void ReadEnhancedPacket(ReadOnlySpan<byte> body, bool obsolete)
    {
        long number = _records + 1;
        if (body.Length < 20)
        {
            throw new CaptureFormatException(_file, number, "corrupt: short packet block");
        }

        uint interfaceId = obsolete ? ReadUInt16(body) : ReadUInt32(body);
        if (interfaceId >= (uint)_interfaces.Count)
        {
            throw new CaptureFormatException(_file, number, $"corrupt: packet on undeclared interface {interfaceId}");
        }

        Interface description = _interfaces[(int)interfaceId];
        ulong timestamp = ((ulong)ReadUInt32(body[4..]) << 32) | ReadUInt32(body[8..]);
        uint captured = ReadUInt32(body[12..]);
        uint original = ReadUInt32(body[16..]);
        if (captured > body.Length - 20)
        {
            throw new CaptureFormatException(_file, number, $"corrupt: captured length {captured} exceeds its block");
        }

        Deliver(number, description, timestamp, original, body.Slice(20, (int)captured));
    }

    private void ReadSimplePacket(ReadOnlySpan<byte> body)
    {
        long number = _records + 1;
        if (body.Length < 4 || _interfaces.Count == 0)
        {
            throw new CaptureFormatException(_file, number, "corrupt: simple packet block without an interface");
        }

        Interface description = _interfaces[0];
        uint original = ReadUInt32(body);
        long captured = Math.Min(original, body.Length - 4);
        if (description.SnapLength != 0)
        {
            captured = Math.Min(captured, description.SnapLength);
        }

        Deliver(number, description, 0, original, body.Slice(4, (int)captured));
    }

    private void Deliver(long number, Interface description, ulong timestamp, long original, ReadOnlySpan<byte> frame)
    {
        ulong units = description.UnitsPerSecond;
        ulong seconds = timestamp / units;
        ulong fraction = timestamp % units;
        uint nanoseconds = (uint)((UInt128)fraction * 1_000_000_000UL / units);
        _records = number;
        _sink.OnFrame(new CaptureRecord(number, (long)seconds + description.OffsetSeconds, nanoseconds, description.LinkType, original), frame);
    }

    /// <summary>The bytes as one span: the buffer's own memory when contiguous, else a copy in the reused scratch array.</summary>
    private ReadOnlySpan<byte> Slice(ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            return bytes.FirstSpan;
        }

        int length = (int)bytes.Length;
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }

        bytes.CopyTo(_scratch);
        return _scratch.AsSpan(0, length);
    }

    private void Advance(ref SequenceReader<byte> reader, int length)
    {
        reader.Advance(length);
        _position += length;
    }

    private ushort ReadUInt16(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private uint ReadUInt32(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private ulong ReadUInt64(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);

    private static ulong Pow10(int exponent)
    {
        ulong value = 1;
        for (int i = 0; i < exponent; i++)
        {
            value *= 10;
        }

        return value;
    }

    private sealed class Interface
    {
        public int LinkType { get; init; }

        public uint SnapLength { get; init; }

        public ulong UnitsPerSecond { get; set; } = 1_000_000;

        public long OffsetSeconds { get; set; }
    }
}
