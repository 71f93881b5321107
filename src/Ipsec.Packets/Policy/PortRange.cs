using System;

namespace Ipsec.Packets;

/// <summary>
/// An inclusive range of ports for a traffic selector (RFC 4301 §4.4.1.1). The default value is <see cref="Any"/>.
/// For ICMP and ICMPv6 the 16-bit value is the message type in the high byte and the code in the low byte
/// (<see cref="IcmpType"/>, <see cref="IcmpTypeAndCode"/>).
/// </summary>
public readonly struct PortRange : IEquatable<PortRange>
{
    // Stored as the complement of the end so that default(PortRange) is 0-65535, i.e. Any.
    private readonly ushort _start;
    private readonly ushort _endComplement;

    /// <summary>A range from <paramref name="start"/> to <paramref name="end"/>, both included.</summary>
    /// <param name="start">The first port.</param>
    /// <param name="end">The last port, not below <paramref name="start"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="end"/> is below <paramref name="start"/>.</exception>
    public PortRange(ushort start, ushort end)
    {
        if (end < start)
        {
            throw new ArgumentException($"end: {end} is below start {start}.", nameof(end));
        }

        _start = start;
        _endComplement = (ushort)~end;
    }

    /// <summary>Every port (0–65535).</summary>
    public static PortRange Any => default;

    /// <summary>The first port.</summary>
    public ushort Start => _start;

    /// <summary>The last port (inclusive).</summary>
    public ushort End => (ushort)~_endComplement;

    /// <summary>True for 0–65535.</summary>
    public bool IsAny => _start == 0 && _endComplement == 0;

    /// <summary>One port.</summary>
    /// <param name="port">The port.</param>
    /// <returns>The range holding only <paramref name="port"/>.</returns>
    public static PortRange Single(ushort port) => new(port, port);

    /// <summary>One ICMP or ICMPv6 message type with any code.</summary>
    /// <param name="type">The message type.</param>
    /// <returns>The range (type &lt;&lt; 8) to (type &lt;&lt; 8) | 255.</returns>
    public static PortRange IcmpType(byte type) => new((ushort)(type << 8), (ushort)((type << 8) | 0xFF));

    /// <summary>One ICMP or ICMPv6 message type and code.</summary>
    /// <param name="type">The message type.</param>
    /// <param name="code">The code.</param>
    /// <returns>The single value (type &lt;&lt; 8) | code.</returns>
    public static PortRange IcmpTypeAndCode(byte type, byte code) => Single((ushort)((type << 8) | code));

    /// <summary>Whether <paramref name="port"/> lies in the range.</summary>
    /// <param name="port">The port.</param>
    /// <returns>True when it does.</returns>
    public bool Contains(ushort port) => port >= _start && port <= End;

    /// <inheritdoc/>
    public bool Equals(PortRange other) => _start == other._start && _endComplement == other._endComplement;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PortRange other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (_start << 16) | _endComplement;

    /// <summary>Equality.</summary>
    /// <param name="left">One range.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(PortRange left, PortRange right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One range.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when different.</returns>
    public static bool operator !=(PortRange left, PortRange right) => !left.Equals(right);

    /// <summary>"any", "443" or "1024-65535".</summary>
    /// <returns>The range as text.</returns>
    public override string ToString() => IsAny ? "any" : Start == End ? Start.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Start}-{End}";
}
