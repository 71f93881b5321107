using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// One end of an ESP tunnel as a socket sees it: an IPv4 or IPv6 address and a UDP port, as a value (no allocation,
/// storable in a packet descriptor). Port 0 stands for raw ESP (IP protocol 50), which has no ports.
/// </summary>
/// <remarks>
/// An IPv4-mapped IPv6 address (<c>::ffff:a.b.c.d</c>, as a dual-stack socket reports an IPv4 peer) is stored as the
/// IPv4 address it maps, so an endpoint read from either kind of socket compares equal to the configured one.
/// <see langword="default"/> is the unspecified endpoint (<see cref="IsSpecified"/> false).
/// </remarks>
public readonly struct IpsecEndpoint : IEquatable<IpsecEndpoint>
{
    private readonly UInt128 _address;
    private readonly byte _family;
    private readonly ushort _port;

    /// <summary>Creates an IPv4 endpoint.</summary>
    /// <param name="address">The address.</param>
    /// <param name="port">The UDP port; 0 for raw ESP.</param>
    public IpsecEndpoint(IPv4Address address, ushort port)
    {
        _address = address.Value;
        _family = 4;
        _port = port;
    }

    /// <summary>Creates an IPv6 endpoint; an IPv4-mapped address becomes the IPv4 address it maps.</summary>
    /// <param name="address">The address.</param>
    /// <param name="port">The UDP port; 0 for raw ESP.</param>
    public IpsecEndpoint(IPv6Address address, ushort port)
    {
        if (address.IsIPv4Mapped)
        {
            _address = (uint)address.Lower;
            _family = 4;
        }
        else
        {
            _address = address.Value;
            _family = 6;
        }

        _port = port;
    }

    /// <summary>An endpoint with a port and no address (transport mode, where the packet carries the addresses).</summary>
    private IpsecEndpoint(ushort port) => _port = port;

    /// <summary>True for an endpoint with an address; false for <see langword="default"/>.</summary>
    public bool IsSpecified => _family != 0;

    /// <summary>True for an IPv6 address.</summary>
    public bool IsIPv6 => _family == 6;

    /// <summary>The UDP port; 0 for raw ESP (IP protocol 50).</summary>
    public ushort Port => _port;

    /// <summary>The address length on the wire in bytes: 4, 16, or 0 when unspecified.</summary>
    public int AddressLength => _family switch { 4 => IPv4Address.Length, 6 => IPv6Address.Length, _ => 0 };

    /// <summary>The IPv4 address.</summary>
    /// <exception cref="InvalidOperationException">The endpoint is not IPv4.</exception>
    public IPv4Address IPv4Address => _family == 4 ? new IPv4Address((uint)_address) : throw new InvalidOperationException("The endpoint is not IPv4.");

    /// <summary>The IPv6 address.</summary>
    /// <exception cref="InvalidOperationException">The endpoint is not IPv6.</exception>
    public IPv6Address IPv6Address => _family == 6 ? new IPv6Address((ulong)(_address >> 64), (ulong)_address) : throw new InvalidOperationException("The endpoint is not IPv6.");

    /// <summary>
    /// Reads an endpoint from a 4-byte (IPv4) or 16-byte (IPv6) address in network order, as in a <c>sockaddr_in</c> /
    /// <c>sockaddr_in6</c> or an <c>IP_PKTINFO</c> control message.
    /// </summary>
    /// <param name="address">The address bytes.</param>
    /// <param name="port">The port in host order; 0 for raw ESP.</param>
    /// <param name="endpoint">The endpoint, or <see langword="default"/> on failure.</param>
    /// <returns>False when <paramref name="address"/> is neither 4 nor 16 bytes long.</returns>
    public static bool TryCreate(ReadOnlySpan<byte> address, ushort port, out IpsecEndpoint endpoint)
    {
        if (address.Length == IPv4Address.Length)
        {
            endpoint = new IpsecEndpoint(new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(address)), port);
            return true;
        }

        if (address.Length == IPv6Address.Length)
        {
            endpoint = new IpsecEndpoint(
                new IPv6Address(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..])), port);
            return true;
        }

        endpoint = default;
        return false;
    }

    /// <summary>Converts an <see cref="IPAddress"/> and a port without allocating.</summary>
    /// <param name="address">An IPv4 or IPv6 address (the IPv6 scope is dropped).</param>
    /// <param name="port">The UDP port; 0 for raw ESP.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentException">The address is of another family.</exception>
    public static IpsecEndpoint FromIPAddress(IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            ThrowHelper.ThrowArgument($"address: only IPv4 and IPv6 addresses are supported; got {address.AddressFamily}.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[IPv6Address.Length];
        address.TryWriteBytes(bytes, out int written);
        TryCreate(bytes[..written], port, out IpsecEndpoint endpoint);
        return endpoint;
    }

    /// <summary>Converts an <see cref="IPEndPoint"/> without allocating.</summary>
    /// <param name="endPoint">The socket endpoint.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentException">The address is neither IPv4 nor IPv6.</exception>
    public static IpsecEndpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return FromIPAddress(endPoint.Address, (ushort)endPoint.Port);
    }

    /// <summary>The same address with another port (a NAT rebinding moves the peer's port).</summary>
    /// <param name="port">The new port.</param>
    /// <returns>The endpoint with <paramref name="port"/>.</returns>
    public IpsecEndpoint WithPort(ushort port) => _family switch
    {
        4 => new IpsecEndpoint(new IPv4Address((uint)_address), port),
        6 => new IpsecEndpoint(new IPv6Address((ulong)(_address >> 64), (ulong)_address), port),
        _ => new IpsecEndpoint(port),
    };

    /// <summary>An endpoint with no address and <paramref name="port"/>.</summary>
    internal static IpsecEndpoint PortOnly(ushort port) => new(port);

    /// <summary>Writes the address in network order (4 or 16 bytes).</summary>
    /// <param name="destination">Where the address goes.</param>
    /// <returns>The bytes written: 4, 16, or 0 when the endpoint is unspecified.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="AddressLength"/>.</exception>
    public int WriteAddress(Span<byte> destination)
    {
        int length = AddressLength;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowArgument($"destination: the address needs {length} bytes; got {destination.Length}.", nameof(destination));
        }

        if (_family == 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_address);
        }
        else if (_family == 6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, (ulong)(_address >> 64));
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], (ulong)_address);
        }

        return length;
    }

    /// <summary>Converts to an <see cref="IPEndPoint"/> (allocates; for management, not the data path).</summary>
    /// <returns>The socket endpoint.</returns>
    /// <exception cref="InvalidOperationException">The endpoint is unspecified.</exception>
    public IPEndPoint ToIPEndPoint()
    {
        if (_family == 0)
        {
            throw new InvalidOperationException("The endpoint is unspecified.");
        }

        byte[] bytes = new byte[AddressLength];
        WriteAddress(bytes);
        return new IPEndPoint(new IPAddress(bytes), _port);
    }

    /// <summary>Whether the two endpoints have the same address and port.</summary>
    /// <param name="other">The other endpoint.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(IpsecEndpoint other) => _family == other._family && _port == other._port && _address == other._address;

    /// <summary>Whether the addresses are equal, ports aside.</summary>
    /// <param name="other">The other endpoint.</param>
    /// <returns>True when the addresses (and families) are equal.</returns>
    public bool AddressEquals(IpsecEndpoint other) => _family == other._family && _address == other._address;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is IpsecEndpoint other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_address, _family, _port);

    /// <summary>Whether two endpoints are equal.</summary>
    /// <param name="left">The first endpoint.</param>
    /// <param name="right">The second endpoint.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(IpsecEndpoint left, IpsecEndpoint right) => left.Equals(right);

    /// <summary>Whether two endpoints differ.</summary>
    /// <param name="left">The first endpoint.</param>
    /// <param name="right">The second endpoint.</param>
    /// <returns>True when they differ.</returns>
    public static bool operator !=(IpsecEndpoint left, IpsecEndpoint right) => !left.Equals(right);

    /// <summary>The endpoint as <c>192.0.2.1:4500</c> or <c>[2001:db8::1]:4500</c>; <c>unspecified:0</c> without an address.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => _family switch
    {
        4 => $"{IPv4Address}:{_port}",
        6 => $"[{IPv6Address}]:{_port}",
        _ => $"unspecified:{_port}",
    };

    /// <summary>The address as the SAD's family byte and value (4 or 6; 0 unspecified).</summary>
    internal byte Family => _family;

    /// <summary>The address as a number (IPv4 in the low 32 bits).</summary>
    internal UInt128 AddressValue => _address;
}
