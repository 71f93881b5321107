using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using Ipsec.Packets.Policy;

namespace Ipsec.Packets;

/// <summary>
/// An address selector of a traffic selector (RFC 4301 §4.4.1.1): any address, an IPv4 or IPv6 prefix, or an inclusive
/// range of addresses of one family. The default value is <see cref="Any"/>, which matches IPv4 and IPv6 alike.
/// </summary>
public readonly struct IPAddressRange : IEquatable<IPAddressRange>
{
    private IPAddressRange(byte family, UInt128 first, UInt128 last)
    {
        Family = family;
        FirstValue = first;
        LastValue = last;
    }

    /// <summary>Matches every IPv4 and IPv6 address.</summary>
    public static IPAddressRange Any => default;

    /// <summary>True for <see cref="Any"/>.</summary>
    public bool IsAny => Family == AddressValue.Any;

    /// <summary>The family of the range; <see cref="AddressFamily.Unspecified"/> for <see cref="Any"/>.</summary>
    public AddressFamily AddressFamily => Family switch
    {
        AddressValue.IPv4 => AddressFamily.InterNetwork,
        AddressValue.IPv6 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    /// <summary>The first address in the range, or null for <see cref="Any"/>.</summary>
    public IPAddress? First => IsAny ? null : AddressValue.ToIPAddress(Family, FirstValue);

    /// <summary>The last address in the range (inclusive), or null for <see cref="Any"/>.</summary>
    public IPAddress? Last => IsAny ? null : AddressValue.ToIPAddress(Family, LastValue);

    internal byte Family { get; }

    internal UInt128 FirstValue { get; }

    internal UInt128 LastValue { get; }

    /// <summary>A prefix such as 192.0.2.0/24 or 2001:db8::/32.</summary>
    /// <param name="network">The prefix.</param>
    /// <returns>The range of the prefix.</returns>
    public static IPAddressRange FromPrefix(IPNetwork network) => FromPrefix(network.BaseAddress, network.PrefixLength);

    /// <summary>A prefix given as its base address and length.</summary>
    /// <param name="address">The base address; its bits beyond the prefix must be zero.</param>
    /// <param name="prefixLength">The prefix length in bits: 0 to 32 for IPv4, 0 to 128 for IPv6.</param>
    /// <returns>The range of the prefix.</returns>
    /// <exception cref="ArgumentException">The length is out of range for the family, or host bits are set.</exception>
    public static IPAddressRange FromPrefix(IPAddress address, int prefixLength)
    {
        byte family = AddressValue.FromIPAddress(address, out UInt128 value, nameof(address));
        int width = AddressValue.Width(family);
        if (prefixLength < 0 || prefixLength > width)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"prefixLength must be 0 to {width} for this family.");
        }

        UInt128 host = AddressValue.LowMask(width - prefixLength);
        if ((value & host) != UInt128.Zero)
        {
            throw new ArgumentException($"address: {address} has bits set beyond the /{prefixLength} prefix.", nameof(address));
        }

        return new IPAddressRange(family, value, value | host);
    }

    /// <summary>An inclusive range of addresses of one family.</summary>
    /// <param name="first">The first address.</param>
    /// <param name="last">The last address; not below <paramref name="first"/> and of the same family.</param>
    /// <returns>The range.</returns>
    /// <exception cref="ArgumentException">The families differ or <paramref name="last"/> is below <paramref name="first"/>.</exception>
    public static IPAddressRange FromRange(IPAddress first, IPAddress last)
    {
        byte family = AddressValue.FromIPAddress(first, out UInt128 start, nameof(first));
        if (AddressValue.FromIPAddress(last, out UInt128 end, nameof(last)) != family)
        {
            throw new ArgumentException("last: the first and last address must be of the same family.", nameof(last));
        }

        if (end < start)
        {
            throw new ArgumentException($"last: {last} is below the first address {first}.", nameof(last));
        }

        return new IPAddressRange(family, start, end);
    }

    /// <summary>A single address.</summary>
    /// <param name="address">The address.</param>
    /// <returns>The one-address range.</returns>
    public static IPAddressRange FromAddress(IPAddress address)
    {
        byte family = AddressValue.FromIPAddress(address, out UInt128 value, nameof(address));
        return new IPAddressRange(family, value, value);
    }

    /// <summary>Whether <paramref name="address"/> lies in the range.</summary>
    /// <param name="address">An IPv4 or IPv6 address.</param>
    /// <returns>True when it does (always for <see cref="Any"/>).</returns>
    public bool Contains(IPAddress address)
    {
        byte family = AddressValue.FromIPAddress(address, out UInt128 value, nameof(address));
        return Contains(family, value);
    }

    /// <summary>Whether the address lies in the range.</summary>
    internal bool Contains(byte family, UInt128 value) =>
        Family == AddressValue.Any || (Family == family && value >= FirstValue && value <= LastValue);

    /// <summary>Splits the range into the fewest prefixes that cover it exactly, as (value, prefix length) pairs.</summary>
    internal void AppendPrefixes(List<(UInt128 Value, int Length)> prefixes)
    {
        int width = AddressValue.Width(Family);
        UInt128 start = FirstValue;
        while (true)
        {
            int block = start == UInt128.Zero ? width : Math.Min((int)UInt128.TrailingZeroCount(start), width);
            while (block > 0 && AddressValue.LowMask(block) > LastValue - start)
            {
                block--;
            }

            prefixes.Add((start, width - block));
            UInt128 last = start + AddressValue.LowMask(block);
            if (last >= LastValue)
            {
                return;
            }

            start = last + UInt128.One;
        }
    }

    /// <inheritdoc/>
    public bool Equals(IPAddressRange other) => Family == other.Family && FirstValue == other.FirstValue && LastValue == other.LastValue;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IPAddressRange other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Family, FirstValue, LastValue);

    /// <summary>Equality.</summary>
    /// <param name="left">One range.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(IPAddressRange left, IPAddressRange right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One range.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when different.</returns>
    public static bool operator !=(IPAddressRange left, IPAddressRange right) => !left.Equals(right);

    /// <summary>"any", a prefix such as "192.0.2.0/24", or "first-last".</summary>
    /// <returns>The range as text.</returns>
    public override string ToString()
    {
        if (IsAny)
        {
            return "any";
        }

        int width = AddressValue.Width(Family);
        UInt128 span = LastValue - FirstValue;
        if (span == UInt128.Zero)
        {
            return First!.ToString();
        }

        int hostBits = 128 - (int)UInt128.LeadingZeroCount(span);
        if (span == AddressValue.LowMask(hostBits) && (FirstValue & span) == UInt128.Zero)
        {
            return $"{First}/{width - hostBits}";
        }

        return $"{First}-{Last}";
    }
}
