using System;
using System.Net;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// The configuration of one AH security association (RFC 4302): SPI, integrity algorithm and key, sequence-number
/// behaviour, mode and, in tunnel mode, the outer header. Validated when an <see cref="AhSecurityAssociation"/> is
/// created; the key is copied, so the caller may zero its own.
/// </summary>
public sealed class AhSecurityAssociationOptions
{
    /// <summary>The largest anti-replay window, in packets.</summary>
    public const int MaximumReplayWindowSize = Sequencing.AntiReplayWindow.MaximumSize;

    /// <summary>The Security Parameters Index (256 or more: 0 is invalid and 1–255 are reserved by IANA).</summary>
    public uint Spi { get; init; }

    /// <summary>The integrity algorithm: HMAC, AES-XCBC-MAC-96, AES-CMAC-96 or AES-GMAC (RFC 4543).</summary>
    public required IntegrityAlgorithm Integrity { get; init; }

    /// <summary>
    /// The integrity KEYMAT: <see cref="IntegrityAlgorithm.KeySize"/> bytes, followed for AES-GMAC by the
    /// <see cref="IntegrityAlgorithm.SaltSize"/>-byte salt (RFC 4543 §3.2).
    /// </summary>
    public ReadOnlyMemory<byte> IntegrityKey { get; init; }

    /// <summary>Use 64-bit extended sequence numbers (RFC 4302 §2.5.1); the high half is authenticated but never sent.</summary>
    public bool ExtendedSequenceNumbers { get; init; }

    /// <summary>The anti-replay window in packets, 0 (off) to <see cref="MaximumReplayWindowSize"/>. Default 64.</summary>
    public int ReplayWindowSize { get; init; } = 64;

    /// <summary>The last sequence number already sent under this SA (0 for a new SA); the next packet uses one more.</summary>
    public ulong InitialOutboundSequenceNumber { get; init; }

    /// <summary>The highest sequence number already received (0 for a new SA); it and everything left of it count as seen.</summary>
    public ulong InitialInboundSequenceNumber { get; init; }

    /// <summary>Transport or tunnel mode. Default tunnel.</summary>
    public IpsecMode Mode { get; init; } = IpsecMode.Tunnel;

    /// <summary>Tunnel mode: the outer source address (IPv4 or IPv6; both endpoints of one family).</summary>
    public IPAddress? TunnelSource { get; init; }

    /// <summary>Tunnel mode: the outer destination address.</summary>
    public IPAddress? TunnelDestination { get; init; }

    /// <summary>Tunnel mode: the outer TTL (IPv4) or hop limit (IPv6). Default 64.</summary>
    public byte HopLimit { get; init; } = 64;

    /// <summary>Tunnel mode over IPv4: the outer DF bit. Default copy from the inner packet.</summary>
    public DontFragmentPolicy DontFragment { get; init; } = DontFragmentPolicy.Copy;

    /// <summary>Tunnel mode: copy the inner DSCP to the outer header (RFC 2983 uniform model). Default true.</summary>
    public bool CopyDscp { get; init; } = true;

    /// <summary>Tunnel mode over IPv6: copy an inner IPv6 flow label to the outer header; otherwise the outer label is 0.</summary>
    public bool CopyFlowLabel { get; init; }

    /// <summary>The largest packet to emit, in bytes; a larger one is refused with <see cref="IpsecStatus.MtuExceeded"/>. 0 for no limit.</summary>
    public int Mtu { get; init; }

    /// <summary>Transport mode over IPv6: where a destination options header with no routing header after it goes. Default before AH, as Linux does.</summary>
    public IPv6DestinationOptionsPlacement DestinationOptionsPlacement { get; init; }
}
