using System;

namespace Ipsec.Packets.Wire;

/// <summary>
/// Walks the options of an IPv4 header. Every step consumes at least one byte, so a walk ends after at most 40 steps;
/// every length is checked against the remaining bytes.
/// </summary>
/// <remarks>
/// No Operation options are returned (they have <see cref="IPv4Option.Length"/> 1). End of Option List ends the walk
/// successfully; the bytes after it are padding. A length octet below 2, or one that runs past the options area, or a
/// type octet with no room for its length octet, ends the walk with <see cref="IsMalformed"/> set.
/// </remarks>
public ref struct IPv4OptionReader
{
    private readonly ReadOnlySpan<byte> _options;
    private int _offset;
    private bool _malformed;

    /// <summary>Creates a reader over an options area (the bytes between offset 20 and the header length).</summary>
    /// <param name="options">The options and padding.</param>
    public IPv4OptionReader(ReadOnlySpan<byte> options)
    {
        _options = options;
        _offset = 0;
        _malformed = false;
    }

    /// <summary>Whether the walk stopped at a malformed option.</summary>
    public readonly bool IsMalformed => _malformed;

    /// <summary>Reads the next option.</summary>
    /// <param name="option">The option, or <see langword="default"/> when the method returns <see langword="false"/>.</param>
    /// <returns>
    /// <see langword="false"/> at the end of the options (the end of the area or End of Option List), or at a malformed
    /// option (then <see cref="IsMalformed"/> is <see langword="true"/> and every later call returns <see langword="false"/>).
    /// </returns>
    public bool TryReadNext(out IPv4Option option)
    {
        option = default;
        if (_malformed || _offset >= _options.Length)
        {
            return false;
        }

        int start = _offset;
        byte type = _options[start];
        if (type == IPv4Option.EndOfOptionListType)
        {
            _offset = _options.Length;
            return false;
        }

        if (type == IPv4Option.NoOperationType)
        {
            _offset = start + 1;
            option = new IPv4Option(type, start, 1, ReadOnlySpan<byte>.Empty);
            return true;
        }

        int remaining = _options.Length - start;
        if (remaining < 2)
        {
            _malformed = true;
            return false;
        }

        int length = _options[start + 1];
        if (length < 2 || length > remaining)
        {
            _malformed = true;
            return false;
        }

        _offset = start + length;
        option = new IPv4Option(type, start, length, _options.Slice(start + 2, length - 2));
        return true;
    }
}
