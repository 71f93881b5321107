using System;
using System.Threading;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Modes;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// The data-plane doors of <see cref="EspProcessor"/> (issue #14): endpoints that follow a NAT rebinding, the path MTU
/// and inner MTU, and the socket-level path (single and batch) over <see cref="IpsecDatagram"/> descriptors. Same SA,
/// counters, sequence numbers and checks as the whole-packet path in the other part of this class.
/// </summary>
public sealed partial class EspProcessor
{
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
    /// <see cref="EspProcessorOptions.Mtu"/>. Whatever it says, no packet is longer than its IP header's length field can
    /// state (65,535 bytes for IPv4, 40 + 65,535 for IPv6).
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
        int udp = _udpEncapsulation ? UdpHeaderLength : 0;
        if (_tunnelMode)
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
            BufferRange.Check(buffer.Length, datagrams[i].Offset, datagrams[i].Length);
        }

        // Pass 1: validate and size every packet, reading what the outer header inherits before anything is encrypted.
        TunnelEndpoints endpoints = Volatile.Read(ref _endpoints);
        int outerLengthCap = LengthCap(Volatile.Read(ref _pathMtu), _outerIsIPv6);
        int outerLength = _outerHeaderLength;
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
            if (outerLength + espLength > outerLengthCap)
            {
                datagram.InnerMtu = GetInnerMtu(outerLengthCap);
                datagram.Status = IpsecStatus.MtuExceeded;
                continue;
            }

            if (datagram.Offset < headerLength || datagram.Offset - headerLength + espLength > buffer.Length)
            {
                datagram.Status = IpsecStatus.DestinationTooSmall;
                continue;
            }

            datagram.TrafficClass = endpoints.Outer!.GetTrafficClass(OuterHeaderTemplate.ReadInner(inner).TrafficClass);
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
        BufferRange.Check(buffer.Length, datagram.Offset, datagram.Length);
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
            BufferRange.Check(buffer.Length, datagrams[i].Offset, datagrams[i].Length);
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
        if (_udpEncapsulation && Wire.UdpEncapsulation.Classify(payload) != UdpEncapsulatedKind.Esp)
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
        if (!_tunnelMode)
        {
            throw new InvalidOperationException("The socket-level path (ProtectDatagram, UnprotectDatagram) is for tunnel-mode SAs; this processor is in transport mode.");
        }
    }

    private TunnelEndpoints CreateEndpoints(TunnelEndpoints current, IpsecEndpoint local, IpsecEndpoint remote)
    {
        bool udp = _udpEncapsulation;
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
}
