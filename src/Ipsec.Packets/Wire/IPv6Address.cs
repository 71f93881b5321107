using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Wire;

/// <summary>
/// An IPv6 address as a value: 128 bits held as two 64-bit halves read big-endian, so comparison follows the numeric
/// order of the address. No scope (zone) identifier: scopes are a host's interface matter, not part of the wire address.
/// </summary>
public readonly struct IPv6Address : IEquatable<IPv6Address>, IComparable<IPv6Address>, ISpanFormattable
{
    /// <summary>The length of an IPv6 address on the wire, in bytes.</summary>
    public const int Length = 16;

    /// <summary>
    /// The longest text form this type writes, in characters: an IPv4-mapped address,
    /// <c>::ffff:255.255.255.255</c>, is 22; eight full groups with seven colons are 39.
    /// </summary>
    public const int MaxTextLength = 39;

    private readonly ulong _upper;
    private readonly ulong _lower;

    /// <summary>Creates an address from its two 64-bit halves (bytes 0-7 and 8-15 read big-endian).</summary>
    /// <param name="upper">Bytes 0 to 7 as a big-endian number.</param>
    /// <param name="lower">Bytes 8 to 15 as a big-endian number.</param>
    public IPv6Address(ulong upper, ulong lower)
    {
        _upper = upper;
        _lower = lower;
    }

    /// <summary>The unspecified address <c>::</c>.</summary>
    public static IPv6Address Any => default;

    /// <summary>Bytes 0 to 7 as a big-endian number (the routing prefix and subnet of a /64).</summary>
    public ulong Upper => _upper;

    /// <summary>Bytes 8 to 15 as a big-endian number (the interface identifier of a /64).</summary>
    public ulong Lower => _lower;

    /// <summary>The address as a 128-bit number.</summary>
    public UInt128 Value => new(_upper, _lower);

    /// <summary>Reads an address from the first sixteen bytes of <paramref name="source"/>.</summary>
    /// <param name="source">The bytes, in network order.</param>
    /// <param name="address">The address, or <see langword="default"/> on failure.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is shorter than 16 bytes.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out IPv6Address address)
    {
        if (source.Length < Length)
        {
            address = default;
            return false;
        }

        address = new IPv6Address(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));
        return true;
    }

    /// <summary>Writes the address in network order into the first sixteen bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <returns><see langword="false"/> (and nothing written) when <paramref name="destination"/> is shorter than 16 bytes.</returns>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _upper);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lower);
        return true;
    }

    /// <summary>Writes the address in network order into the first sixteen bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 16 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (!TryWrite(destination))
        {
            ThrowHelper.ThrowArgument("The destination is shorter than 16 bytes.", nameof(destination));
        }
    }

    /// <summary>Whether this is an IPv4-mapped address (<c>::ffff:0:0/96</c>, RFC 4291 §2.5.5.2).</summary>
    public bool IsIPv4Mapped => _upper == 0 && (_lower >> 32) == 0xFFFF;

    /// <summary>
    /// Converts a <see cref="IPAddress"/> of the InterNetworkV6 family. The scope identifier is dropped.
    /// Allocates; not for the data path.
    /// </summary>
    /// <param name="address">An IPv6 address.</param>
    /// <returns>The same address as a value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not an IPv6 address.</exception>
    public static IPv6Address FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            ThrowHelper.ThrowArgument("The address is not an IPv6 address.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[Length];
        address.TryWriteBytes(bytes, out _);
        TryRead(bytes, out IPv6Address result);
        return result;
    }

    /// <summary>Converts to a new <see cref="IPAddress"/> (scope 0). Allocates; not for the data path.</summary>
    /// <returns>An InterNetworkV6 address.</returns>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[Length];
        TryWrite(bytes);
        return new IPAddress(bytes);
    }

    /// <summary>
    /// Parses IPv6 text (RFC 4291 §2.2, including <c>::</c> and a trailing dotted quad). Rejects zone identifiers
    /// (<c>%eth0</c>), brackets and ports. Allocates a temporary <see cref="IPAddress"/>; not for the data path.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="address">The address, or <see langword="default"/> on failure.</param>
    /// <returns><see langword="false"/> when the text is not a plain IPv6 address.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out IPv6Address address)
    {
        address = default;
        if (text.IsEmpty || text.IndexOfAny('%', '[', ']') >= 0 || text.IndexOf(':') < 0
            || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out IPAddress? parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = FromIPAddress(parsed);
        return true;
    }

    /// <summary>Parses IPv6 text (see <see cref="TryParse(ReadOnlySpan{char}, out IPv6Address)"/>).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">The text is not a plain IPv6 address.</exception>
    public static IPv6Address Parse(ReadOnlySpan<char> text)
    {
        if (!TryParse(text, out IPv6Address address))
        {
            throw new FormatException("The text is not an IPv6 address.");
        }

        return address;
    }

    /// <summary>
    /// Formats the address in the RFC 5952 canonical text form without allocating: lowercase hexadecimal, no leading
    /// zeros, the longest run of two or more zero groups (the first one on a tie) shortened to <c>::</c>, and
    /// IPv4-mapped addresses as <c>::ffff:192.0.2.1</c>.
    /// </summary>
    /// <param name="destination">The characters to write into.</param>
    /// <param name="charsWritten">The number of characters written, or 0 on failure.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too short (39 characters always suffice).</returns>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        Span<char> buffer = stackalloc char[MaxTextLength];
        int pos = 0;
        if (IsIPv4Mapped)
        {
            "::ffff:".AsSpan().CopyTo(buffer);
            pos = 7;
            new IPv4Address((uint)_lower).TryFormat(buffer[pos..], out int written);
            pos += written;
        }
        else
        {
            // Find the longest run of zero groups (length >= 2; the first on a tie).
            int bestStart = -1, bestLength = 0, runStart = -1;
            for (int g = 0; g <= 8; g++)
            {
                bool zero = g < 8 && Group(g) == 0;
                if (zero)
                {
                    if (runStart < 0)
                    {
                        runStart = g;
                    }
                }
                else if (runStart >= 0)
                {
                    int length = g - runStart;
                    if (length > bestLength && length >= 2)
                    {
                        bestStart = runStart;
                        bestLength = length;
                    }

                    runStart = -1;
                }
            }

            for (int g = 0; g < 8; g++)
            {
                if (g == bestStart)
                {
                    buffer[pos++] = ':';
                    buffer[pos++] = ':';
                    g += bestLength - 1;
                    continue;
                }

                if (g > 0 && g != bestStart + bestLength)
                {
                    buffer[pos++] = ':';
                }

                pos += FormatHex(Group(g), buffer[pos..]);
            }
        }

        if (pos > destination.Length)
        {
            charsWritten = 0;
            return false;
        }

        buffer[..pos].CopyTo(destination);
        charsWritten = pos;
        return true;
    }

    bool ISpanFormattable.TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    string IFormattable.ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>The RFC 5952 text, e.g. <c>2001:db8::1</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        Span<char> buffer = stackalloc char[MaxTextLength];
        TryFormat(buffer, out int written);
        return new string(buffer[..written]);
    }

    /// <inheritdoc/>
    public bool Equals(IPv6Address other) => _upper == other._upper && _lower == other._lower;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is IPv6Address other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_upper, _lower);

    /// <summary>Orders addresses numerically (<c>::</c> first).</summary>
    /// <param name="other">The address to compare with.</param>
    /// <returns>Negative, zero or positive.</returns>
    public int CompareTo(IPv6Address other)
    {
        int c = _upper.CompareTo(other._upper);
        return c != 0 ? c : _lower.CompareTo(other._lower);
    }

    /// <summary>Equality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the addresses are equal.</returns>
    public static bool operator ==(IPv6Address left, IPv6Address right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the addresses differ.</returns>
    public static bool operator !=(IPv6Address left, IPv6Address right) => !left.Equals(right);

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts before <paramref name="right"/>.</returns>
    public static bool operator <(IPv6Address left, IPv6Address right) => left.CompareTo(right) < 0;

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts after <paramref name="right"/>.</returns>
    public static bool operator >(IPv6Address left, IPv6Address right) => left.CompareTo(right) > 0;

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts before or equals <paramref name="right"/>.</returns>
    public static bool operator <=(IPv6Address left, IPv6Address right) => left.CompareTo(right) <= 0;

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts after or equals <paramref name="right"/>.</returns>
    public static bool operator >=(IPv6Address left, IPv6Address right) => left.CompareTo(right) >= 0;

    private ushort Group(int index) => (ushort)(index < 4 ? _upper >> (48 - (16 * index)) : _lower >> (48 - (16 * (index - 4))));

    private static int FormatHex(ushort value, Span<char> destination)
    {
        int digits = value >= 0x1000 ? 4 : value >= 0x100 ? 3 : value >= 0x10 ? 2 : 1;
        for (int d = digits - 1; d >= 0; d--)
        {
            destination[d] = "0123456789abcdef"[value & 0xF];
            value >>= 4;
        }

        return digits;
    }
}
