using System;
using System.Buffers.Binary;
using System.Net;
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
public sealed class EspProcessor : ISecurityAssociation
{
    private const int UdpHeaderLength = UdpHeader.HeaderLength;
    private readonly EspSecurityAssociation _sa;
    private readonly EspProcessorOptions _options;
    private readonly bool _outerIsIPv6;
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
        ushort localPort = options.UdpEncapsulation ? options.UdpSourcePort : (ushort)0;
        ushort remotePort = options.UdpEncapsulation ? options.UdpDestinationPort : (ushort)0;
        if (options.UdpEncapsulation && (localPort == 0 || remotePort == 0))
        {
            throw new ArgumentException("UdpSourcePort and UdpDestinationPort: UDP encapsulation needs both ports (not 0).", nameof(options));
        }

        if (options.Mode == IpsecMode.Tunnel)
        {
            var outer = new OuterHeaderTemplate(
                options.TunnelSource, options.TunnelDestination, options.HopLimit, options.DontFragment, options.CopyDscp, options.CopyFlowLabel, nameof(options));
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
        _sa.HeaderLength + (_options.UdpEncapsulation ? UdpHeaderLength : 0) + OuterHeaderLength;

    /// <summary>The most bytes <see cref="Protect"/> needs after the packet: TFC padding, ESP padding, trailer and ICV.</summary>
    public int MaximumTailroom => _sa.MaximumTrailerLength + _sa.TfcPaddingLength;

    /// <summary>Sets the next outer IPv4 Identification (tests reproducing captured packets).</summary>
    internal void SetNextIdentification(ushort identification) => Volatile.Read(ref _endpoints).Outer?.SetNextIdentification(identification);

    /// <summary>True when ESP is carried in UDP (RFC 3948); false for raw ESP (IP protocol 50).</summary>
    public bool UdpEncapsulation => _options.UdpEncapsulation;

    /// <summary>The outer IP header length in tunnel mode (20 or 40 bytes); 0 in transport mode.</summary>
    private int OuterHeaderLength => _options.Mode == IpsecMode.Tunnel ? (_outerIsIPv6 ? IPv6Header.Length : IPv4Header.MinLength) : 0;

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
    /// <see cref="IpsecStatus.MtuExceeded"/>; <see cref="IpsecStatus.DestinationTooSmall"/> when the buffer lacks head- or
    /// tailroom; <see cref="IpsecStatus.SequenceExhausted"/>. Nothing is changed on failure.
    /// </returns>
    public IpsecStatus Protect(Span<byte> buffer, int offset, int length, out EspProcessResult result)
    {
        result = default;
        CheckRange(buffer, offset, length);
        if (!IPPacketBounds.TryMeasure(buffer.Slice(offset, length), out int packetLength, out IpsecStatus status))
        {
            return status;
        }

        return _options.Mode == IpsecMode.Tunnel
            ? ProtectTunnel(buffer, offset, packetLength, out result)
            : ProtectTransport(buffer, offset, packetLength, out result);
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
        CheckRange(buffer, offset, length);
        TunnelEndpoints endpoints = Volatile.Read(ref _endpoints);
        ReadOnlySpan<ushort> ports = [endpoints.Local.Port, endpoints.Remote.Port];
        IpsecStatus status = EspLocator.TryLocate(buffer.Slice(offset, length), _options.UdpEncapsulation, ports, out EspLocation location);
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

        if (!_options.UdpEncapsulation)
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
        if (_options.Mode == IpsecMode.Tunnel)
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

    private IpsecStatus ProtectTunnel(Span<byte> buffer, int offset, int innerLength, out EspProcessResult result)
    {
        result = default;
        Span<byte> inner = buffer.Slice(offset, innerLength);
        bool innerIsIPv6 = inner[0] >> 4 == 6;
        byte nextHeader = innerIsIPv6 ? (byte)IPProtocol.IPv6 : (byte)IPProtocol.IPv4;
        TunnelEndpoints endpoints = Volatile.Read(ref _endpoints);
        OuterHeaderTemplate template = endpoints.Outer!;
        int outerHeaderLength = template.HeaderLength + (_options.UdpEncapsulation ? UdpHeaderLength : 0);
        int espLength = _sa.GetProtectedLength(innerLength, nextHeader);
        int total = outerHeaderLength + espLength;
        int start = offset - _sa.HeaderLength - outerHeaderLength;
        int pathMtu = Volatile.Read(ref _pathMtu);
        if (pathMtu > 0 && total > pathMtu)
        {
            result = new EspProcessResult(0, total, 0, false, GetInnerMtu(pathMtu));
            return IpsecStatus.MtuExceeded;
        }

        if (start < 0 || start + total > buffer.Length)
        {
            return IpsecStatus.DestinationTooSmall;
        }

        // Read what the outer header inherits before the inner packet is encrypted in place.
        OuterHeaderTemplate.InnerFields fields = OuterHeaderTemplate.ReadInner(inner);
        IpsecStatus status = _sa.Protect(inner, nextHeader, buffer[(offset - _sa.HeaderLength)..], out _);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        Span<byte> outer = buffer.Slice(start, total);
        template.Write(outer, _options.UdpEncapsulation ? (byte)IPProtocol.Udp : (byte)IPProtocol.Esp, fields);
        if (_options.UdpEncapsulation)
        {
            WriteUdpHeader(outer[template.HeaderLength..], espLength, endpoints);
            if (template.IsIPv6)
            {
                WriteUdpChecksumIPv6(outer, template.HeaderLength);
            }
        }

        result = new EspProcessResult(start, total, _sa.OutboundSequenceNumber, false);
        return IpsecStatus.Success;
    }

    private IpsecStatus ProtectTransport(Span<byte> buffer, int offset, int packetLength, out EspProcessResult result)
    {
        result = default;
        Span<byte> packet = buffer.Slice(offset, packetLength);
        bool isIPv6 = packet[0] >> 4 == 6;
        IpsecStatus found = TransportInsertion.TryFind(packet, _options.DestinationOptionsPlacement, out int prefixLength, out int nextHeaderField);
        if (found != IpsecStatus.Success)
        {
            return found;
        }

        byte nextHeader = packet[nextHeaderField];
        int payloadLength = packetLength - prefixLength;
        int udp = _options.UdpEncapsulation ? UdpHeaderLength : 0;
        int espLength = _sa.GetProtectedLength(payloadLength, nextHeader);
        int total = prefixLength + udp + espLength;
        int start = offset - _sa.HeaderLength - udp;
        int pathMtu = Volatile.Read(ref _pathMtu);
        if (pathMtu > 0 && total > pathMtu)
        {
            result = new EspProcessResult(0, total, 0, false, GetInnerMtu(pathMtu));
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

    /// <summary>Our endpoint: the tunnel source address (tunnel mode) and the local UDP port (0 for raw ESP).</summary>
    public IpsecEndpoint LocalEndpoint => Volatile.Read(ref _endpoints).Local;

    /// <summary>The peer's endpoint: the tunnel destination address (tunnel mode) and its UDP port (0 for raw ESP).</summary>
    public IpsecEndpoint RemoteEndpoint => Volatile.Read(ref _endpoints).Remote;

    /// <summary>
    /// Moves the tunnel to other endpoints while traffic flows (a peer that roamed, a NAT mapping that changed; RFC 4555
    /// style). The change is one atomic publication: each packet uses either the old endpoints or the new ones, never a
    /// mix, and no packet waits. Inbound packets are not affected (the SA is found by SPI).
    /// </summary>
    /// <param name="localEndpoint">Our address and port. Tunnel mode: an address of the tunnel's family. Transport mode: the address is not used.</param>
    /// <param name="remoteEndpoint">The peer's address and port, likewise.</param>
    /// <exception cref="ArgumentException">
    /// Tunnel mode with an endpoint without an address or of the other family (the outer header length is fixed); a port
    /// of 0 with UDP encapsulation, or not 0 without it.
    /// </exception>
    public void UpdateEndpoints(IpsecEndpoint localEndpoint, IpsecEndpoint remoteEndpoint) =>
        Volatile.Write(ref _endpoints, CreateEndpoints(Volatile.Read(ref _endpoints), localEndpoint, remoteEndpoint));

    /// <summary>
    /// Moves the peer's end of the tunnel (address and/or UDP port) while traffic flows, keeping ours; atomic like
    /// <see cref="UpdateEndpoints"/> and safe against a concurrent update of either end.
    /// </summary>
    /// <param name="remoteEndpoint">The peer's new address and port, e.g. the authenticated source of its latest packet.</param>
    /// <exception cref="ArgumentException">As for <see cref="UpdateEndpoints"/>.</exception>
    public void UpdateRemoteEndpoint(IpsecEndpoint remoteEndpoint)
    {
        TunnelEndpoints current = Volatile.Read(ref _endpoints);
        while (true)
        {
            if (current.Remote == remoteEndpoint)
            {
                return;
            }

            TunnelEndpoints updated = CreateEndpoints(current, current.Local, remoteEndpoint);
            TunnelEndpoints seen = Interlocked.CompareExchange(ref _endpoints, updated, current);
            if (ReferenceEquals(seen, current))
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>
    /// The path MTU in bytes: the largest outer IP packet (or, on the socket path, the largest IP packet the datagram
    /// makes) <see cref="Protect"/> and <see cref="ProtectDatagram"/> produce; 0 for no limit. Starts as
    /// <see cref="EspProcessorOptions.Mtu"/>.
    /// </summary>
    public int PathMtu => Volatile.Read(ref _pathMtu);

    /// <summary>
    /// Changes the path MTU while traffic flows (e.g. after an ICMP "packet too big" for the outer path, RFC 4301 §8.2.1);
    /// thread-safe, effective for the next packet. Larger packets are then refused with <see cref="IpsecStatus.MtuExceeded"/>,
    /// carrying the inner MTU.
    /// </summary>
    /// <param name="pathMtu">The new path MTU in bytes; 0 for no limit.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pathMtu"/> is negative.</exception>
    public void SetPathMtu(int pathMtu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pathMtu);
        Volatile.Write(ref _pathMtu, pathMtu);
    }

    /// <summary>The largest inner packet that fits the current <see cref="PathMtu"/>, in bytes; 0 when there is no limit.</summary>
    public int InnerMtu
    {
        get
        {
            int pathMtu = PathMtu;
            return pathMtu == 0 ? 0 : GetInnerMtu(pathMtu);
        }
    }

    /// <summary>
    /// The largest inner packet, in bytes, whose protected form fits <paramref name="pathMtu"/>: the outer IP header (tunnel
    /// mode), UDP (with encapsulation), ESP header, IV, padding to the cipher's block, trailer and ICV subtracted in closed
    /// form. Tunnel mode is exact; transport mode assumes a 20-byte IPv4 header and a payload without TFC padding.
    /// </summary>
    /// <param name="pathMtu">The path MTU in bytes.</param>
    /// <returns>The inner MTU in bytes; 0 when not even an empty packet fits.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pathMtu"/> is not positive.</exception>
    public int GetInnerMtu(int pathMtu)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pathMtu);
        int udp = _options.UdpEncapsulation ? UdpHeaderLength : 0;
        if (_options.Mode == IpsecMode.Tunnel)
        {
            return Math.Max(0, _sa.GetMaximumPayloadLength(pathMtu - OuterHeaderLength - udp, (byte)IPProtocol.IPv4));
        }

        int payload = _sa.GetMaximumPayloadLength(pathMtu - IPv4Header.MinLength - udp, (byte)IPProtocol.Tcp);
        return payload < 0 ? 0 : IPv4Header.MinLength + payload;
    }

    /// <summary>The bytes <see cref="ProtectDatagram"/> needs free before the inner packet: the ESP header and IV.</summary>
    public int DatagramHeadroom => _sa.HeaderLength;

    /// <summary>The bytes <see cref="ProtectDatagram"/> needs free after the inner packet: TFC padding, ESP padding, trailer and ICV.</summary>
    public int DatagramTailroom => _sa.MaximumTrailerLength + _sa.TfcPaddingLength;

    /// <summary>
    /// The socket-level protect (tunnel mode): turns the inner IP packet the descriptor points at into the datagram
    /// payload, in place (ESP from SPI to ICV; for UDP encapsulation the UDP payload, for raw ESP the IP payload), and says
    /// where to send it: <see cref="IpsecDatagram.RemoteEndpoint"/> from <see cref="IpsecDatagram.LocalEndpoint"/> with
    /// TOS / traffic class <see cref="IpsecDatagram.TrafficClass"/> (RFC 6040 ECN, DSCP copied when configured).
    /// The path MTU, counters and sequence numbers are those of <see cref="Protect"/>.
    /// </summary>
    /// <param name="buffer">The caller's buffer, with <see cref="DatagramHeadroom"/> free before the packet and <see cref="DatagramTailroom"/> after it.</param>
    /// <param name="datagram">In: <see cref="IpsecDatagram.Offset"/> and <see cref="IpsecDatagram.Length"/> of the inner packet. Out: see <see cref="IpsecDatagram"/>.</param>
    /// <returns>
    /// The status, also stored in <see cref="IpsecDatagram.Status"/>: <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.Malformed"/>
    /// or <see cref="IpsecStatus.Truncated"/> for a packet that is not valid IP; <see cref="IpsecStatus.MtuExceeded"/> (with
    /// <see cref="IpsecDatagram.InnerMtu"/>); <see cref="IpsecStatus.DestinationTooSmall"/>; <see cref="IpsecStatus.SequenceExhausted"/>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset and length do not lie within the buffer.</exception>
    /// <exception cref="InvalidOperationException">The processor is in transport mode (the socket path is for tunnels).</exception>
    public IpsecStatus ProtectDatagram(Span<byte> buffer, ref IpsecDatagram datagram) =>
        ProtectDatagrams(buffer, new Span<IpsecDatagram>(ref datagram)) == 1 ? IpsecStatus.Success : datagram.Status;

    /// <summary>
    /// Protects a batch of inner packets like <see cref="ProtectDatagram"/>, each descriptor over <paramref name="buffer"/>
    /// (for instance one fixed-size slot per packet, as filled by a batched TUN read): the sequence numbers of the batch
    /// are reserved with one atomic step, the SA's counters updated once, and each descriptor gets its own status.
    /// </summary>
    /// <param name="buffer">The caller's buffer holding every packet of the batch.</param>
    /// <param name="datagrams">The descriptors, in and out as for <see cref="ProtectDatagram"/>.</param>
    /// <returns>How many descriptors succeeded (the others carry their failure in <see cref="IpsecDatagram.Status"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A descriptor does not lie within the buffer (checked before any is processed).</exception>
    /// <exception cref="InvalidOperationException">The processor is in transport mode.</exception>
    /// <exception cref="ObjectDisposedException">The SA was disposed.</exception>
    public int ProtectDatagrams(Span<byte> buffer, Span<IpsecDatagram> datagrams)
    {
        ThrowIfTransport();
        _sa.ThrowIfDisposed();
        for (int i = 0; i < datagrams.Length; i++)
        {
            CheckRange(buffer, datagrams[i].Offset, datagrams[i].Length);
        }

        // Pass 1: validate and size every packet, reading what the outer header inherits before anything is encrypted.
        TunnelEndpoints endpoints = Volatile.Read(ref _endpoints);
        int pathMtu = Volatile.Read(ref _pathMtu);
        int outerLength = endpoints.Outer!.HeaderLength + (_options.UdpEncapsulation ? UdpHeaderLength : 0);
        int headerLength = _sa.HeaderLength;
        int ready = 0;
        for (int i = 0; i < datagrams.Length; i++)
        {
            ref IpsecDatagram datagram = ref datagrams[i];
            datagram.Spi = 0;
            datagram.SequenceNumber = 0;
            datagram.InnerMtu = 0;
            if (!IPPacketBounds.TryMeasure(buffer.Slice(datagram.Offset, datagram.Length), out int innerLength, out IpsecStatus status))
            {
                datagram.Status = status;
                continue;
            }

            Span<byte> inner = buffer.Slice(datagram.Offset, innerLength);
            int espLength = _sa.GetProtectedLength(innerLength, NextHeaderOf(inner));
            if (pathMtu > 0 && outerLength + espLength > pathMtu)
            {
                datagram.InnerMtu = GetInnerMtu(pathMtu);
                datagram.Status = IpsecStatus.MtuExceeded;
                continue;
            }

            if (datagram.Offset < headerLength || datagram.Offset - headerLength + espLength > buffer.Length)
            {
                datagram.Status = IpsecStatus.DestinationTooSmall;
                continue;
            }

            datagram.TrafficClass = endpoints.Outer.GetTrafficClass(OuterHeaderTemplate.ReadInner(inner).TrafficClass);
            datagram.Status = PendingStatus;
            ready++;
        }

        if (ready == 0)
        {
            return 0;
        }

        // Pass 2: one reservation of sequence numbers for the batch, then the crypto packet by packet.
        int reserved = _sa.ReserveSequenceNumbers(ready, out ulong sequenceNumber);
        int succeeded = 0;
        long bytes = 0;
        for (int i = 0; i < datagrams.Length; i++)
        {
            ref IpsecDatagram datagram = ref datagrams[i];
            if (datagram.Status != PendingStatus)
            {
                continue;
            }

            if (succeeded == reserved)
            {
                datagram.Status = IpsecStatus.SequenceExhausted;
                continue;
            }

            int offset = datagram.Offset;
            IPPacketBounds.TryMeasure(buffer.Slice(offset, datagram.Length), out int innerLength, out _); // measured in pass 1
            Span<byte> inner = buffer.Slice(offset, innerLength);
            IpsecStatus status = _sa.ProtectReserved(inner, NextHeaderOf(inner), buffer[(offset - headerLength)..], sequenceNumber, out int espLength);
            datagram.Status = status;
            if (status != IpsecStatus.Success)
            {
                continue; // unreachable: the sizes were checked in pass 1
            }

            bytes += inner.Length;
            datagram.Offset = offset - headerLength;
            datagram.Length = espLength;
            datagram.LocalEndpoint = endpoints.Local;
            datagram.RemoteEndpoint = endpoints.Remote;
            datagram.Spi = _sa.Spi;
            datagram.SequenceNumber = sequenceNumber++;
            succeeded++;
        }

        _sa.Counters.Protected(succeeded, bytes);
        return succeeded;
    }

    /// <summary>
    /// The socket-level unprotect: verifies and decrypts the datagram payload the descriptor points at (ESP from the SPI;
    /// for UDP encapsulation the whole UDP payload), in place, and leaves the inner IP packet there after the same
    /// checks as <see cref="Unprotect"/>: anti-replay, ICV, inner-packet validation, RFC 6040 ECN against the received
    /// <see cref="IpsecDatagram.TrafficClass"/>, the SA's traffic selectors, and the same counters. IKE messages (non-ESP
    /// marker) and NAT keepalives on a UDP-encapsulated SA return <see cref="IpsecStatus.NotIpsec"/> and touch nothing.
    /// </summary>
    /// <param name="buffer">The caller's buffer.</param>
    /// <param name="datagram">In: the payload's <see cref="IpsecDatagram.Offset"/> and <see cref="IpsecDatagram.Length"/>, the endpoints and the received TOS. Out: the inner packet.</param>
    /// <returns>
    /// The status, also stored in <see cref="IpsecDatagram.Status"/>: <see cref="IpsecStatus.Success"/>, <see cref="IpsecStatus.NotIpsec"/>,
    /// any status of <see cref="EspSecurityAssociation.Unprotect"/>, <see cref="IpsecStatus.Malformed"/> (invalid inner packet),
    /// <see cref="IpsecStatus.UnsupportedProtocol"/>, <see cref="IpsecStatus.EcnDrop"/> or <see cref="IpsecStatus.PolicyMismatch"/>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset and length do not lie within the buffer.</exception>
    /// <exception cref="InvalidOperationException">The processor is in transport mode.</exception>
    public IpsecStatus UnprotectDatagram(Span<byte> buffer, ref IpsecDatagram datagram)
    {
        ThrowIfTransport();
        CheckRange(buffer, datagram.Offset, datagram.Length);
        var tally = new UnprotectTally(deferred: false);
        IpsecStatus status = UnprotectDatagramCore(buffer, ref datagram, ref tally);
        datagram.Status = status;
        return status;
    }

    /// <summary>Unprotects a batch of received datagram payloads like <see cref="UnprotectDatagram"/>, each with its own status.</summary>
    /// <param name="buffer">The caller's buffer holding every payload of the batch (for instance one slot per <c>recvmmsg</c> message).</param>
    /// <param name="datagrams">The descriptors, in and out as for <see cref="UnprotectDatagram"/>.</param>
    /// <returns>How many descriptors succeeded.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A descriptor does not lie within the buffer (checked before any is processed).</exception>
    /// <exception cref="InvalidOperationException">The processor is in transport mode.</exception>
    public int UnprotectDatagrams(Span<byte> buffer, Span<IpsecDatagram> datagrams)
    {
        ThrowIfTransport();
        for (int i = 0; i < datagrams.Length; i++)
        {
            CheckRange(buffer, datagrams[i].Offset, datagrams[i].Length);
        }

        int succeeded = 0;
        var tally = new UnprotectTally(deferred: true);
        for (int i = 0; i < datagrams.Length; i++)
        {
            ref IpsecDatagram datagram = ref datagrams[i];
            IpsecStatus status = UnprotectDatagramCore(buffer, ref datagram, ref tally);
            datagram.Status = status;
            if (status == IpsecStatus.Success)
            {
                succeeded++;
            }
        }

        CountUnprotected(tally);
        return succeeded;
    }

    /// <summary>Counts the packets a batch's SA accepted, once for the batch.</summary>
    internal void CountUnprotected(in UnprotectTally tally) => _sa.Counters.Unprotected(tally.Packets, tally.Bytes);

    /// <summary>Unprotects one datagram payload whose range was checked; sets every output field but the status.</summary>
    /// <param name="buffer">The caller's buffer.</param>
    /// <param name="datagram">The descriptor.</param>
    /// <param name="tally">Deferred: the packets the SA accepts are added here, for <see cref="CountUnprotected"/> once per batch; otherwise counted at once.</param>
    internal IpsecStatus UnprotectDatagramCore(Span<byte> buffer, ref IpsecDatagram datagram, ref UnprotectTally tally)
    {
        datagram.Spi = 0;
        datagram.SequenceNumber = 0;
        datagram.InnerMtu = 0;
        Span<byte> payload = buffer.Slice(datagram.Offset, datagram.Length);
        if (_options.UdpEncapsulation && Wire.UdpEncapsulation.Classify(payload) != UdpEncapsulatedKind.Esp)
        {
            return IpsecStatus.NotIpsec;
        }

        int headerLength = _sa.HeaderLength;
        if (payload.Length < headerLength)
        {
            Interlocked.Increment(ref _sa.Counters.MalformedDrops);
            return IpsecStatus.Truncated;
        }

        IpsecStatus status = _sa.UnprotectCore(payload, payload[headerLength..], out EspUnprotectResult esp, out _, !tally.Deferred);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        if (tally.Deferred)
        {
            tally.Packets++;
            tally.Bytes += esp.PayloadLength;
        }

        Span<byte> inner = payload.Slice(headerLength, esp.PayloadLength);
        status = Decapsulate(inner, esp.NextHeader, (byte)(datagram.TrafficClass & 3));
        if (status == IpsecStatus.Success && !MatchesSelectors(inner))
        {
            status = IpsecStatus.PolicyMismatch;
        }

        if (status != IpsecStatus.Success)
        {
            inner.Clear();
            return status;
        }

        datagram.Offset += headerLength;
        datagram.Length = esp.PayloadLength;
        datagram.Spi = _sa.Spi;
        datagram.SequenceNumber = esp.SequenceNumber;
        return IpsecStatus.Success;
    }

    /// <summary>A status value no public path returns, marking a descriptor between the two passes of a batch.</summary>
    private const IpsecStatus PendingStatus = (IpsecStatus)(-1);

    private static byte NextHeaderOf(ReadOnlySpan<byte> inner) => inner[0] >> 4 == 6 ? (byte)IPProtocol.IPv6 : (byte)IPProtocol.IPv4;

    private void ThrowIfTransport()
    {
        if (_options.Mode != IpsecMode.Tunnel)
        {
            throw new InvalidOperationException("The socket-level path (ProtectDatagram, UnprotectDatagram) is for tunnel-mode SAs; this processor is in transport mode.");
        }
    }

    private TunnelEndpoints CreateEndpoints(TunnelEndpoints current, IpsecEndpoint local, IpsecEndpoint remote)
    {
        bool udp = _options.UdpEncapsulation;
        if (udp ? local.Port == 0 || remote.Port == 0 : local.Port != 0 || remote.Port != 0)
        {
            throw new ArgumentException(
                udp ? "localEndpoint and remoteEndpoint: a UDP-encapsulated SA needs both ports (not 0)." : "localEndpoint and remoteEndpoint: raw ESP has no ports; use port 0.",
                udp && local.Port == 0 ? nameof(local) : nameof(remote));
        }

        if (current.Outer is not { } outer)
        {
            return new TunnelEndpoints(local, remote, null);
        }

        if (!local.IsSpecified || !remote.IsSpecified || local.IsIPv6 != outer.IsIPv6 || remote.IsIPv6 != outer.IsIPv6)
        {
            throw new ArgumentException(
                $"localEndpoint and remoteEndpoint: tunnel mode needs two {(outer.IsIPv6 ? "IPv6" : "IPv4")} addresses, the tunnel's family.",
                !local.IsSpecified || local.IsIPv6 != outer.IsIPv6 ? nameof(local) : nameof(remote));
        }

        byte[] source = new byte[local.AddressLength];
        byte[] destination = new byte[remote.AddressLength];
        local.WriteAddress(source);
        remote.WriteAddress(destination);
        return new TunnelEndpoints(local, remote, outer.WithAddresses(source, destination));
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

    private static void CheckRange(Span<byte> buffer, int offset, int length)
    {
        if (offset < 0 || length < 0 || offset > buffer.Length - length)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(offset), $"offset {offset} and length {length} do not lie within the {buffer.Length}-byte buffer.");
        }
    }
}
