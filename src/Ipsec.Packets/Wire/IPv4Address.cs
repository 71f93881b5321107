using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Wire;

/// <summary>
/// An IPv4 address as a value: 32 bits held as the number the four octets spell in network (big-endian) order, so
/// <c>192.0.2.1</c> is <c>0xC0000201</c> and comparison follows the numeric (and textual) order.
/// </summary>
public readonly struct IPv4Address : IEquatable<IPv4Address>, IComparable<IPv4Address>, ISpanFormattable
{
    /// <summary>The length of an IPv4 address on the wire, in bytes.</summary>
    public const int Length = 4;

    /// <summary>The longest text form, <c>255.255.255.255</c>, in characters.</summary>
    public const int MaxTextLength = 15;

    private readonly uint _value;

    /// <summary>Creates an address from its 32-bit value in network order semantics (<c>0xC0000201</c> is 192.0.2.1).</summary>
    /// <param name="value">The address as a number.</param>
    public IPv4Address(uint value) => _value = value;

    /// <summary>Creates an address from its four octets, most significant first.</summary>
    /// <param name="a">First octet.</param>
    /// <param name="b">Second octet.</param>
    /// <param name="c">Third octet.</param>
    /// <param name="d">Fourth octet.</param>
    public IPv4Address(byte a, byte b, byte c, byte d) => _value = ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    /// <summary>The unspecified address 0.0.0.0.</summary>
    public static IPv4Address Any => default;

    /// <summary>The address as a number: the four octets read big-endian.</summary>
    public uint Value => _value;

    /// <summary>Reads an address from the first four bytes of <paramref name="source"/>.</summary>
    /// <param name="source">The bytes, in network order.</param>
    /// <param name="address">The address, or <see langword="default"/> on failure.</param>
    /// <returns><see langword="false"/> when <paramref name="source"/> is shorter than 4 bytes.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out IPv4Address address)
    {
        if (source.Length < Length)
        {
            address = default;
            return false;
        }

        address = new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(source));
        return true;
    }

    /// <summary>Writes the address in network order into the first four bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <returns><see langword="false"/> (and nothing written) when <paramref name="destination"/> is shorter than 4 bytes.</returns>
    public bool TryWrite(Span<byte> destination) => BinaryPrimitives.TryWriteUInt32BigEndian(destination, _value);

    /// <summary>Writes the address in network order into the first four bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">The buffer to write into.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 4 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (!TryWrite(destination))
        {
            ThrowHelper.ThrowArgument("The destination is shorter than 4 bytes.", nameof(destination));
        }
    }

    /// <summary>Converts a <see cref="IPAddress"/> of the InterNetwork family. Allocates; not for the data path.</summary>
    /// <param name="address">An IPv4 address.</param>
    /// <returns>The same address as a value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not an IPv4 address.</exception>
    public static IPv4Address FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            ThrowHelper.ThrowArgument("The address is not an IPv4 address.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[Length];
        address.TryWriteBytes(bytes, out _);
        return new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(bytes));
    }

    /// <summary>Converts to a new <see cref="IPAddress"/>. Allocates; not for the data path.</summary>
    /// <returns>An InterNetwork address.</returns>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, _value);
        return new IPAddress(bytes);
    }

    /// <summary>
    /// Parses strict dotted-quad text: exactly four decimal octets 0 to 255, no leading zeros (which some parsers read as
    /// octal), no whitespace, no shorthand such as <c>127.1</c>.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="address">The address, or <see langword="default"/> on failure.</param>
    /// <returns><see langword="false"/> when the text is not a strict dotted quad.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out IPv4Address address)
    {
        address = default;
        uint value = 0;
        int i = 0;
        for (int octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return false;
                }

                i++;
            }

            int start = i;
            uint part = 0;
            while (i < text.Length && i - start < 3 && (uint)(text[i] - '0') <= 9)
            {
                part = (part * 10) + (uint)(text[i] - '0');
                i++;
            }

            int digits = i - start;
            if (digits == 0 || part > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            value = (value << 8) | part;
        }

        if (i != text.Length)
        {
            return false;
        }

        address = new IPv4Address(value);
        return true;
    }

    /// <summary>Parses strict dotted-quad text (see <see cref="TryParse(ReadOnlySpan{char}, out IPv4Address)"/>).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">The text is not a strict dotted quad.</exception>
    public static IPv4Address Parse(ReadOnlySpan<char> text)
    {
        if (!TryParse(text, out IPv4Address address))
        {
            throw new FormatException("The text is not a dotted-quad IPv4 address.");
        }

        return address;
    }

    /// <summary>Formats the address as dotted-quad text without allocating.</summary>
    /// <param name="destination">The characters to write into.</param>
    /// <param name="charsWritten">The number of characters written, or 0 on failure.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too short (15 characters always suffice).</returns>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        int pos = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            if (shift != 24)
            {
                if (pos >= destination.Length)
                {
                    charsWritten = 0;
                    return false;
                }

                destination[pos++] = '.';
            }

            uint octet = (_value >> shift) & 0xFF;
            int digits = octet >= 100 ? 3 : octet >= 10 ? 2 : 1;
            if (pos + digits > destination.Length)
            {
                charsWritten = 0;
                return false;
            }

            for (int d = digits - 1; d >= 0; d--)
            {
                destination[pos + d] = (char)('0' + (octet % 10));
                octet /= 10;
            }

            pos += digits;
        }

        charsWritten = pos;
        return true;
    }

    bool ISpanFormattable.TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    string IFormattable.ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>The dotted-quad text, e.g. <c>192.0.2.1</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        Span<char> buffer = stackalloc char[MaxTextLength];
        TryFormat(buffer, out int written);
        return new string(buffer[..written]);
    }

    /// <inheritdoc/>
    public bool Equals(IPv4Address other) => _value == other._value;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is IPv4Address other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>Orders addresses numerically (0.0.0.0 first).</summary>
    /// <param name="other">The address to compare with.</param>
    /// <returns>Negative, zero or positive.</returns>
    public int CompareTo(IPv4Address other) => _value.CompareTo(other._value);

    /// <summary>Equality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the addresses are equal.</returns>
    public static bool operator ==(IPv4Address left, IPv4Address right) => left._value == right._value;

    /// <summary>Inequality.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the addresses differ.</returns>
    public static bool operator !=(IPv4Address left, IPv4Address right) => left._value != right._value;

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts before <paramref name="right"/>.</returns>
    public static bool operator <(IPv4Address left, IPv4Address right) => left._value < right._value;

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts after <paramref name="right"/>.</returns>
    public static bool operator >(IPv4Address left, IPv4Address right) => left._value > right._value;

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts before or equals <paramref name="right"/>.</returns>
    public static bool operator <=(IPv4Address left, IPv4Address right) => left._value <= right._value;

    /// <summary>Numeric order.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether <paramref name="left"/> sorts after or equals <paramref name="right"/>.</returns>
    public static bool operator >=(IPv4Address left, IPv4Address right) => left._value >= right._value;
}
