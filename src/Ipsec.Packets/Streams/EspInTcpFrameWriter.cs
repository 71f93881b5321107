using System;
using System.Buffers;
using System.Buffers.Binary;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets;

/// <summary>
/// Writes RFC 8229 frames into an <see cref="IBufferWriter{T}"/> such as a <see cref="System.IO.Pipelines.PipeWriter"/>:
/// the 16-bit length, and the non-ESP marker before IKE messages. Flushing (and so back-pressure) stays with the caller:
/// await <c>PipeWriter.FlushAsync</c> after writing. Allocates nothing.
/// </summary>
public static class EspInTcpFrameWriter
{
    /// <summary>Writes the "IKETCP" prefix the connection's originator sends first (RFC 8229 §4).</summary>
    /// <param name="writer">The stream's writer.</param>
    public static void WriteStreamPrefix(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(EspInTcpFrameReader.StreamPrefix);
    }

    /// <summary>Frames one ESP packet (SPI to ICV).</summary>
    /// <param name="writer">The stream's writer.</param>
    /// <param name="espPacket">The ESP packet; its SPI must be non-zero.</param>
    /// <exception cref="ArgumentException">The packet is too short, has a zero SPI, or does not fit a frame.</exception>
    public static void WriteEsp(IBufferWriter<byte> writer, ReadOnlySpan<byte> espPacket)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (espPacket.Length < 8 || BinaryPrimitives.ReadUInt32BigEndian(espPacket) == 0)
        {
            ThrowHelper.ThrowArgument("An ESP packet needs at least 8 bytes and a non-zero SPI.", nameof(espPacket));
        }

        WriteFrame(writer, espPacket, marker: false);
    }

    /// <summary>Frames one IKE message behind the non-ESP marker.</summary>
    /// <param name="writer">The stream's writer.</param>
    /// <param name="ikeMessage">The IKE message, from its header.</param>
    /// <exception cref="ArgumentException">The message is empty or does not fit a frame.</exception>
    public static void WriteIke(IBufferWriter<byte> writer, ReadOnlySpan<byte> ikeMessage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (ikeMessage.IsEmpty)
        {
            ThrowHelper.ThrowArgument("An IKE message cannot be empty.", nameof(ikeMessage));
        }

        WriteFrame(writer, ikeMessage, marker: true);
    }

    private static void WriteFrame(IBufferWriter<byte> writer, ReadOnlySpan<byte> body, bool marker)
    {
        int length = EspInTcpFrameReader.LengthFieldSize + (marker ? EspInTcpFrameReader.NonEspMarkerSize : 0) + body.Length;
        if (length > EspInTcpFrameReader.MaximumFrameLength)
        {
            ThrowHelper.ThrowArgument($"A frame holds at most {EspInTcpFrameReader.MaximumFrameLength} bytes; this one needs {length}.", nameof(body));
        }

        Span<byte> span = writer.GetSpan(length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
        int offset = EspInTcpFrameReader.LengthFieldSize;
        if (marker)
        {
            span.Slice(offset, EspInTcpFrameReader.NonEspMarkerSize).Clear();
            offset += EspInTcpFrameReader.NonEspMarkerSize;
        }

        body.CopyTo(span[offset..]);
        writer.Advance(length);
    }
}
