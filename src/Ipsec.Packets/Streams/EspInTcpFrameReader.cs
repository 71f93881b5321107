using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets;

/// <summary>
/// Splits a TCP byte stream into RFC 8229 frames: a 16-bit length that counts itself, then either an ESP packet
/// (a non-zero SPI first) or the 4-octet non-ESP marker and an IKE message; optionally after the "IKETCP" stream prefix
/// that the connection's originator sends first.
/// </summary>
/// <remarks>
/// <para>Use it in the usual System.IO.Pipelines loop: for each <c>ReadResult</c>, call <see cref="TryReadFrame"/> until it
/// stops returning <see cref="EspInTcpReadStatus.Frame"/>, handle each frame, then
/// <c>reader.AdvanceTo(buffer.Start, buffer.End)</c>. Nothing is consumed past the last whole frame, so back-pressure
/// comes from the pipe's thresholds, and frames split across segments or reads of any size come out whole.</para>
/// <para>Parsing allocates nothing. A bad prefix or length is final: framing cannot be recovered, and the stream should be closed.
/// One reader per stream; not thread-safe.</para>
/// </remarks>
public sealed class EspInTcpFrameReader
{
    /// <summary>The stream prefix of RFC 8229 §4: "IKETCP" in ASCII.</summary>
    public static ReadOnlySpan<byte> StreamPrefix => "IKETCP"u8;

    /// <summary>The length field, in bytes.</summary>
    public const int LengthFieldSize = 2;

    /// <summary>The non-ESP marker before IKE messages, in bytes.</summary>
    public const int NonEspMarkerSize = 4;

    /// <summary>The largest frame the 16-bit length allows, in bytes.</summary>
    public const int MaximumFrameLength = ushort.MaxValue;

    private bool _expectPrefix;
    private bool _failed;

    /// <summary>Creates a reader for one stream.</summary>
    /// <param name="expectStreamPrefix">True on the responder side, where the stream starts with "IKETCP".</param>
    public EspInTcpFrameReader(bool expectStreamPrefix) => _expectPrefix = expectStreamPrefix;

    /// <summary>
    /// Reads the next frame from <paramref name="buffer"/> and, when it returns <see cref="EspInTcpReadStatus.Frame"/>,
    /// slices the buffer past it.
    /// </summary>
    /// <param name="buffer">The unconsumed bytes of the stream; advanced past whatever was consumed.</param>
    /// <param name="frame">The frame, or default when no frame was read.</param>
    /// <returns>What was found; after <see cref="EspInTcpReadStatus.BadStreamPrefix"/> or <see cref="EspInTcpReadStatus.BadLength"/> every later call returns the same.</returns>
    public EspInTcpReadStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, out EspInTcpFrame frame)
    {
        frame = default;
        if (_failed)
        {
            return EspInTcpReadStatus.BadLength;
        }

        if (_expectPrefix)
        {
            int prefixLength = StreamPrefix.Length;
            Unsafe.SkipInit(out StackBlock16 prefixStorage);
            Span<byte> prefix = prefixStorage[..6];
            int available = (int)Math.Min(buffer.Length, prefixLength);
            buffer.Slice(0, available).CopyTo(prefix);
            if (!prefix[..available].SequenceEqual(StreamPrefix[..available]))
            {
                _failed = true;
                return EspInTcpReadStatus.BadStreamPrefix;
            }

            if (available < prefixLength)
            {
                return EspInTcpReadStatus.NeedMoreData;
            }

            buffer = buffer.Slice(prefixLength);
            _expectPrefix = false;
        }

        if (buffer.Length < LengthFieldSize)
        {
            return EspInTcpReadStatus.NeedMoreData;
        }

        Unsafe.SkipInit(out StackBlock16 lengthBytesStorage);

        Span<byte> lengthBytes = lengthBytesStorage[..LengthFieldSize];
        buffer.Slice(0, LengthFieldSize).CopyTo(lengthBytes);
        int length = BinaryPrimitives.ReadUInt16BigEndian(lengthBytes);

        // The smallest frames: 3 (keepalive 0xFF) and 2 + 4 (non-ESP marker or SPI) + something after it.
        if (length < LengthFieldSize + 1 || (length > LengthFieldSize + 1 && length < LengthFieldSize + NonEspMarkerSize + 1))
        {
            _failed = true;
            return EspInTcpReadStatus.BadLength;
        }

        if (buffer.Length < length)
        {
            return EspInTcpReadStatus.NeedMoreData;
        }

        ReadOnlySequence<byte> body = buffer.Slice(LengthFieldSize, length - LengthFieldSize);
        if (length == LengthFieldSize + 1)
        {
            if (body.FirstSpan[0] != 0xFF)
            {
                _failed = true;
                return EspInTcpReadStatus.BadLength;
            }

            frame = new EspInTcpFrame(EspInTcpFrameKind.Keepalive, body.Slice(body.Length));
        }
        else
        {
            Unsafe.SkipInit(out StackBlock16 markerStorage);
            Span<byte> marker = markerStorage[..NonEspMarkerSize];
            body.Slice(0, NonEspMarkerSize).CopyTo(marker);
            frame = BinaryPrimitives.ReadUInt32BigEndian(marker) == 0
                ? new EspInTcpFrame(EspInTcpFrameKind.Ike, body.Slice(NonEspMarkerSize))
                : new EspInTcpFrame(EspInTcpFrameKind.Esp, body);
        }

        buffer = buffer.Slice(length);
        return EspInTcpReadStatus.Frame;
    }
}
