using System;
using System.Buffers.Binary;

namespace Ipsec.Packets.Wire;

/// <summary>
/// Walks the IPv6 extension-header chain (RFC 8200 §4) of one packet, without allocating. Each call to
/// <see cref="TryNext"/> returns one hop-by-hop (0), routing (43), fragment (44), destination options (60) or AH (51)
/// header; the walk completes at any other Next Header value (ESP 50, No Next Header 59, TCP, UDP, ICMPv6, ...), which
/// is reported in <see cref="UpperLayerProtocol"/> and <see cref="UpperLayerOffset"/>.
/// </summary>
/// <remarks>
/// The walk is bounded: every header length is checked against the packet before it is used, every step advances by
/// at least 8 bytes, and at most <see cref="MaxHeaderCount"/> headers are returned. After a fragment header with a
/// non-zero offset the rest is fragment data, so the walk completes there with <see cref="IsNonFirstFragment"/> set.
/// Pass the packet cut at 40 + Payload Length (<see cref="IPv6Packet.GetExtensionHeaderWalker"/> does). Mobility (135),
/// HIP (139), Shim6 (140) and the experimental 253/254 headers are treated as upper-layer data: they are end-to-end
/// and sit after any ESP or AH header.
/// </remarks>
public ref struct IPv6ExtensionHeaderWalker
{
    /// <summary>The most extension headers walked before giving up with <see cref="IPv6ExtensionHeaderWalkStatus.TooManyHeaders"/>.</summary>
    public const int MaxHeaderCount = 32;

    private readonly ReadOnlySpan<byte> _packet;
    private int _offset;
    private int _nextHeaderFieldOffset;
    private int _count;
    private byte _nextHeader;
    private bool _nonFirstFragment;
    private IPv6ExtensionHeaderWalkStatus _status;

    /// <summary>Creates a walker over a packet that starts with the IPv6 fixed header.</summary>
    /// <param name="packet">The IPv6 packet, cut at its end.</param>
    public IPv6ExtensionHeaderWalker(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
        _count = 0;
        _nonFirstFragment = false;
        if (packet.Length < IPv6Header.Length)
        {
            _status = IPv6ExtensionHeaderWalkStatus.Truncated;
            _offset = 0;
            _nextHeaderFieldOffset = 0;
            _nextHeader = 0;
        }
        else
        {
            _status = IPv6ExtensionHeaderWalkStatus.InProgress;
            _offset = IPv6Header.Length;
            _nextHeaderFieldOffset = IPv6Header.Field.NextHeader;
            _nextHeader = packet[IPv6Header.Field.NextHeader];
        }
    }

    /// <summary>Where the walk stands.</summary>
    public readonly IPv6ExtensionHeaderWalkStatus Status => _status;

    /// <summary>The number of extension headers returned so far.</summary>
    public readonly int Count => _count;

    /// <summary>
    /// The Next Header value after the last extension header returned (the upper-layer protocol, ESP or No Next Header
    /// once <see cref="Status"/> is <see cref="IPv6ExtensionHeaderWalkStatus.Complete"/>).
    /// </summary>
    public readonly IPProtocol UpperLayerProtocol => (IPProtocol)_nextHeader;

    /// <summary>The offset, from the start of the packet, of the data after the last extension header returned.</summary>
    public readonly int UpperLayerOffset => _offset;

    /// <summary>The offset of the Next Header byte that names <see cref="UpperLayerProtocol"/>.</summary>
    public readonly int UpperLayerNextHeaderFieldOffset => _nextHeaderFieldOffset;

    /// <summary>Whether the walk stopped after a fragment header with a non-zero fragment offset.</summary>
    public readonly bool IsNonFirstFragment => _nonFirstFragment;

    /// <summary>Whether a Next Header value names an extension header this walker steps over (0, 43, 44, 60, 51).</summary>
    /// <param name="nextHeader">The Next Header value.</param>
    /// <returns><see langword="true"/> for hop-by-hop, routing, fragment, destination options and AH.</returns>
    public static bool IsExtensionHeader(IPProtocol nextHeader) =>
        nextHeader is IPProtocol.HopByHop or IPProtocol.Routing or IPProtocol.Fragment or IPProtocol.DestinationOptions or IPProtocol.Ah;

    /// <summary>Returns the next extension header.</summary>
    /// <param name="header">The header, or <see langword="default"/> when the method returns <see langword="false"/>.</param>
    /// <returns>
    /// <see langword="false"/> when the walk is over: <see cref="Status"/> then says whether it completed at an
    /// upper-layer header or stopped at a truncated or malformed chain. Every later call returns <see langword="false"/>.
    /// </returns>
    public bool TryNext(out IPv6ExtensionHeader header)
    {
        header = default;
        if (_status != IPv6ExtensionHeaderWalkStatus.InProgress)
        {
            return false;
        }

        IPProtocol type = (IPProtocol)_nextHeader;
        if (_nonFirstFragment || !IsExtensionHeader(type))
        {
            _status = IPv6ExtensionHeaderWalkStatus.Complete;
            return false;
        }

        if (_count >= MaxHeaderCount)
        {
            _status = IPv6ExtensionHeaderWalkStatus.TooManyHeaders;
            return false;
        }

        if (type == IPProtocol.HopByHop && _offset != IPv6Header.Length)
        {
            _status = IPv6ExtensionHeaderWalkStatus.Malformed;
            return false;
        }

        int remaining = _packet.Length - _offset;
        if (remaining < 8)
        {
            // Every extension header is at least 8 bytes.
            _status = IPv6ExtensionHeaderWalkStatus.Truncated;
            return false;
        }

        int length = type switch
        {
            IPProtocol.Fragment => 8,
            IPProtocol.Ah => (_packet[_offset + 1] + 2) * 4,
            _ => (_packet[_offset + 1] + 1) * 8,
        };

        if (type == IPProtocol.Ah && length < AhHeader.FixedLength)
        {
            _status = IPv6ExtensionHeaderWalkStatus.Malformed;
            return false;
        }

        if (length > remaining)
        {
            _status = IPv6ExtensionHeaderWalkStatus.Truncated;
            return false;
        }

        IPProtocol next = (IPProtocol)_packet[_offset];
        header = new IPv6ExtensionHeader(type, _offset, length, _nextHeaderFieldOffset, next);
        if (type == IPProtocol.Fragment && (BinaryPrimitives.ReadUInt16BigEndian(_packet[(_offset + 2)..]) >> 3) != 0)
        {
            _nonFirstFragment = true;
        }

        _nextHeaderFieldOffset = _offset;
        _offset += length;
        _nextHeader = (byte)next;
        _count++;
        return true;
    }
}
