using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Modes;

/// <summary>
/// The outer IP header of a tunnel-mode SA, built once from its endpoints and policies (RFC 4301 §5.1.2) and written per
/// packet: addresses, TTL or hop limit, DF, DSCP, ECN by RFC 6040 normal mode, flow label, a per-tunnel IPv4 Identification
/// counter, lengths and checksum. Shared by ESP and AH.
/// </summary>
internal sealed class OuterHeaderTemplate
{
    /// <summary>Version 4, IHL 5: the first byte of an outer IPv4 header (no options).</summary>
    private const ulong IPv4VersionIhl = 0x45;

    private readonly byte[] _source;
    private readonly byte[] _destination;
    private readonly byte _hopLimit;
    private readonly bool _copyFlowLabel;
    private readonly PaddedInt32 _identification;

    // IPv4: the two addresses as the eight bytes they are on the wire, so the header is written with three stores and its
    // checksum summed from fields held in registers (no reload of bytes just stored).
    private readonly ulong _ipv4Addresses;

    // IPv4, per packet without branches: the TOS bits copied from the inner packet (the DSCP when asked; the ECN bits are
    // always derived) and the DF bit when copied from it. Everything else is fixed per template: the first eight bytes
    // but TOS, length, Identification and a copied DF; TTL and protocol; and the sums of the fixed words, without the
    // addresses (kept when the addresses move) and with them.
    private readonly uint _copiedTosBits;
    private readonly uint _copiedDontFragment;
    private readonly ulong _ipv4FixedFirstWords;
    private readonly uint _ipv4TtlProtocolWord;
    private readonly uint _ipv4FieldsSum;
    private readonly uint _ipv4FixedSum;

    /// <summary>Creates the template of a tunnel's outer header.</summary>
    /// <param name="protocol">What the outer header carries: ESP (50), UDP (17, ESP in UDP) or AH (51).</param>
    /// <param name="source">Our outer address.</param>
    /// <param name="destination">The peer's outer address, of the same family.</param>
    /// <param name="hopLimit">The outer TTL or hop limit.</param>
    /// <param name="dontFragment">The outer IPv4 DF bit: copied, set or clear.</param>
    /// <param name="copyDscp">Whether the outer header copies the inner DSCP.</param>
    /// <param name="copyFlowLabel">Whether an outer IPv6 header copies the inner flow label.</param>
    /// <param name="paramName">The caller's options parameter, named by the exception.</param>
    public OuterHeaderTemplate(
        IPProtocol protocol, IPAddress? source, IPAddress? destination, byte hopLimit, DontFragmentPolicy dontFragment, bool copyDscp, bool copyFlowLabel, string paramName)
    {
        if (source is null || destination is null || source.AddressFamily != destination.AddressFamily)
        {
            throw new ArgumentException("TunnelSource and TunnelDestination: tunnel mode needs both outer addresses, of one family.", paramName);
        }

        IsIPv6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        _source = source.GetAddressBytes();
        _destination = destination.GetAddressBytes();
        Protocol = (byte)protocol;
        _hopLimit = hopLimit;
        _copyFlowLabel = copyFlowLabel;
        _identification = new PaddedInt32 { Value = Random.Shared.Next(ushort.MaxValue + 1) };
        _copiedTosBits = copyDscp ? 0xFCu : 0u;
        _copiedDontFragment = dontFragment == DontFragmentPolicy.Copy ? IPv4Header.DontFragmentFlag : 0u;
        uint fixedDontFragment = dontFragment == DontFragmentPolicy.Set ? IPv4Header.DontFragmentFlag : 0u;
        _ipv4FixedFirstWords = (IPv4VersionIhl << 56) | fixedDontFragment;
        uint ttlProtocol = ((uint)hopLimit << 8) | Protocol;
        _ipv4TtlProtocolWord = ttlProtocol << 16;
        _ipv4FieldsSum = ((uint)IPv4VersionIhl << 8) + fixedDontFragment + ttlProtocol;
        (_ipv4Addresses, _ipv4FixedSum) = IPv4Addresses(_source, _destination, _ipv4FieldsSum);
    }

    /// <summary>A copy of <paramref name="previous"/> with other endpoint addresses (same family), sharing its IPv4 Identification counter.</summary>
    private OuterHeaderTemplate(OuterHeaderTemplate previous, byte[] source, byte[] destination)
    {
        IsIPv6 = previous.IsIPv6;
        _source = source;
        _destination = destination;
        Protocol = previous.Protocol;
        _hopLimit = previous._hopLimit;
        _copyFlowLabel = previous._copyFlowLabel;
        _identification = previous._identification;
        _copiedTosBits = previous._copiedTosBits;
        _copiedDontFragment = previous._copiedDontFragment;
        _ipv4FixedFirstWords = previous._ipv4FixedFirstWords;
        _ipv4TtlProtocolWord = previous._ipv4TtlProtocolWord;
        _ipv4FieldsSum = previous._ipv4FieldsSum;
        (_ipv4Addresses, _ipv4FixedSum) = IPv4Addresses(source, destination, _ipv4FieldsSum);
    }

    /// <summary>IPv4: the two addresses as eight bytes read in machine order, and <paramref name="fieldsSum"/> plus their sum.</summary>
    private static (ulong Addresses, uint FixedSum) IPv4Addresses(byte[] source, byte[] destination, uint fieldsSum)
    {
        if (source.Length != 4)
        {
            return (0, 0);
        }

        Span<byte> both = stackalloc byte[8];
        source.CopyTo(both);
        destination.CopyTo(both[4..]);
        return (BitConverter.ToUInt64(both), fieldsSum + InternetChecksum.Accumulate(both));
    }

    /// <summary>This template with other outer addresses, of its family (4 or 16 bytes each, network order).</summary>
    public OuterHeaderTemplate WithAddresses(byte[] source, byte[] destination) => new(this, source, destination);

    /// <summary>The protocol the outer header carries (its IPv4 Protocol or IPv6 Next Header).</summary>
    public byte Protocol { get; }

    /// <summary>True for an IPv6 outer header.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The outer header length in bytes (20 or 40).</summary>
    public int HeaderLength => IsIPv6 ? IPv6Header.Length : IPv4Header.MinLength;

    /// <summary>Sets the next IPv4 Identification (tests reproducing captured packets).</summary>
    public void SetNextIdentification(ushort identification) => Volatile.Write(ref _identification.Value, identification - 1);

    /// <summary>What the outer header inherits from an inner packet; read before the inner packet is encrypted.</summary>
    /// <param name="inner">A measured inner IPv4 or IPv6 packet (at least 20 bytes).</param>
    public static InnerFields ReadInner(ReadOnlySpan<byte> inner)
    {
        if (inner.Length < IPv4Header.MinLength)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(inner), "The inner packet was not measured: shorter than an IPv4 header.");
        }

        // Each read takes only its own field, so a header the caller has just written is forwarded from its stores.
        ref byte header = ref MemoryMarshal.GetReference(inner);
        if (header >> 4 == IPv6Header.Version)
        {
            uint first = BigEndian(Unsafe.ReadUnaligned<uint>(ref header));
            return new InnerFields((byte)(first >> 20), false, first & 0xFFFFF, true);
        }

        ushort flags = BigEndian(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref header, IPv4Header.Field.FlagsFragmentOffset)));
        return new InnerFields(Unsafe.Add(ref header, IPv4Header.Field.Tos), (flags & IPv4Header.DontFragmentFlag) != 0, 0, false);
    }

    /// <summary>
    /// The next IPv4 Identification of this tunnel from its counter (AH), taken before the packet's payload is processed.
    /// </summary>
    public ushort NextIdentification() => IsIPv6 ? (ushort)0 : (ushort)Interlocked.Increment(ref _identification.Value);

    /// <summary>
    /// The IPv4 Identification (RFC 6864) of the ESP packet with <paramref name="sequenceNumber"/>: its low sixteen bits
    /// plus this tunnel's random offset. Identifications then count up by one per packet from a random start, as the
    /// counter does, without another write shared by every thread sending on the SA (the ESP sequence number is already
    /// unique per packet). ESP tunnels use this; AH tunnels the counter.
    /// </summary>
    public ushort IdentificationFor(ulong sequenceNumber) => (ushort)((uint)sequenceNumber + (uint)Volatile.Read(ref _identification.Value));

    /// <summary>Sets the offset <see cref="IdentificationFor"/> adds (tests reproducing captured packets).</summary>
    public void SetIdentificationOffset(ushort offset) => Volatile.Write(ref _identification.Value, offset);

    /// <summary>
    /// Writes the outer header at the start of <paramref name="packet"/> (the whole outer packet, at most 65,535 bytes
    /// for IPv4 and 40 + 65,535 for IPv6, which the callers check), with, for IPv4, <paramref name="identification"/>.
    /// </summary>
    public void Write(Span<byte> packet, InnerFields inner, ushort identification)
    {
        uint trafficClass = GetTrafficClass(inner.TrafficClass);
        if (IsIPv6)
        {
            uint flowLabel = _copyFlowLabel ? inner.FlowLabel : 0;
            BinaryPrimitives.WriteUInt32BigEndian(packet, (6u << 28) | (trafficClass << 20) | flowLabel);
            BinaryPrimitives.WriteUInt16BigEndian(packet[IPv6Header.Field.PayloadLength..], (ushort)(packet.Length - IPv6Header.Length));
            packet[IPv6Header.Field.NextHeader] = Protocol;
            packet[IPv6Header.Field.HopLimit] = _hopLimit;
            _source.CopyTo(packet[IPv6Header.Field.Source..]);
            _destination.CopyTo(packet[IPv6Header.Field.Destination..]);
            return;
        }

        if ((uint)packet.Length - IPv4Header.MinLength > ushort.MaxValue - IPv4Header.MinLength)
        {
            ThrowOuterLength(packet.Length);
        }

        // Version/IHL and TOS, total length, identification, flags (fragment offset 0); TTL and protocol; checksum; the
        // addresses. Summed from the values in registers, not from the bytes stored.
        uint totalLength = (uint)packet.Length;
        uint dontFragment = inner.DontFragment ? _copiedDontFragment : 0u;
        ushort checksum = InternetChecksum.Finish(_ipv4FixedSum + trafficClass + totalLength + identification + dontFragment);
        ulong firstWords = _ipv4FixedFirstWords | ((ulong)trafficClass << 48) | ((ulong)totalLength << 32) | ((ulong)identification << 16) | dontFragment;
        ref byte header = ref MemoryMarshal.GetReference(packet);
        Unsafe.WriteUnaligned(ref header, BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(firstWords) : firstWords);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref header, IPv4Header.Field.TimeToLive), BigEndian(_ipv4TtlProtocolWord | checksum));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref header, IPv4Header.Field.Source), _ipv4Addresses);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOuterLength(int length) =>
        throw new ArgumentOutOfRangeException("packet", $"An outer IPv4 packet is 20 to 65,535 bytes; got {length}.");

    private static uint BigEndian(uint value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static ushort BigEndian(ushort value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    /// <summary>The outer TOS / traffic class for an inner one: DSCP copied if configured, ECN by RFC 6040 normal mode.</summary>
    public byte GetTrafficClass(byte innerTrafficClass) =>
        (byte)((innerTrafficClass & _copiedTosBits) | EcnTunneling.Encapsulate((byte)(innerTrafficClass & 3)));

    /// <summary>The inner packet's traffic class (or TOS), DF bit and flow label, and whether it is IPv6.</summary>
    internal readonly record struct InnerFields(byte TrafficClass, bool DontFragment, uint FlowLabel, bool IsIPv6);
}
