using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Modes;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// The packet path of an IPsec host or gateway over a <see cref="SecurityPolicyDatabase"/> and a
/// <see cref="SecurityAssociationDatabase"/> whose entries are <see cref="EspProcessor"/>s: outbound, the SPD decides
/// (PROTECT, BYPASS or DISCARD) and the policy's SA protects; inbound, the SA is found by SPI (and addresses), the packet
/// unprotected in place and the result checked against the policy the SA was installed for (RFC 4301 §5.1–5.2).
/// </summary>
/// <remarks>
/// Lock-free and allocation-free per packet: lookups are lock-free reads, each packet holds a lease on its SA so a
/// concurrent removal cannot zero the keys under it, and hard lifetimes are enforced as packets pass.
/// Outbound bundles are applied from the first SA to the last (innermost first: ESP, then an outer SA).
/// </remarks>
public sealed class IpsecPacketProcessor
{
    private readonly SecurityAssociationDatabase _sad;
    private readonly SecurityPolicyDatabase _spd;

    /// <summary>Creates the processor over the two databases.</summary>
    /// <param name="sad">The SAs; inbound and outbound entries must be <see cref="EspProcessor"/> instances.</param>
    /// <param name="spd">The policies.</param>
    public IpsecPacketProcessor(SecurityAssociationDatabase sad, SecurityPolicyDatabase spd)
    {
        ArgumentNullException.ThrowIfNull(sad);
        ArgumentNullException.ThrowIfNull(spd);
        _sad = sad;
        _spd = spd;
    }

    /// <summary>
    /// Applies outbound policy to the IP packet at <c>buffer[offset..offset+length]</c>: protects it in place (PROTECT),
    /// or leaves it alone (<see cref="IpsecStatus.Bypassed"/>, <see cref="IpsecStatus.Discarded"/>).
    /// </summary>
    /// <param name="buffer">The caller's buffer, with headroom and tailroom for every SA of the bundle.</param>
    /// <param name="offset">Where the packet starts.</param>
    /// <param name="length">The bytes available for the packet.</param>
    /// <param name="result">Where the protected packet is (or the original one when bypassed).</param>
    /// <returns>The outcome; <see cref="IpsecStatus.NoSecurityAssociation"/> when IKE has not installed an SA yet.</returns>
    public IpsecStatus ProcessOutbound(Span<byte> buffer, int offset, int length, out EspProcessResult result)
    {
        result = default;
        if (offset < 0 || length < 0 || offset > buffer.Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "offset and length must lie within the buffer.");
        }

        if (!TrafficFlow.TryParse(buffer.Slice(offset, length), outbound: true, out TrafficFlow flow))
        {
            return IpsecStatus.Malformed;
        }

        SecurityPolicy? policy = _spd.Find(flow);
        if (policy is null || policy.Action == SecurityPolicyAction.Discard)
        {
            SecurityAssociationDatabase.RecordDrop(IpsecStatus.Discarded, SecurityAssociationDirection.Outbound);
            return IpsecStatus.Discarded;
        }

        if (policy.Action == SecurityPolicyAction.Bypass)
        {
            result = new EspProcessResult(offset, length, 0, false);
            return IpsecStatus.Bypassed;
        }

        IpsecStatus status = _sad.FindOutbound(policy, out SecurityAssociationBundle? bundle);
        if (status != IpsecStatus.Success || bundle is null || bundle.Count == 0)
        {
            return status == IpsecStatus.Success ? IpsecStatus.NoSecurityAssociation : status;
        }

        int currentOffset = offset;
        int currentLength = length;
        foreach (SecurityAssociationHandle handle in bundle.Handles)
        {
            status = handle.Acquire(out SecurityAssociationLease lease);
            if (status != IpsecStatus.Success)
            {
                return status;
            }

            using (lease)
            {
                if (lease.SecurityAssociation is not EspProcessor processor)
                {
                    return IpsecStatus.UnsupportedProtocol;
                }

                status = lease.RecordUse(currentLength);
                if (status != IpsecStatus.Success)
                {
                    return status;
                }

                status = processor.Protect(buffer, currentOffset, currentLength, out result);
                if (status != IpsecStatus.Success)
                {
                    SecurityAssociationDatabase.RecordDrop(status, SecurityAssociationDirection.Outbound);
                    return status;
                }

                currentOffset = result.Offset;
                currentLength = result.Length;
            }
        }

        return IpsecStatus.Success;
    }

    /// <summary>
    /// Unprotects the ESP packet (IP, optionally UDP on port 4500 or a port of a UDP-encapsulated SA in the database, ESP) at <c>buffer[offset..offset+length]</c> in place with the
    /// SA its SPI and addresses select, and checks the result against that SA's policy.
    /// </summary>
    /// <param name="buffer">The caller's buffer.</param>
    /// <param name="offset">Where the outer packet starts.</param>
    /// <param name="length">The bytes available.</param>
    /// <param name="result">Where the decapsulated packet is.</param>
    /// <returns>
    /// The outcome: <see cref="IpsecStatus.UnknownSpi"/>, <see cref="IpsecStatus.NotIpsec"/>, any status of
    /// <see cref="EspProcessor.Unprotect"/>, <see cref="IpsecStatus.SaExpired"/> or <see cref="IpsecStatus.PolicyMismatch"/>.
    /// </returns>
    public IpsecStatus ProcessInbound(Span<byte> buffer, int offset, int length, out EspProcessResult result)
    {
        result = default;
        if (offset < 0 || length < 0 || offset > buffer.Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "offset and length must lie within the buffer.");
        }

        Span<byte> packet = buffer.Slice(offset, length);
        IpsecStatus status = EspLocator.TryLocate(packet, udpEncapsulation: true, _sad.UdpEncapsulationPorts, out EspLocation location);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        uint spi = BinaryPrimitives.ReadUInt32BigEndian(packet[location.EspOffset..]);
        ReadOnlySpan<byte> source = location.IsIPv6 ? packet.Slice(IPv6Header.Field.Source, 16) : packet.Slice(IPv4Header.Field.Source, 4);
        ReadOnlySpan<byte> destination = location.IsIPv6 ? packet.Slice(IPv6Header.Field.Destination, 16) : packet.Slice(IPv4Header.Field.Destination, 4);

        status = _sad.FindInbound(spi, destination, source, out SecurityAssociationHandle? handle);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        status = handle!.Acquire(out SecurityAssociationLease lease);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        using (lease)
        {
            if (lease.SecurityAssociation is not EspProcessor processor)
            {
                return IpsecStatus.UnsupportedProtocol;
            }

            status = processor.Accepts(packet, location)
                ? processor.UnprotectLocated(buffer, offset, location, out result)
                : IpsecStatus.NotIpsec;
            if (status != IpsecStatus.Success)
            {
                SecurityAssociationDatabase.RecordDrop(status, SecurityAssociationDirection.Inbound);
                return status;
            }

            Span<byte> delivered = buffer.Slice(result.Offset, result.Length);
            status = lease.RecordUse(result.Length);
            if (status == IpsecStatus.Success)
            {
                status = TrafficFlow.TryParse(delivered, outbound: false, out TrafficFlow flow)
                    ? handle.CheckInbound(flow)
                    : IpsecStatus.PolicyMismatch;
            }

            if (status != IpsecStatus.Success)
            {
                delivered.Clear();
                result = default;
            }

            return status;
        }
    }

    /// <summary>
    /// The socket-level outbound path: applies outbound policy to the inner IP packet the descriptor points at and, for
    /// PROTECT, protects it in place with the policy's SA into a datagram payload (see <see cref="EspProcessor.ProtectDatagram"/>),
    /// filling in the endpoints and TOS to send it with. BYPASS leaves the packet as it is (<see cref="IpsecStatus.Bypassed"/>:
    /// deliver it unprotected); DISCARD or no policy drops it (<see cref="IpsecStatus.Discarded"/>).
    /// </summary>
    /// <param name="buffer">The caller's buffer, with <see cref="IpsecDatagram.MaximumHeadroom"/> free before the packet and
    /// <see cref="IpsecDatagram.MaximumTailroom"/> (plus any TFC padding) after it.</param>
    /// <param name="datagram">In: the inner packet's offset and length. Out: the datagram payload and its addressing.</param>
    /// <returns>
    /// The status, also in <see cref="IpsecDatagram.Status"/>: as <see cref="ProcessOutbound"/>, or any status of
    /// <see cref="EspProcessor.ProtectDatagram"/>; <see cref="IpsecStatus.UnsupportedProtocol"/> for a bundle of more than one
    /// SA or a transport-mode SA (the socket path carries one tunnel-mode ESP SA).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset and length do not lie within the buffer.</exception>
    public IpsecStatus ProtectDatagram(Span<byte> buffer, ref IpsecDatagram datagram) =>
        ProtectDatagrams(buffer, new Span<IpsecDatagram>(ref datagram)) == 1 ? IpsecStatus.Success : datagram.Status;

    /// <summary>
    /// Applies <see cref="ProtectDatagram"/> to a batch. Consecutive packets for the same SA share one lease, one
    /// reservation of sequence numbers and one update of the counters.
    /// </summary>
    /// <param name="buffer">The caller's buffer holding every packet.</param>
    /// <param name="datagrams">The descriptors, each with its own outcome.</param>
    /// <returns>How many descriptors were protected (<see cref="IpsecStatus.Success"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A descriptor does not lie within the buffer (checked before any is processed).</exception>
    public int ProtectDatagrams(Span<byte> buffer, Span<IpsecDatagram> datagrams)
    {
        for (int i = 0; i < datagrams.Length; i++)
        {
            BufferRange.Check(buffer.Length, datagrams[i].Offset, datagrams[i].Length);
        }

        int succeeded = 0;
        int runStart = 0;
        SecurityAssociationBundle? runBundle = null;
        for (int i = 0; i < datagrams.Length; i++)
        {
            ref IpsecDatagram datagram = ref datagrams[i];
            SecurityAssociationBundle? bundle = ClassifyOutbound(buffer, ref datagram);
            if (bundle is not null && ReferenceEquals(bundle, runBundle))
            {
                continue;
            }

            if (runBundle is not null)
            {
                succeeded += ProtectRun(buffer, datagrams[runStart..i], runBundle);
            }

            runBundle = bundle;
            runStart = i;
        }

        if (runBundle is not null)
        {
            succeeded += ProtectRun(buffer, datagrams[runStart..], runBundle);
        }

        return succeeded;
    }

    /// <summary>
    /// The socket-level inbound path: finds the SA by SPI and the datagram's local (destination) and remote (source)
    /// addresses, unprotects the payload in place as <see cref="EspProcessor.UnprotectDatagram"/> does (same validation, RFC
    /// 6040 handling with the received TOS, counters), and checks the inner packet against the policy the SA serves.
    /// A payload on a UDP endpoint (port not 0) that is not ESP (an IKE message behind the non-ESP marker, a NAT keepalive)
    /// returns <see cref="IpsecStatus.NotIpsec"/> without touching any SA; port 0 stands for raw ESP (IP protocol 50).
    /// SAs added with a destination address are found only when <see cref="IpsecDatagram.LocalEndpoint"/> carries the
    /// address the datagram arrived on (<c>IP_PKTINFO</c> / <c>IPV6_RECVPKTINFO</c>, or the address the socket is bound to);
    /// with an unspecified local endpoint the lookup is by SPI alone.
    /// </summary>
    /// <param name="buffer">The caller's buffer.</param>
    /// <param name="datagram">In: the payload, the endpoints and the received TOS. Out: the inner packet.</param>
    /// <returns>
    /// The status, also in <see cref="IpsecDatagram.Status"/>: as <see cref="ProcessInbound"/> (<see cref="IpsecStatus.UnknownSpi"/>,
    /// <see cref="IpsecStatus.NotIpsec"/>, <see cref="IpsecStatus.SaExpired"/>, <see cref="IpsecStatus.PolicyMismatch"/>, ...).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The offset and length do not lie within the buffer.</exception>
    public IpsecStatus UnprotectDatagram(Span<byte> buffer, ref IpsecDatagram datagram) =>
        UnprotectDatagrams(buffer, new Span<IpsecDatagram>(ref datagram)) == 1 ? IpsecStatus.Success : datagram.Status;

    /// <summary>
    /// Applies <see cref="UnprotectDatagram"/> to a batch (for instance the messages of one <c>recvmmsg</c>). Consecutive
    /// packets with the same SPI and addresses share one SA lookup and one lease.
    /// </summary>
    /// <param name="buffer">The caller's buffer holding every payload.</param>
    /// <param name="datagrams">The descriptors, each with its own outcome.</param>
    /// <returns>How many descriptors were unprotected (<see cref="IpsecStatus.Success"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A descriptor does not lie within the buffer (checked before any is processed).</exception>
    public int UnprotectDatagrams(Span<byte> buffer, Span<IpsecDatagram> datagrams)
    {
        for (int i = 0; i < datagrams.Length; i++)
        {
            BufferRange.Check(buffer.Length, datagrams[i].Offset, datagrams[i].Length);
        }

        int succeeded = 0;
        int runStart = 0;
        SecurityAssociationHandle? runHandle = null;
        for (int i = 0; i < datagrams.Length; i++)
        {
            ref IpsecDatagram datagram = ref datagrams[i];
            SecurityAssociationHandle? handle = runHandle is not null && IsSameKey(buffer, datagram, datagrams[runStart])
                ? runHandle
                : FindInboundForDatagram(buffer, ref datagram);
            if (handle is not null && ReferenceEquals(handle, runHandle))
            {
                continue;
            }

            if (runHandle is not null)
            {
                succeeded += UnprotectRun(buffer, datagrams[runStart..i], runHandle);
            }

            runHandle = handle;
            runStart = i;
        }

        if (runHandle is not null)
        {
            succeeded += UnprotectRun(buffer, datagrams[runStart..], runHandle);
        }

        return succeeded;
    }

    /// <summary>Decides the policy for one datagram: the bundle to protect it with, or null with its final status set.</summary>
    private SecurityAssociationBundle? ClassifyOutbound(Span<byte> buffer, ref IpsecDatagram datagram)
    {
        datagram.Spi = 0;
        datagram.SequenceNumber = 0;
        datagram.InnerMtu = 0;
        if (!TrafficFlow.TryParse(buffer.Slice(datagram.Offset, datagram.Length), outbound: true, out TrafficFlow flow))
        {
            datagram.Status = IpsecStatus.Malformed;
            return null;
        }

        SecurityPolicy? policy = _spd.Find(flow);
        if (policy is null || policy.Action == SecurityPolicyAction.Discard)
        {
            SecurityAssociationDatabase.RecordDrop(IpsecStatus.Discarded, SecurityAssociationDirection.Outbound);
            datagram.Status = IpsecStatus.Discarded;
            return null;
        }

        if (policy.Action == SecurityPolicyAction.Bypass)
        {
            datagram.Status = IpsecStatus.Bypassed;
            return null;
        }

        IpsecStatus status = _sad.FindOutbound(policy, out SecurityAssociationBundle? bundle);
        if (status != IpsecStatus.Success)
        {
            datagram.Status = status;
            return null;
        }

        if (bundle!.Count != 1)
        {
            datagram.Status = IpsecStatus.UnsupportedProtocol;
            return null;
        }

        return bundle;
    }

    /// <summary>Protects consecutive datagrams of one single-SA bundle under one lease.</summary>
    private static int ProtectRun(Span<byte> buffer, Span<IpsecDatagram> run, SecurityAssociationBundle bundle)
    {
        SecurityAssociationHandle handle = bundle.Handles[0];
        IpsecStatus status = handle.Acquire(out SecurityAssociationLease lease);
        if (status != IpsecStatus.Success)
        {
            SetStatus(run, status);
            return 0;
        }

        using (lease)
        {
            if (lease.SecurityAssociation is not EspProcessor { Mode: IpsecMode.Tunnel } processor)
            {
                SetStatus(run, IpsecStatus.UnsupportedProtocol);
                return 0;
            }

            // Lifetime accounting per packet, as the whole-packet path does; a refused packet leaves the run.
            int accepted = 0;
            for (int i = 0; i < run.Length; i++)
            {
                status = lease.RecordUse(run[i].Length);
                if (status != IpsecStatus.Success)
                {
                    SetStatus(run[i..], status);
                    break;
                }

                accepted++;
            }

            int succeeded = processor.ProtectDatagrams(buffer, run[..accepted]);
            for (int i = 0; i < accepted; i++)
            {
                if (run[i].Status != IpsecStatus.Success)
                {
                    SecurityAssociationDatabase.RecordDrop(run[i].Status, SecurityAssociationDirection.Outbound);
                }
            }

            return succeeded;
        }
    }

    /// <summary>Finds the inbound SA for one datagram, or returns null with its final status set.</summary>
    private SecurityAssociationHandle? FindInboundForDatagram(Span<byte> buffer, ref IpsecDatagram datagram)
    {
        datagram.Spi = 0;
        datagram.SequenceNumber = 0;
        datagram.InnerMtu = 0;
        Span<byte> payload = buffer.Slice(datagram.Offset, datagram.Length);
        bool udp = datagram.RemoteEndpoint.Port != 0 || datagram.LocalEndpoint.Port != 0;
        if (udp && UdpEncapsulation.Classify(payload) != UdpEncapsulatedKind.Esp)
        {
            datagram.Status = IpsecStatus.NotIpsec;
            return null;
        }

        if (payload.Length < EspHeader.Length)
        {
            datagram.Status = IpsecStatus.Truncated;
            return null;
        }

        Unsafe.SkipInit(out StackBlock16 localStorage);

        Span<byte> local = localStorage;
        Unsafe.SkipInit(out StackBlock16 remoteStorage);
        Span<byte> remote = remoteStorage;
        local = local[..datagram.LocalEndpoint.WriteAddress(local)];
        remote = remote[..datagram.RemoteEndpoint.WriteAddress(remote)];
        if (local.Length != remote.Length)
        {
            remote = default;
        }

        uint spi = BinaryPrimitives.ReadUInt32BigEndian(payload);
        IpsecStatus status = _sad.FindInbound(spi, local, remote, out SecurityAssociationHandle? handle);
        if (status != IpsecStatus.Success)
        {
            datagram.Status = status;
            return null;
        }

        return handle;
    }

    /// <summary>True when <paramref name="datagram"/> would find the same SA as <paramref name="previous"/>: same SPI and endpoints' addresses.</summary>
    /// <remarks>The run's first datagram is not processed yet, so its SPI is still in the buffer.</remarks>
    private static bool IsSameKey(Span<byte> buffer, in IpsecDatagram datagram, in IpsecDatagram previous)
    {
        bool udp = datagram.RemoteEndpoint.Port != 0 || datagram.LocalEndpoint.Port != 0;
        bool previousUdp = previous.RemoteEndpoint.Port != 0 || previous.LocalEndpoint.Port != 0;
        return udp == previousUdp && datagram.Length >= EspHeader.Length &&
            (!udp || UdpEncapsulation.Classify(buffer.Slice(datagram.Offset, datagram.Length)) == UdpEncapsulatedKind.Esp) &&
            datagram.LocalEndpoint.AddressEquals(previous.LocalEndpoint) && datagram.RemoteEndpoint.AddressEquals(previous.RemoteEndpoint) &&
            BinaryPrimitives.ReadUInt32BigEndian(buffer[datagram.Offset..]) == BinaryPrimitives.ReadUInt32BigEndian(buffer[previous.Offset..]);
    }

    /// <summary>Unprotects consecutive datagrams of one SA under one lease and checks each against the SA's policy.</summary>
    private static int UnprotectRun(Span<byte> buffer, Span<IpsecDatagram> run, SecurityAssociationHandle handle)
    {
        IpsecStatus status = handle.Acquire(out SecurityAssociationLease lease);
        if (status != IpsecStatus.Success)
        {
            SetStatus(run, status);
            return 0;
        }

        using (lease)
        {
            if (lease.SecurityAssociation is not EspProcessor { Mode: IpsecMode.Tunnel } processor)
            {
                SetStatus(run, IpsecStatus.UnsupportedProtocol);
                return 0;
            }

            int succeeded = 0;
            var tally = new UnprotectTally(deferred: true);
            for (int i = 0; i < run.Length; i++)
            {
                ref IpsecDatagram datagram = ref run[i];
                int receivedOffset = datagram.Offset;
                int receivedLength = datagram.Length;
                status = processor.UnprotectDatagramCore(buffer, ref datagram, ref tally);
                if (status == IpsecStatus.Success)
                {
                    Span<byte> delivered = buffer.Slice(datagram.Offset, datagram.Length);
                    status = lease.RecordUse(datagram.Length);
                    if (status == IpsecStatus.Success)
                    {
                        status = TrafficFlow.TryParse(delivered, outbound: false, out TrafficFlow flow)
                            ? handle.CheckInbound(flow)
                            : IpsecStatus.PolicyMismatch;
                    }

                    if (status != IpsecStatus.Success)
                    {
                        delivered.Clear();
                        datagram.Offset = receivedOffset;
                        datagram.Length = receivedLength;
                        datagram.Spi = 0;
                        datagram.SequenceNumber = 0;
                    }
                }
                else
                {
                    SecurityAssociationDatabase.RecordDrop(status, SecurityAssociationDirection.Inbound);
                }

                datagram.Status = status;
                if (status == IpsecStatus.Success)
                {
                    succeeded++;
                }
            }

            processor.CountUnprotected(tally);
            return succeeded;
        }
    }

    private static void SetStatus(Span<IpsecDatagram> datagrams, IpsecStatus status)
    {
        for (int i = 0; i < datagrams.Length; i++)
        {
            datagrams[i].Status = status;
        }
    }
}
