using System;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
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
    private readonly byte[] _source;
    private readonly byte[] _destination;
    private readonly byte _hopLimit;
    private readonly DontFragmentPolicy _dontFragment;
    private readonly bool _copyDscp;
    private readonly bool _copyFlowLabel;
    private readonly PaddedInt32 _identification;

    // IPv4: the two addresses as the eight bytes they are on the wire, and their one's complement sum, so the header is
    // written with three stores and its checksum summed from fields held in registers (no reload of bytes just stored).
    private readonly ulong _ipv4Addresses;
    private readonly uint _ipv4AddressSum;

    public OuterHeaderTemplate(IPAddress? source, IPAddress? destination, byte hopLimit, DontFragmentPolicy dontFragment, bool copyDscp, bool copyFlowLabel, string paramName)
    {
        if (source is null || destination is null || source.AddressFamily != destination.AddressFamily)
        {
            throw new ArgumentException("TunnelSource and TunnelDestination: tunnel mode needs both outer addresses, of one family.", paramName);
        }

        IsIPv6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        _source = source.GetAddressBytes();
        _destination = destination.GetAddressBytes();
        _hopLimit = hopLimit;
        _dontFragment = dontFragment;
        _copyDscp = copyDscp;
        _copyFlowLabel = copyFlowLabel;
        _identification = new PaddedInt32 { Value = Random.Shared.Next(ushort.MaxValue + 1) };
        (_ipv4Addresses, _ipv4AddressSum) = IPv4Addresses(_source, _destination);
    }

    /// <summary>A copy of <paramref name="previous"/> with other endpoint addresses (same family), sharing its IPv4 Identification counter.</summary>
    private OuterHeaderTemplate(OuterHeaderTemplate previous, byte[] source, byte[] destination)
    {
        IsIPv6 = previous.IsIPv6;
        _source = source;
        _destination = destination;
        _hopLimit = previous._hopLimit;
        _dontFragment = previous._dontFragment;
        _copyDscp = previous._copyDscp;
        _copyFlowLabel = previous._copyFlowLabel;
        _identification = previous._identification;
        (_ipv4Addresses, _ipv4AddressSum) = IPv4Addresses(source, destination);
    }

    private static (ulong Addresses, uint Sum) IPv4Addresses(byte[] source, byte[] destination)
    {
        if (source.Length != 4)
        {
            return (0, 0);
        }

        Span<byte> both = stackalloc byte[8];
        source.CopyTo(both);
        destination.CopyTo(both[4..]);
        return (BitConverter.ToUInt64(both), InternetChecksum.Accumulate(both));
    }

    /// <summary>This template with other outer addresses, of its family (4 or 16 bytes each, network order).</summary>
    public OuterHeaderTemplate WithAddresses(byte[] source, byte[] destination) => new(this, source, destination);

    /// <summary>True for an IPv6 outer header.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The outer header length in bytes (20 or 40).</summary>
    public int HeaderLength => IsIPv6 ? IPv6Header.Length : IPv4Header.MinLength;

    /// <summary>Sets the next IPv4 Identification (tests reproducing captured packets).</summary>
    public void SetNextIdentification(ushort identification) => Volatile.Write(ref _identification.Value, identification - 1);

    /// <summary>What the outer header inherits from an inner packet; read before the inner packet is encrypted.</summary>
    public static InnerFields ReadInner(ReadOnlySpan<byte> inner)
    {
        if (inner[0] >> 4 == 6)
        {
            uint first = BinaryPrimitives.ReadUInt32BigEndian(inner);
            return new InnerFields((byte)(first >> 20), false, first & 0xFFFFF);
        }

        bool dontFragment = (BinaryPrimitives.ReadUInt16BigEndian(inner[IPv4Header.Field.FlagsFragmentOffset..]) & IPv4Header.DontFragmentFlag) != 0;
        return new InnerFields(inner[IPv4Header.Field.Tos], dontFragment, 0);
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
    /// Writes the outer header at the start of <paramref name="packet"/> (the whole outer packet), with
    /// <paramref name="protocol"/> next and, for IPv4, <paramref name="identification"/> from <see cref="NextIdentification"/>.
    /// </summary>

    public void Write(Span<byte> packet, byte protocol, InnerFields inner, ushort identification)
    {
        byte trafficClass = GetTrafficClass(inner.TrafficClass);
        if (IsIPv6)
        {
            uint flowLabel = _copyFlowLabel ? inner.FlowLabel : 0;
            BinaryPrimitives.WriteUInt32BigEndian(packet, (6u << 28) | ((uint)trafficClass << 20) | flowLabel);
            BinaryPrimitives.WriteUInt16BigEndian(packet[IPv6Header.Field.PayloadLength..], (ushort)(packet.Length - IPv6Header.Length));
            packet[IPv6Header.Field.NextHeader] = protocol;
            packet[IPv6Header.Field.HopLimit] = _hopLimit;
            _source.CopyTo(packet[IPv6Header.Field.Source..]);
            _destination.CopyTo(packet[IPv6Header.Field.Destination..]);
            return;
        }

        bool dontFragment = _dontFragment switch
        {
            DontFragmentPolicy.Set => true,
            DontFragmentPolicy.Clear => false,
            _ => inner.DontFragment,
        };
        // Version/IHL and TOS, total length, identification, flags (fragment offset 0); TTL and protocol; checksum.
        ushort versionTos = (ushort)(0x4500 | trafficClass);
        ushort totalLength = (ushort)packet.Length;
        ushort flags = dontFragment ? IPv4Header.DontFragmentFlag : (ushort)0;
        ushort ttlProtocol = (ushort)((_hopLimit << 8) | protocol);
        uint sum = _ipv4AddressSum + versionTos + totalLength + identification + flags + ttlProtocol;
        ushort checksum = InternetChecksum.Finish(sum);
        _ = packet[IPv4Header.MinLength - 1];
        BinaryPrimitives.WriteUInt64BigEndian(packet, ((ulong)versionTos << 48) | ((ulong)totalLength << 32) | ((ulong)identification << 16) | flags);
        BinaryPrimitives.WriteUInt32BigEndian(packet[IPv4Header.Field.TimeToLive..], ((uint)ttlProtocol << 16) | checksum);
        BinaryPrimitives.WriteUInt64LittleEndian(packet[IPv4Header.Field.Source..], BitConverter.IsLittleEndian ? _ipv4Addresses : BinaryPrimitives.ReverseEndianness(_ipv4Addresses));
    }

    /// <summary>The outer TOS / traffic class for an inner one: DSCP copied if configured, ECN by RFC 6040 normal mode.</summary>
    public byte GetTrafficClass(byte innerTrafficClass) =>
        (byte)((_copyDscp ? innerTrafficClass & 0xFC : 0) | EcnTunneling.Encapsulate((byte)(innerTrafficClass & 3)));

    /// <summary>The inner packet's traffic class (or TOS), DF bit and flow label.</summary>
    internal readonly record struct InnerFields(byte TrafficClass, bool DontFragment, uint FlowLabel);
}
