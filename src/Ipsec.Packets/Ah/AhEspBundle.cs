using System;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets;

/// <summary>
/// An SA bundle of ESP inside AH (RFC 4301 §4.5, transport adjacency; RFC 4302 §3.1): outbound, ESP is applied first and
/// AH second, so AH also covers the outer IP header; inbound, AH is verified and removed first, then ESP. One call each
/// way, in the caller's buffer, without copying the packet.
/// </summary>
/// <remarks>
/// The AH SA must be in transport mode; the ESP processor may be in transport mode (both SAs between the same hosts) or
/// in tunnel mode (AH then covers the tunnel's outer header). Thread-safe like the SAs; nothing allocates per packet.
/// </remarks>
public sealed class AhEspBundle
{
    private readonly AhSecurityAssociation _ah;
    private readonly EspProcessor _esp;

    /// <summary>Creates the bundle.</summary>
    /// <param name="ah">The outer AH SA, in transport mode.</param>
    /// <param name="esp">The inner ESP processor.</param>
    /// <exception cref="ArgumentException">The AH SA is in tunnel mode.</exception>
    public AhEspBundle(AhSecurityAssociation ah, EspProcessor esp)
    {
        ArgumentNullException.ThrowIfNull(ah);
        ArgumentNullException.ThrowIfNull(esp);
        if (ah.Mode != IpsecMode.Transport)
        {
            throw new ArgumentException("Mode: the AH SA of an AH+ESP bundle must be in transport mode, applied to the ESP packet.", nameof(ah));
        }

        _ah = ah;
        _esp = esp;
    }

    /// <summary>The AH SA.</summary>
    public AhSecurityAssociation Ah => _ah;

    /// <summary>The ESP processor.</summary>
    public EspProcessor Esp => _esp;

    /// <summary>The most bytes <see cref="Protect"/> needs before the packet: ESP's headroom and AH's header.</summary>
    public int MaximumHeadroom => _esp.MaximumHeadroom + _ah.MaximumHeadroom;

    /// <summary>The most bytes <see cref="Protect"/> needs after the packet: ESP's tailroom (AH adds none).</summary>
    public int MaximumTailroom => _esp.MaximumTailroom;

    /// <summary>Protects the IP packet at <c>buffer[offset..offset+length]</c> with ESP, then AH, in place.</summary>
    /// <param name="buffer">The caller's buffer, with <see cref="MaximumHeadroom"/> bytes before the packet and <see cref="MaximumTailroom"/> after it.</param>
    /// <param name="offset">Where the IP packet starts.</param>
    /// <param name="length">The bytes available for the packet from <paramref name="offset"/>.</param>
    /// <param name="result">Where the protected packet is; default on failure.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.DestinationTooSmall"/> when <paramref name="offset"/> is less
    /// than <see cref="MaximumHeadroom"/> (checked first, changing nothing) or ESP lacks tailroom; otherwise the first
    /// failing SA's status. ESP's failures leave the buffer unchanged. AH can fail after ESP succeeded only with
    /// <see cref="IpsecStatus.SequenceExhausted"/> or <see cref="IpsecStatus.MtuExceeded"/> from the AH SA; the buffer then
    /// holds the ESP packet, which must not be sent.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the buffer.</exception>
    public IpsecStatus Protect(Span<byte> buffer, int offset, int length, out AhEspBundleResult result)
    {
        result = default;
        BufferRange.Check(buffer.Length, offset, length);
        if (offset < MaximumHeadroom)
        {
            return IpsecStatus.DestinationTooSmall;
        }

        IpsecStatus status = _esp.Protect(buffer, offset, length, out EspProcessResult esp);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        status = _ah.Protect(buffer, esp.Offset, esp.Length, out AhProcessResult ah);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        result = new AhEspBundleResult(ah.Offset, ah.Length, ah.SequenceNumber, esp.SequenceNumber);
        return IpsecStatus.Success;
    }

    /// <summary>Verifies and removes AH, then ESP, from the packet at <c>buffer[offset..offset+length]</c>, in place.</summary>
    /// <param name="buffer">The caller's buffer holding the packet.</param>
    /// <param name="offset">Where the IP packet starts.</param>
    /// <param name="length">The bytes available from <paramref name="offset"/>.</param>
    /// <param name="result">Where the resulting packet is; default on failure.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; AH's failure statuses (the buffer and both SAs unchanged); after AH verified,
    /// <see cref="IpsecStatus.PolicyMismatch"/> when AH did not carry ESP, or ESP's failure status. In those last cases
    /// the AH SA has accepted the sequence number and the buffer holds the packet without AH, which must be dropped.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the buffer.</exception>
    public IpsecStatus Unprotect(Span<byte> buffer, int offset, int length, out AhEspBundleResult result)
    {
        result = default;
        IpsecStatus status = _ah.Unprotect(buffer, offset, length, out AhProcessResult ah);
        if (status != IpsecStatus.Success)
        {
            return status;
        }

        status = _esp.Unprotect(buffer, ah.Offset, ah.Length, out EspProcessResult esp);
        if (status != IpsecStatus.Success)
        {
            return status == IpsecStatus.NotIpsec ? IpsecStatus.PolicyMismatch : status;
        }

        result = new AhEspBundleResult(esp.Offset, esp.Length, ah.SequenceNumber, esp.SequenceNumber);
        return IpsecStatus.Success;
    }
}
