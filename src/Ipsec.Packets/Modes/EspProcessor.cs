using System;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Modes;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// Whole-packet ESP for one SA: transport or tunnel mode over IPv4 and IPv6 (all four tunnel combinations), optionally in
/// UDP (RFC 3948). Protect takes an IP packet in the caller's buffer and leaves the protected packet in the same buffer,
/// growing into the headroom before it and the tailroom after it; unprotect does the reverse in place.
/// </summary>
/// <remarks>
/// <para>Nothing is copied but headers: in transport mode the IP header (with the IPv6 extension headers before ESP) moves
/// by the ESP header's length; in tunnel mode the outer header is written into the headroom. Size the buffer with
/// <see cref="MaximumHeadroom"/> and <see cref="MaximumTailroom"/>. Thread-safe like its SA; no allocation per packet.</para>
/// <para>Tunnel mode follows RFC 6040 (normal mode) for ECN both ways, copies DSCP if asked, and validates the inner packet
/// after decapsulation. Packet bytes never cause exceptions; every outcome is an <see cref="IpsecStatus"/>.</para>
/// </remarks>
// SkipLocalsInit: the packet paths write every local before reading it; without it the JIT zeroed a frame of several
// hundred bytes on each protect (inlined spans and scratch blocks).
[SkipLocalsInit]
public sealed partial class EspProcessor : ISecurityAssociation
{
    private const int UdpHeaderLength = UdpHeader.HeaderLength;
    private readonly EspSecurityAssociation _sa;
    private readonly EspProcessorOptions _options;

    // The options every packet reads, kept in this object (the options are init-only): the packet paths then touch one
    // object fewer.
    private readonly bool _tunnelMode;
    private readonly bool _udpEncapsulation;
    private readonly bool _outerIsIPv6;

    // The outer IP header plus, with UDP encapsulation, the UDP header: fixed for the processor's life (the endpoints
    // may change, their family may not).
    private readonly int _outerHeaderLength;

    private TunnelEndpoints _endpoints;
    private int _pathMtu;
    private readonly byte[] _natOriginalSource;
    private readonly byte[] _natOriginalDestination;
    private readonly TrafficSelector[] _selectors;

    /// <summary>Creates the processor.</summary>
    /// <param name="securityAssociation">The SA whose ESP packets this processor frames.</param>
    /// <param name="options">Mode, tunnel endpoints, UDP encapsulation and limits.</param>
    /// <exception cref="ArgumentException">Tunnel mode without two endpoint addresses of one family, or NAT-OA addresses of mixed families.</exception>
    public EspProcessor(EspSecurityAssociation securityAssociation, EspProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(securityAssociation);
        ArgumentNullException.ThrowIfNull(options);
        _sa = securityAssociation;
        _options = options;
        _tunnelMode = options.Mode == IpsecMode.Tunnel;
        _udpEncapsulation = options.UdpEncapsulation;
        ushort localPort = options.UdpEncapsulation ? options.UdpSourcePort : (ushort)0;
        ushort remotePort = options.UdpEncapsulation ? options.UdpDestinationPort : (ushort)0;
        if (options.UdpEncapsulation && (localPort == 0 || remotePort == 0))
        {
            throw new ArgumentException("UdpSourcePort and UdpDestinationPort: UDP encapsulation needs both ports (not 0).", nameof(options));
        }

        if (options.Mode == IpsecMode.Tunnel)
        {
            var outer = new OuterHeaderTemplate(
                options.UdpEncapsulation ? IPProtocol.Udp : IPProtocol.Esp, options.TunnelSource, options.TunnelDestination, options.HopLimit, options.DontFragment, options.CopyDscp, options.CopyFlowLabel, nameof(options));
            _outerIsIPv6 = outer.IsIPv6;
            _endpoints = new TunnelEndpoints(
                IpsecEndpoint.FromIPAddress(options.TunnelSource!, localPort), IpsecEndpoint.FromIPAddress(options.TunnelDestination!, remotePort), outer);
        }
        else
        {
            _endpoints = new TunnelEndpoints(IpsecEndpoint.PortOnly(localPort), IpsecEndpoint.PortOnly(remotePort), null);
        }

        _natOriginalSource = options.NatOriginalSource?.GetAddressBytes() ?? [];
        _natOriginalDestination = options.NatOriginalDestination?.GetAddressBytes() ?? [];
        if (_natOriginalSource.Length != _natOriginalDestination.Length)
        {
            throw new ArgumentException("NatOriginalSource and NatOriginalDestination: set both, of one family, or neither.", nameof(options));
        }

        _selectors = options.TrafficSelectors is null ? [] : [.. options.TrafficSelectors];
        if (options.Mtu < 0)
        {
            throw new ArgumentException($"Mtu must be 0 (no limit) or positive; got {options.Mtu}.", nameof(options));
        }

        _pathMtu = options.Mtu;
        _outerHeaderLength = OuterHeaderLength + (_udpEncapsulation ? UdpHeaderLength : 0);
    }

    /// <summary>The SA.</summary>
    public EspSecurityAssociation SecurityAssociation => _sa;

    /// <summary>The mode.</summary>
    public IpsecMode Mode => _options.Mode;

    /// <summary>The SA's SPI, so the processor can be installed in a <see cref="SecurityAssociationDatabase"/>.</summary>
    public uint Spi => _sa.Spi;

    /// <summary>Disposes the SA (zeroing its keys).</summary>
    public void Dispose() => _sa.Dispose();

    /// <summary>The most bytes <see cref="Protect"/> needs before the packet: ESP header and IV, UDP, and the outer header in tunnel mode.</summary>
    public int MaximumHeadroom =>
        _sa.HeaderLength + (_udpEncapsulation ? UdpHeaderLength : 0) + OuterHeaderLength;

    /// <summary>The most bytes <see cref="Protect"/> needs after the packet: TFC padding, ESP padding, trailer and ICV.</summary>
    public int MaximumTailroom => _sa.MaximumTrailerLength + _sa.TfcPaddingLength;

    /// <summary>Sets the next outer IPv4 Identification (tests reproducing captured packets).</summary>
    internal void SetNextIdentification(ushort identification) =>
        Volatile.Read(ref _endpoints).Outer?.SetIdentificationOffset((ushort)(identification - (_sa.OutboundSequenceNumber + 1)));

    /// <summary>True when ESP is carried in UDP (RFC 3948); false for raw ESP (IP protocol 50).</summary>
    public bool UdpEncapsulation => _udpEncapsulation;

    /// <summary>The outer IP header length in tunnel mode (20 or 40 bytes); 0 in transport mode.</summary>
    private int OuterHeaderLength => _tunnelMode ? (_outerIsIPv6 ? IPv6Header.Length : IPv4Header.MinLength) : 0;

    /// <summary>
    /// Protects the IP packet at <c>buffer[offset..offset+length]</c> in place. The result may start before
    /// <paramref name="offset"/> (by up to <see cref="MaximumHeadroom"/>) and end after the packet (by up to <see cref="MaximumTailroom"/>).
    /// </summary>
    /// <param name="buffer">The caller's buffer holding the packet, with room around it.</param>
    /// <param name="offset">Where the IP packet starts.</param>
    /// <param name="length">The bytes available for the packet from <paramref name="offset"/>; the IP length fields decide its size.</param>
    /// <param name="result">Where the protected packet is; with <see cref="IpsecStatus.MtuExceeded"/>, the length it would need.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.Malformed"/> or <see cref="IpsecStatus.Truncated"/> for a
    /// packet that is not valid IP; <see cref="IpsecStatus.Fragment"/> for a fragment in transport mode;
    /// <see cref="IpsecStatus.MtuExceeded"/> when the protected packet would be longer than the path MTU or than its IP
    /// header's length field can state (65,535 bytes for IPv4, 40 + 65,535 for IPv6, whatever the path MTU);
    /// <see cref="IpsecStatus.DestinationTooSmall"/> when the buffer lacks head- or
    /// tailroom; <see cref="IpsecStatus.SequenceExhausted"/>. Nothing is changed on failure.
    /// </returns>
    public IpsecStatus Protect(Span<byte> buffer, int offset, int length, out EspProcessResult result)
    {
        BufferRange.Check(buffer.Length, offset, length);
        if (_tunnelMode)
        {
            return ProtectTunnel(buffer, offset, length, out result);
        }

        result = default;
        if (!IPPacketBounds.TryMeasure(buffer.Slice(offset, length), out int packetLength, out IpsecStatus status))
        {
            return status;
        }

        return ProtectTransport(buffer, offset, packetLength, out result);
    }

    /// <summary>
    /// Unprotects the ESP packet (IP, optionally UDP, then ESP) at <c>buffer[offset..offset+length]</c> in place, leaving
    /// the inner packet (tunnel mode) or the rebuilt original packet (transport mode) in the buffer.
    /// </summary>
    /// <param name="buffer">The caller's buffer holding the packet.</param>
    /// <param name="offset">Where the outer IP packet starts.</param>
    /// <param name="length">The bytes available from <paramref name="offset"/>.</param>
    /// <param name="result">Where the decapsulated packet is, and its sequence number.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>, an ESP status (<see cref="IpsecStatus.Replayed"/>, <see cref="IpsecStatus.AuthenticationFailed"/>, ...),
    /// <see cref="IpsecStatus.NotIpsec"/> (not ESP, or IKE and keepalives on the UDP port), <see cref="IpsecStatus.Fragment"/>,
    /// <see cref="IpsecStatus.Malformed"/> (including an invalid inner packet), <see cref="IpsecStatus.UnsupportedProtocol"/>
    /// or <see cref="IpsecStatus.EcnDrop"/>.
    /// </returns>
    public IpsecStatus Unprotect(Span<byte> buffer, int offset, int length, out EspProcessResult result)
    {
        result = default;
        BufferRange.Check(buffer.Length, offset, length);
        TunnelEndpoints endpoints = Volatile.Read(ref _endpoints);
        ReadOnlySpan<ushort> ports = [endpoints.Local.Port, endpoints.Remote.Port];
        IpsecStatus status = EspLocator.TryLocate(buffer.Slice(offset, length), _udpEncapsulation, ports, out EspLocation location);
        return status == IpsecStatus.Success ? UnprotectLocated(buffer, offset, location, out result) : status;
    }

    /// <summary>
    /// Whether a packet found with UDP encapsulation allowed on the standard port (as <see cref="IpsecPacketProcessor"/>
    /// looks) is one this processor accepts: raw ESP always, ESP in UDP only when configured and on its port.
    /// </summary>
    internal bool Accepts(Span<byte> packet, in EspLocation location)
    {
        if (location.UdpOffset < 0)
        {
            return true;
        }

        if (!_udpEncapsulation)
        {
            return false;
        }

        TunnelEndpoints endpoints = Volatile.Read(ref _endpoints);
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[location.UdpOffset..]);
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(location.UdpOffset + 2)..]);
        return destinationPort == endpoints.Local.Port || destinationPort == endpoints.Remote.Port || sourcePort == endpoints.Remote.Port;
    }

    /// <summary>Unprotects a packet whose ESP <see cref="EspLocator"/> already found, so the packet is parsed once.</summary>
    internal IpsecStatus UnprotectLocated(Span<byte> buffer, int offset, in EspLocation location, out EspProcessResult result)
    {
        result = default;
        IpsecStatus status;
        Span<byte> packet = buffer.Slice(offset, location.PacketLength);
        bool isIPv6 = location.IsIPv6;
        int espOffset = location.EspOffset;
        int nextHeaderField = location.NextHeaderField;
        int udpOffset = location.UdpOffset;
        int payloadOffset = espOffset + _sa.HeaderLength;
        if (packet.Length < payloadOffset)
        {
            return IpsecStatus.Truncated;
        }

        byte outerEcn = isIPv6 ? (byte)((BinaryPrimitives.ReadUInt32BigEndian(packet) >> 20) & 3) : (byte)(packet[IPv4Header.Field.Tos] & 3);
        status = _sa.Unprotect(packet[espOffset..], packet[payloadOffset..], out EspUnprotectResult esp);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        Span<byte> payload = packet.Slice(payloadOffset, esp.PayloadLength);
        if (_tunnelMode)
        {
            status = Decapsulate(payload, esp.NextHeader, outerEcn);
            if (status != IpsecStatus.Success)
            {
                payload.Clear();
                return status;
            }

            if (!MatchesSelectors(payload))
            {
                payload.Clear();
                return IpsecStatus.PolicyMismatch;
            }

            result = new EspProcessResult(offset + payloadOffset, esp.PayloadLength, esp.SequenceNumber, false);
            return IpsecStatus.Success;
        }

        // Transport mode: move the IP header (and IPv6 extension headers before ESP) up against the payload.
        int prefixLength = udpOffset >= 0 ? udpOffset : espOffset;
        int start = payloadOffset - prefixLength;
        packet[..prefixLength].CopyTo(packet[start..]);
        Span<byte> rebuilt = packet.Slice(start, prefixLength + esp.PayloadLength);
        if (isIPv6)
        {
            rebuilt[nextHeaderField] = esp.NextHeader;
            BinaryPrimitives.WriteUInt16BigEndian(rebuilt[IPv6Header.Field.PayloadLength..], (ushort)(rebuilt.Length - IPv6Header.Length));
        }
        else
        {
            // Protocol and total length change; the checksum follows incrementally (RFC 1624).
            IPv4HeaderEditor.SetProtocol(rebuilt, (IPProtocol)esp.NextHeader);
            IPv4HeaderEditor.SetTotalLength(rebuilt, (ushort)rebuilt.Length);
        }

        bool unverified = false;
        if (udpOffset >= 0 && esp.NextHeader is (byte)IPProtocol.Tcp or (byte)IPProtocol.Udp)
        {
            unverified = !FixTransportChecksum(rebuilt, prefixLength, esp.NextHeader, isIPv6);
        }

        if (!MatchesSelectors(rebuilt))
        {
            rebuilt.Clear();
            return IpsecStatus.PolicyMismatch;
        }

        result = new EspProcessResult(offset + start, rebuilt.Length, esp.SequenceNumber, unverified);
        return IpsecStatus.Success;
    }

    // Kept out of line so that it is always a root of the JIT's inlining: inlined into a caller's loop, its helpers (the
    // bounds, the counters, the header) competed for the caller's inlining budget, and which of them stayed calls
    // changed from one build of the caller to the next (a 64-byte packet then took 59 or 82 ns).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private IpsecStatus ProtectTunnel(Span<byte> buffer, int offset, int length, out EspProcessResult result)
    {
        // Read what the outer header inherits before the inner packet is encrypted in place. Protect has checked the range.
        Span<byte> inner = BufferRange.SliceChecked(buffer, offset, length);
        if (!IPPacketBounds.TryMeasure(inner, out int innerLength, out IpsecStatus status))
        {
            result = default;
            return status;
        }

        OuterHeaderTemplate.InnerFields fields = OuterHeaderTemplate.ReadInner(inner);
        EspSecurityAssociation sa = _sa;
        byte nextHeader = fields.IsIPv6 ? (byte)IPProtocol.IPv6 : (byte)IPProtocol.IPv4;
        int espHeaderLength = sa.HeaderLength;
        int encryptedLength = sa.GetEncryptedLength(innerLength, nextHeader);
        int espLength = espHeaderLength + encryptedLength + sa.IcvSize;
        int total = _outerHeaderLength + espLength;
        int start = offset - espHeaderLength - _outerHeaderLength;
        int outerLengthCap = LengthCap(Volatile.Read(ref _pathMtu), _outerIsIPv6);
        if (total > outerLengthCap)
        {
            result = new EspProcessResult(0, total, 0, false, GetInnerMtu(outerLengthCap));
            return IpsecStatus.MtuExceeded;
        }

        if (start < 0 || start > buffer.Length - total)
        {
            result = default;
            return IpsecStatus.DestinationTooSmall;
        }

        // The sequence number is reserved here, so the result reports this packet's own (another thread may send the
        // next one meanwhile) and the outer Identification derives from it; counted before the packet's stores.
        if (!sa.TryReserveSequenceNumber(out ulong sequenceNumber))
        {
            result = default;
            return IpsecStatus.SequenceExhausted;
        }

        sa.Counters.Protected(innerLength);
        Span<byte> packet = BufferRange.SliceChecked(buffer, start, total);
        sa.ProtectInPlaceReserved(BufferRange.SliceChecked(packet, _outerHeaderLength, espLength), innerLength, encryptedLength, nextHeader, sequenceNumber);
        WriteOuterHeaders(packet, fields, sequenceNumber);
        result = new EspProcessResult(start, total, sequenceNumber, false);
        return IpsecStatus.Success;
    }

    /// <summary>The outer IP header and, with UDP encapsulation, the UDP header, in front of the ESP packet.</summary>
    private void WriteOuterHeaders(Span<byte> outer, OuterHeaderTemplate.InnerFields fields, ulong sequenceNumber)
    {
        TunnelEndpoints endpoints = Volatile.Read(ref _endpoints);
        OuterHeaderTemplate template = endpoints.Outer!;
        template.Write(outer, fields, template.IdentificationFor(sequenceNumber));
        if (_udpEncapsulation)
        {
            WriteUdpHeader(outer[template.HeaderLength..], outer.Length - _outerHeaderLength, endpoints);
            if (template.IsIPv6)
            {
                WriteUdpChecksumIPv6(outer, template.HeaderLength);
            }
        }
    }

    private IpsecStatus ProtectTransport(Span<byte> buffer, int offset, int packetLength, out EspProcessResult result)
    {
        result = default;
        _sa.ThrowIfDisposed();   // before the header moves: a disposed SA leaves the packet as it was
        Span<byte> packet = buffer.Slice(offset, packetLength);
        bool isIPv6 = packet[0] >> 4 == 6;
        IpsecStatus found = TransportInsertion.TryFind(packet, _options.DestinationOptionsPlacement, out int prefixLength, out int nextHeaderField);
        if (found != IpsecStatus.Success)
        {
            return found;
        }

        byte nextHeader = packet[nextHeaderField];
        int payloadLength = packetLength - prefixLength;
        int udp = _udpEncapsulation ? UdpHeaderLength : 0;
        int espLength = _sa.GetProtectedLength(payloadLength, nextHeader);
        int total = prefixLength + udp + espLength;
        int start = offset - _sa.HeaderLength - udp;
        int pathMtu = Volatile.Read(ref _pathMtu);
        int lengthCap = LengthCap(pathMtu, isIPv6);
        if (total > lengthCap)
        {
            result = new EspProcessResult(0, total, 0, false, GetInnerMtu(lengthCap));
            return IpsecStatus.MtuExceeded;
        }

        if (start < 0 || start + total > buffer.Length)
        {
            return IpsecStatus.DestinationTooSmall;
        }

        // Move the IP header (and IPv6 extension headers before ESP) out of the way of the ESP header, then protect the
        // payload where it lies. Protect fails only before writing anything, and then the header moves back.
        int payloadOffset = offset + prefixLength;
        packet[..prefixLength].CopyTo(buffer[start..]);
        IpsecStatus status = _sa.Protect(
            buffer.Slice(payloadOffset, payloadLength), nextHeader, buffer[(payloadOffset - _sa.HeaderLength)..], out _);
        if (status != IpsecStatus.Success)
        {
            buffer.Slice(start, prefixLength).CopyTo(buffer[offset..]);
            return status;
        }

        Span<byte> output = buffer.Slice(start, total);
        IPProtocol protocol = udp > 0 ? IPProtocol.Udp : IPProtocol.Esp;
        if (udp > 0)
        {
            WriteUdpHeader(output[prefixLength..], espLength, Volatile.Read(ref _endpoints));
        }

        if (isIPv6)
        {
            output[nextHeaderField] = (byte)protocol;
            BinaryPrimitives.WriteUInt16BigEndian(output[IPv6Header.Field.PayloadLength..], (ushort)(total - IPv6Header.Length));
            if (udp > 0)
            {
                WriteUdpChecksumIPv6(output, prefixLength);
            }
        }
        else
        {
            // Protocol and total length change; the checksum follows incrementally (RFC 1624).
            IPv4HeaderEditor.SetProtocol(output, protocol);
            IPv4HeaderEditor.SetTotalLength(output, (ushort)total);
        }

        result = new EspProcessResult(start, total, _sa.OutboundSequenceNumber, false);
        return IpsecStatus.Success;
    }

    /// <summary>
    /// The longest packet to send: <paramref name="pathMtu"/> when set (not 0) and below what the IP header's 16-bit length
    /// field can state (65,535 bytes for IPv4, 40 + 65,535 for IPv6, no jumbograms), a limit no path MTU lifts.
    /// </summary>
    private static int LengthCap(int pathMtu, bool isIPv6)
    {
        int lengthLimit = isIPv6 ? IPv6Header.Length + ushort.MaxValue : ushort.MaxValue;
        return pathMtu > 0 && pathMtu < lengthLimit ? pathMtu : lengthLimit;
    }

    /// <summary>The UDP header before ESP; checksum 0, which RFC 3948 §2.1 asks for over IPv4 (IPv6 fills it in after).</summary>
    private static void WriteUdpHeader(Span<byte> udp, int espLength, TunnelEndpoints endpoints)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp, endpoints.Local.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], endpoints.Remote.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(UdpHeaderLength + espLength));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
    }

    /// <summary>IPv6 forbids a zero UDP checksum (RFC 8200 §8.1): compute it over the pseudo-header.</summary>
    private static void WriteUdpChecksumIPv6(Span<byte> packet, int udpOffset)
    {
        var source = new IPv6Address(
            BinaryPrimitives.ReadUInt64BigEndian(packet[IPv6Header.Field.Source..]), BinaryPrimitives.ReadUInt64BigEndian(packet[(IPv6Header.Field.Source + 8)..]));
        var destination = new IPv6Address(
            BinaryPrimitives.ReadUInt64BigEndian(packet[IPv6Header.Field.Destination..]), BinaryPrimitives.ReadUInt64BigEndian(packet[(IPv6Header.Field.Destination + 8)..]));
        UdpChecksum.Write(source, destination, packet[udpOffset..]);
    }

    /// <summary>RFC 4301 §5.2: the decapsulated packet must match one of the SA's selectors; a mismatch is counted.</summary>
    private bool MatchesSelectors(ReadOnlySpan<byte> packet)
    {
        TrafficSelector[] selectors = _selectors;
        if (selectors.Length == 0)
        {
            return true;
        }

        if (TrafficFlow.TryParse(packet, outbound: false, out TrafficFlow flow))
        {
            for (int i = 0; i < selectors.Length; i++)
            {
                if (selectors[i].Matches(flow))
                {
                    return true;
                }
            }
        }

        Interlocked.Increment(ref _sa.Counters.PolicyMismatches);
        return false;
    }

    /// <summary>Validates the inner packet and applies RFC 6040 decapsulation to its ECN field.</summary>
    private static IpsecStatus Decapsulate(Span<byte> inner, byte nextHeader, byte outerEcn)
    {
        IpsecStatus status = TunnelDecapsulation.Check(inner, nextHeader, outerEcn, out byte ecn);
        if (status == IpsecStatus.Success)
        {
            TunnelDecapsulation.Apply(inner, ecn);
        }

        return status;
    }

    /// <summary>
    /// RFC 3948 §3.1.2: the inner TCP/UDP checksum still covers the pre-NAT addresses. With the NAT-OA addresses
    /// configured, fold the address change into it incrementally; otherwise report it unverified.
    /// </summary>
    private bool FixTransportChecksum(Span<byte> packet, int headerLength, byte protocol, bool isIPv6)
    {
        int checksumOffset = headerLength + (protocol == (byte)IPProtocol.Tcp ? 16 : 6);
        if (packet.Length < checksumOffset + 2)
        {
            return false;
        }

        if (protocol == (byte)IPProtocol.Udp && !isIPv6 && BinaryPrimitives.ReadUInt16BigEndian(packet[checksumOffset..]) == 0)
        {
            return true; // no checksum to fix
        }

        int addressLength = isIPv6 ? 16 : 4;
        if (_natOriginalSource.Length != addressLength)
        {
            return false;
        }

        int sourceField = isIPv6 ? IPv6Header.Field.Source : IPv4Header.Field.Source;
        int destinationField = isIPv6 ? IPv6Header.Field.Destination : IPv4Header.Field.Destination;
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(packet[checksumOffset..]);
        for (int i = 0; i < addressLength; i += 2)
        {
            checksum = InternetChecksum.Update(
                checksum, BinaryPrimitives.ReadUInt16BigEndian(_natOriginalSource.AsSpan(i)), BinaryPrimitives.ReadUInt16BigEndian(packet[(sourceField + i)..]));
            checksum = InternetChecksum.Update(
                checksum, BinaryPrimitives.ReadUInt16BigEndian(_natOriginalDestination.AsSpan(i)), BinaryPrimitives.ReadUInt16BigEndian(packet[(destinationField + i)..]));
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet[checksumOffset..], checksum);
        return true;
    }
}
