using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Policy;

/// <summary>
/// Addresses as integers: an IPv4 address is its 32-bit value, an IPv6 address its 128-bit value, and a family byte
/// (<see cref="IPv4"/> or <see cref="IPv6"/>) says which, so an IPv4 address never equals an IPv6 one.
/// </summary>
internal static class AddressValue
{
    public const byte Any = 0;
    public const byte IPv4 = 4;
    public const byte IPv6 = 6;

    /// <summary>Reads a 4-byte (IPv4) or 16-byte (IPv6) address in network order.</summary>
    /// <returns>The family, <see cref="IPv4"/> or <see cref="IPv6"/>.</returns>
    /// <exception cref="ArgumentException">The span is neither 4 nor 16 bytes.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Read(ReadOnlySpan<byte> address, out UInt128 value, string paramName)
    {
        if (address.Length == 4)
        {
            value = BinaryPrimitives.ReadUInt32BigEndian(address);
            return IPv4;
        }

        if (address.Length == 16)
        {
            value = new UInt128(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]));
            return IPv6;
        }

        value = default;
        ThrowHelper.ThrowArgument("An address is 4 bytes (IPv4) or 16 bytes (IPv6).", paramName);
        return Any;
    }

    /// <summary>Converts an <see cref="IPAddress"/> (IPv4 or IPv6; the IPv6 scope is ignored).</summary>
    /// <exception cref="ArgumentException">The address is of another family.</exception>
    public static byte FromIPAddress(IPAddress address, out UInt128 value, string paramName)
    {
        ArgumentNullException.ThrowIfNull(address, paramName);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"{paramName}: only IPv4 and IPv6 addresses are supported; got {address.AddressFamily}.", paramName);
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return Read(bytes[..written], out value, paramName);
    }

    /// <summary>Converts back to an <see cref="IPAddress"/>.</summary>
    public static IPAddress ToIPAddress(byte family, UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (family == IPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value);
            return new IPAddress(bytes[..4]);
        }

        BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)(value >> 64));
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], (ulong)value);
        return new IPAddress(bytes);
    }

    /// <summary>The address width in bits: 32 or 128.</summary>
    public static int Width(byte family) => family == IPv4 ? 32 : 128;

    /// <summary>A mask of the low <paramref name="bits"/> bits (0 to 128).</summary>
    public static UInt128 LowMask(int bits) => bits <= 0 ? UInt128.Zero : bits >= 128 ? UInt128.MaxValue : (UInt128.One << bits) - UInt128.One;
}
