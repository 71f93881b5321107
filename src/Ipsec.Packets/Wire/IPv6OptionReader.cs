using System;

namespace Ipsec.Packets.Wire;

/// <summary>
/// Walks the TLV options of one IPv6 hop-by-hop or destination options header (RFC 8200 §4.2), Pad1 and PadN included.
/// Each step consumes at least one byte and every length is checked, so a walk ends after at most as many steps as the
/// header has bytes.
/// </summary>
public ref struct IPv6OptionReader
{
    private const int OptionsStart = 2;

    private readonly ReadOnlySpan<byte> _header;
    private int _offset;
    private bool _malformed;

    /// <summary>Creates a reader over one whole hop-by-hop or destination options header.</summary>
    /// <param name="extensionHeader">
    /// The header from its Next Header byte to its end (<see cref="IPv6ExtensionHeader.Length"/> bytes); options start at
    /// offset 2. Offsets reported by <see cref="IPv6Option"/> count from the start of this span.
    /// </param>
    public IPv6OptionReader(ReadOnlySpan<byte> extensionHeader)
    {
        _header = extensionHeader;
        _offset = OptionsStart;
        _malformed = false;
    }

    /// <summary>Whether the walk stopped at an option whose length runs past the end of the header.</summary>
    public readonly bool IsMalformed => _malformed;

    /// <summary>Reads the next option.</summary>
    /// <param name="option">The option, or <see langword="default"/> when the method returns <see langword="false"/>.</param>
    /// <returns>
    /// <see langword="false"/> at the end of the header, or at a malformed option (then <see cref="IsMalformed"/> is set
    /// and every later call returns <see langword="false"/>).
    /// </returns>
    public bool TryReadNext(out IPv6Option option)
    {
        option = default;
        if (_malformed || _offset >= _header.Length)
        {
            return false;
        }

        int start = _offset;
        byte type = _header[start];
        if (type == IPv6Option.Pad1Type)
        {
            _offset = start + 1;
            option = new IPv6Option(type, start, 1, ReadOnlySpan<byte>.Empty);
            return true;
        }

        int remaining = _header.Length - start;
        if (remaining < 2 || _header[start + 1] + 2 > remaining)
        {
            _malformed = true;
            return false;
        }

        int length = _header[start + 1] + 2;
        _offset = start + length;
        option = new IPv6Option(type, start, length, _header.Slice(start + 2, length - 2));
        return true;
    }
}
