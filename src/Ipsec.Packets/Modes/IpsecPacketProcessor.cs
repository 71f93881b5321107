using System;
using System.Buffers.Binary;
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
    /// Unprotects the ESP packet (IP, optionally UDP 4500, ESP) at <c>buffer[offset..offset+length]</c> in place with the
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
        IpsecStatus status = EspLocator.TryLocate(packet, udpEncapsulation: true, UdpEncapsulation.Port, out EspLocation location);
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
}
