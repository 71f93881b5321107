using System;
using System.Buffers.Binary;
using F = Ipsec.Packets.Wire.AhHeader.Field;

namespace Ipsec.Packets.Wire;

/// <summary>
/// A checked, read-only view of an AH header and the payload after it (RFC 4302). The ICV size is a property of the SA,
/// not of the wire: <see cref="Icv"/> is every byte after the 12 fixed ones (ICV plus padding) and the SA cuts it.
/// </summary>
public readonly ref struct AhPacket
{
    private readonly ReadOnlySpan<byte> _buffer;

    private AhPacket(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Creates a view over an AH header at the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The bytes from the AH header to the end of the IP packet.</param>
    /// <param name="isIPv6">Whether AH is carried in IPv6 (8-byte alignment) or IPv4 (4-byte alignment).</param>
    /// <param name="packet">The view, or <see langword="default"/> on failure.</param>
    /// <returns>
    /// <see langword="false"/> when the buffer is shorter than 12 bytes or than the header length, or the header length
    /// is not a multiple of 8 for IPv6 (it is always a multiple of 4, and at least 8, by construction; below 12 is rejected).
    /// </returns>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, bool isIPv6, out AhPacket packet)
    {
        if (buffer.Length >= AhHeader.FixedLength)
        {
            int headerLength = (buffer[F.PayloadLength] + 2) * 4;
            if (headerLength >= AhHeader.FixedLength && headerLength <= buffer.Length && (!isIPv6 || (headerLength & 7) == 0))
            {
                packet = new AhPacket(buffer);
                return true;
            }
        }

        packet = default;
        return false;
    }

    /// <summary>The AH header and every byte after it, as given to <see cref="TryCreate"/>.</summary>
    public ReadOnlySpan<byte> Packet => _buffer;

    /// <summary>The protected payload's protocol.</summary>
    public IPProtocol NextHeader => (IPProtocol)_buffer[F.NextHeader];

    /// <summary>The raw Payload Len field.</summary>
    public byte PayloadLength => _buffer[F.PayloadLength];

    /// <summary>The header length in bytes: (Payload Len + 2) × 4.</summary>
    public int HeaderLength => (_buffer[F.PayloadLength] + 2) * 4;

    /// <summary>RESERVED.</summary>
    public ushort Reserved => BinaryPrimitives.ReadUInt16BigEndian(_buffer[F.Reserved..]);

    /// <summary>Security Parameters Index.</summary>
    public uint Spi => BinaryPrimitives.ReadUInt32BigEndian(_buffer[F.Spi..]);

    /// <summary>Sequence Number (low 32 bits).</summary>
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_buffer[F.SequenceNumber..]);

    /// <summary>The whole AH header, <see cref="HeaderLength"/> bytes.</summary>
    public ReadOnlySpan<byte> Header => _buffer[..HeaderLength];

    /// <summary>The bytes after the 12 fixed ones up to <see cref="HeaderLength"/>: the ICV followed by any padding.</summary>
    public ReadOnlySpan<byte> Icv => _buffer[AhHeader.FixedLength..HeaderLength];

    /// <summary>The bytes after the AH header.</summary>
    public ReadOnlySpan<byte> Payload => _buffer[HeaderLength..];

    /// <summary>Copies the fixed fields into a storable value.</summary>
    /// <returns>The header value.</returns>
    public AhHeader ToHeader()
    {
        AhHeader.TryRead(_buffer, out AhHeader header);
        return header;
    }
}
