using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading;
using Ipsec.Packets.Ah;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Modes;
using Ipsec.Packets.Sequencing;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// One AH security association (RFC 4302) working on whole IP packets in the caller's buffer: transport or tunnel mode
/// over IPv4 and IPv6 (all four tunnel combinations). Protect inserts the AH header (and in tunnel mode the outer header)
/// into the headroom before the packet; unprotect verifies and removes them in place. AH adds nothing after the packet.
/// </summary>
/// <remarks>
/// <para>The ICV (RFC 4302 §3.3.3) covers the whole packet with its mutable fields zeroed and its predictable fields set
/// to their values at the destination. Only the IP header (IPv4 with options; IPv6 with the extension headers before
/// AH, at most <see cref="MaximumIPHeaderLength"/> bytes) is copied, to the stack, and changed there; the AH header with
/// its ICV zeroed and the payload where it lies follow it into the MAC, then the high half of an extended sequence
/// number (§3.3.2.1). AES-GMAC (RFC 4543) takes the same bytes as AAD with an 8-byte IV after the sequence number.</para>
/// <para>Thread-safe; nothing allocates per packet. Packet bytes never cause exceptions: every outcome is an
/// <see cref="IpsecStatus"/>. Unprotect checks SPI, then replay, then the ICV (in constant time), then the inner packet
/// in tunnel mode, and only then updates the replay window and rewrites headers: a failed packet leaves the SA (but for
/// its counters) and the buffer as they were. Protect likewise fails before consuming a sequence number or writing.</para>
/// </remarks>
public sealed class AhSecurityAssociation : IDisposable
{
    /// <summary>The most bytes of IP header (IPv4 with options, or IPv6 with the extension headers before AH) the ICV computation accepts.</summary>
    public const int MaximumIPHeaderLength = 1024;

    private const int MaximumAhLength = 128;
    private const int MaximumIcvSize = 64;

    private readonly IntegrityTransform? _integrity;
    private readonly AhGmac? _gmac;
    private readonly OutboundSequenceCounter _outbound;
    private readonly AntiReplayWindow _window;
    private readonly SecurityAssociationCounters _counters = new();
    private readonly OuterHeaderTemplate? _outer;
    private readonly IpsecMode _mode;
    private readonly int _ivSize;
    private readonly int _icvSize;
    private readonly int _mtu;
    private readonly IPv6DestinationOptionsPlacement _placement;
    private readonly bool _esn;
    private int _disposed;

    /// <summary>Creates the SA and builds its key schedule.</summary>
    /// <param name="options">The SA configuration; its key is copied.</param>
    /// <exception cref="ArgumentException">A field is invalid (wrong key size, missing tunnel endpoints, ...); the message names it.</exception>
    public AhSecurityAssociation(AhSecurityAssociationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IntegrityAlgorithm integrity = options.Integrity ?? throw new ArgumentException("Integrity must be set.", nameof(options));
        Validate(options, integrity);
        Spi = options.Spi;
        Integrity = integrity;
        _esn = options.ExtendedSequenceNumbers;
        _mode = options.Mode;
        _mtu = options.Mtu;
        _placement = options.DestinationOptionsPlacement;
        _ivSize = integrity.IvSize;
        _icvSize = integrity.IcvSize;
        if (_mode == IpsecMode.Tunnel)
        {
            _outer = new OuterHeaderTemplate(
                IPProtocol.Ah, options.TunnelSource, options.TunnelDestination, options.HopLimit, options.DontFragment, options.CopyDscp, options.CopyFlowLabel, nameof(options));
        }

        _outbound = new OutboundSequenceCounter(_esn, options.InitialOutboundSequenceNumber);
        _window = new AntiReplayWindow(options.ReplayWindowSize, options.InitialInboundSequenceNumber);
        if (integrity.IsGmac)
        {
            _gmac = new AhGmac(options.IntegrityKey.Span);
        }
        else
        {
            _integrity = IntegrityFactory.Create(integrity, options.IntegrityKey.Span);
        }
    }

    /// <summary>The Security Parameters Index.</summary>
    public uint Spi { get; }

    /// <summary>The integrity algorithm.</summary>
    public IntegrityAlgorithm Integrity { get; }

    /// <summary>Transport or tunnel mode.</summary>
    public IpsecMode Mode => _mode;

    /// <summary>True with 64-bit extended sequence numbers.</summary>
    public bool ExtendedSequenceNumbers => _esn;

    /// <summary>The anti-replay window size in packets (0 when off).</summary>
    public int ReplayWindowSize => _window.Size;

    /// <summary>The IV carried in the AH header after the sequence number, in bytes (8 with AES-GMAC, otherwise 0).</summary>
    public int IvSize => _ivSize;

    /// <summary>The ICV carried in each packet, in bytes (without alignment padding).</summary>
    public int IcvSize => _icvSize;

    /// <summary>The AH header length over IPv4: 12 + IV + ICV, padded to 4 bytes.</summary>
    public int HeaderLengthIPv4 => AhHeader.GetHeaderLength(_ivSize + _icvSize, isIPv6: false);

    /// <summary>The AH header length over IPv6: 12 + IV + ICV, padded to 8 bytes.</summary>
    public int HeaderLengthIPv6 => AhHeader.GetHeaderLength(_ivSize + _icvSize, isIPv6: true);

    /// <summary>The most bytes <see cref="Protect"/> needs before the packet: the AH header, and the outer header in tunnel mode.</summary>
    public int MaximumHeadroom => _outer is null ? HeaderLengthIPv6 : _outer.HeaderLength + AhHeaderLength(_outer.IsIPv6);

    /// <summary>The last outbound sequence number used (0 before the first packet).</summary>
    public ulong OutboundSequenceNumber => _outbound.LastUsed;

    /// <summary>The highest inbound sequence number accepted (0 before the first packet).</summary>
    public ulong HighestInboundSequenceNumber => _window.Highest;

    /// <summary>Empties the anti-replay window, as if no packet had been received (benchmarks replaying a fixed ring of packets).</summary>
    internal void ResetReplayWindow() => _window.Reset();

    /// <summary>The SA's counters.</summary>
    public SecurityAssociationStatistics Statistics => _counters.Snapshot();

    /// <summary>Sets the next outer IPv4 Identification (tests reproducing captured packets).</summary>
    internal void SetNextIdentification(ushort identification) => _outer?.SetNextIdentification(identification);

    /// <summary>
    /// Protects the IP packet at <c>buffer[offset..offset+length]</c> in place. The result starts before
    /// <paramref name="offset"/> (by up to <see cref="MaximumHeadroom"/>) and ends where the packet ended.
    /// </summary>
    /// <param name="buffer">The caller's buffer holding the packet, with headroom before it.</param>
    /// <param name="offset">Where the IP packet starts.</param>
    /// <param name="length">The bytes available for the packet from <paramref name="offset"/>; the IP length fields decide its size.</param>
    /// <param name="result">Where the protected packet is; with <see cref="IpsecStatus.MtuExceeded"/>, the length it would need.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.Malformed"/> or <see cref="IpsecStatus.Truncated"/> for a
    /// packet that is not valid IP (or whose IP header exceeds <see cref="MaximumIPHeaderLength"/>, or has malformed options
    /// or a routing header that cannot be predicted); <see cref="IpsecStatus.Fragment"/> for a fragment in transport mode;
    /// <see cref="IpsecStatus.MtuExceeded"/> (also when the result would exceed 65,535 bytes);
    /// <see cref="IpsecStatus.DestinationTooSmall"/> when the buffer lacks headroom; <see cref="IpsecStatus.SequenceExhausted"/>.
    /// Nothing is changed on failure.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the buffer.</exception>
    /// <exception cref="ObjectDisposedException">The SA was disposed.</exception>
    public IpsecStatus Protect(Span<byte> buffer, int offset, int length, out AhProcessResult result)
    {
        result = default;
        BufferRange.Check(buffer.Length, offset, length);
        ThrowIfDisposed();
        if (!IPPacketBounds.TryMeasure(buffer.Slice(offset, length), out int packetLength, out IpsecStatus status))
        {
            return status;
        }

        return _outer is not null
            ? ProtectTunnel(buffer, offset, packetLength, _outer, out result)
            : ProtectTransport(buffer, offset, packetLength, out result);
    }

    /// <summary>
    /// Verifies and removes AH from the IP packet at <c>buffer[offset..offset+length]</c> in place, leaving the inner packet
    /// (tunnel mode) or the original packet without AH (transport mode) in the buffer.
    /// </summary>
    /// <param name="buffer">The caller's buffer holding the packet.</param>
    /// <param name="offset">Where the IP packet starts.</param>
    /// <param name="length">The bytes available from <paramref name="offset"/>.</param>
    /// <param name="result">Where the resulting packet is, and its sequence number; default on failure.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; <see cref="IpsecStatus.NotIpsec"/> (no AH header); <see cref="IpsecStatus.Fragment"/>;
    /// <see cref="IpsecStatus.Truncated"/> or <see cref="IpsecStatus.Malformed"/> (including an AH length that does not fit
    /// the SA, a bad IPv4 header checksum and an invalid inner packet); <see cref="IpsecStatus.UnknownSpi"/>;
    /// <see cref="IpsecStatus.Replayed"/>; <see cref="IpsecStatus.AuthenticationFailed"/>; in tunnel mode
    /// <see cref="IpsecStatus.UnsupportedProtocol"/> (not IP inside) or <see cref="IpsecStatus.EcnDrop"/> (RFC 6040).
    /// After a failure the SA (but for its counters) and the buffer are unchanged.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the buffer.</exception>
    /// <exception cref="ObjectDisposedException">The SA was disposed.</exception>
    [SkipLocalsInit]
    public IpsecStatus Unprotect(Span<byte> buffer, int offset, int length, out AhProcessResult result)
    {
        result = default;
        BufferRange.Check(buffer.Length, offset, length);
        ThrowIfDisposed();
        if (!IPPacketBounds.TryMeasure(buffer.Slice(offset, length), out int packetLength, out IpsecStatus status))
        {
            return Malformed(status);
        }

        Span<byte> packet = buffer.Slice(offset, packetLength);
        bool isIPv6 = packet[0] >> 4 == 6;
        int ahOffset;
        int nextHeaderField;
        byte outerEcn;
        if (isIPv6)
        {
            ahOffset = -1;
            nextHeaderField = 0;
            var walker = new IPv6ExtensionHeaderWalker(packet);
            while (walker.TryNext(out IPv6ExtensionHeader header))
            {
                if (header.Type == IPProtocol.Fragment)
                {
                    return IpsecStatus.Fragment;
                }

                if (header.Type == IPProtocol.Ah)
                {
                    ahOffset = header.Offset;
                    nextHeaderField = header.NextHeaderFieldOffset;
                    break;
                }
            }

            if (ahOffset < 0)
            {
                return walker.Status == IPv6ExtensionHeaderWalkStatus.Complete ? IpsecStatus.NotIpsec : Malformed(IpsecStatus.Malformed);
            }

            outerEcn = (byte)((packet[1] >> 4) & 3);
        }
        else
        {
            ahOffset = (packet[0] & 0x0F) * 4;
            if (!InternetChecksum.IsValid(packet[..ahOffset]))
            {
                return Malformed(IpsecStatus.Malformed);
            }

            ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Header.Field.FlagsFragmentOffset..]);
            if ((fragment & (IPv4Header.MoreFragmentsFlag | IPv4Header.FragmentOffsetMask)) != 0)
            {
                return IpsecStatus.Fragment;
            }

            if (packet[IPv4Header.Field.Protocol] != (byte)IPProtocol.Ah)
            {
                return IpsecStatus.NotIpsec;
            }

            nextHeaderField = IPv4Header.Field.Protocol;
            outerEcn = (byte)(packet[IPv4Header.Field.Tos] & 3);
        }

        int ahLength = AhHeaderLength(isIPv6);
        if (!AhPacket.TryCreate(packet[ahOffset..], isIPv6, out AhPacket ah))
        {
            return Malformed(packet.Length - ahOffset < AhHeader.FixedLength ? IpsecStatus.Truncated : IpsecStatus.Malformed);
        }

        if (ah.HeaderLength != ahLength || ahOffset > MaximumIPHeaderLength)
        {
            return Malformed(IpsecStatus.Malformed);
        }

        if (ah.Spi != Spi)
        {
            return IpsecStatus.UnknownSpi;
        }

        ulong highest = _window.Highest;
        ulong sequenceNumber = _esn ? SequenceNumberInference.Infer(ah.SequenceNumber, highest, _window.Size) : ah.SequenceNumber;
        if (!_window.Check(sequenceNumber))
        {
            Interlocked.Increment(ref _counters.ReplayDrops);
            return IpsecStatus.Replayed;
        }

        // The prepared headers and the AH copy sit next to each other, so an HMAC takes them in one call.
        Span<byte> prepared = stackalloc byte[MaximumIPHeaderLength + MaximumAhLength];
        Span<byte> headers = prepared[..ahOffset];
        packet[..ahOffset].CopyTo(headers);
        if (!(isIPv6 ? AhMutableFields.TryZeroIPv6(headers) : AhMutableFields.TryZeroIPv4(headers)))
        {
            return Malformed(IpsecStatus.Malformed);
        }

        Span<byte> ahCopy = prepared.Slice(ahOffset, ahLength);
        ah.Header.CopyTo(ahCopy);
        int icvOffset = AhHeader.Field.Icv + _ivSize;
        ahCopy.Slice(icvOffset, _icvSize).Clear();
        Span<byte> computed = stackalloc byte[MaximumIcvSize];
        computed = computed[.._icvSize];
        ComputeIcv(headers, ahCopy, packet[(ahOffset + ahLength)..], sequenceNumber, computed);
        bool authentic = CryptographicOperations.FixedTimeEquals(computed, ah.Header.Slice(icvOffset, _icvSize));
        if (!authentic && _esn && _window.Size != 0 && (sequenceNumber >> 32) > (highest >> 32))
        {
            // RFC 4302 Appendix B (as RFC 4303 Appendix A): a packet left of the window is placed in the next epoch. A late
            // genuine packet then fails the ICV; one more check under the current epoch tells it (too old) from a forgery.
            ulong late = (highest & 0xFFFFFFFF_00000000UL) | ah.SequenceNumber;
            ComputeIcv(headers, ahCopy, packet[(ahOffset + ahLength)..], late, computed);
            if (late != 0 && CryptographicOperations.FixedTimeEquals(computed, ah.Header.Slice(icvOffset, _icvSize)))
            {
                CryptographicOperations.ZeroMemory(computed);
                Interlocked.Increment(ref _counters.ReplayDrops);
                return IpsecStatus.Replayed;
            }
        }

        CryptographicOperations.ZeroMemory(computed);
        if (!authentic)
        {
            Interlocked.Increment(ref _counters.AuthenticationFailures);
            return IpsecStatus.AuthenticationFailed;
        }

        byte nextHeader = (byte)ah.NextHeader;
        int payloadOffset = ahOffset + ahLength;
        Span<byte> payload = packet[payloadOffset..];
        byte ecn = 0;
        if (_mode == IpsecMode.Tunnel)
        {
            status = TunnelDecapsulation.Check(payload, nextHeader, outerEcn, out ecn);
            if (status != IpsecStatus.Success)
            {
                if (status == IpsecStatus.Malformed)
                {
                    Interlocked.Increment(ref _counters.MalformedDrops);
                }

                return status;
            }
        }

        if (!_window.TryAccept(sequenceNumber))
        {
            Interlocked.Increment(ref _counters.ReplayDrops);
            return IpsecStatus.Replayed;
        }

        if (_mode == IpsecMode.Tunnel)
        {
            TunnelDecapsulation.Apply(payload, ecn);
            _counters.Unprotected(payload.Length);
            result = new AhProcessResult(offset + payloadOffset, payload.Length, sequenceNumber);
            return IpsecStatus.Success;
        }

        // Transport mode: move the IP header (and IPv6 extension headers before AH) up against the payload.
        packet[..ahOffset].CopyTo(packet[ahLength..]);
        Span<byte> rebuilt = packet[ahLength..];
        rebuilt[nextHeaderField] = nextHeader;
        if (isIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(rebuilt[IPv6Header.Field.PayloadLength..], (ushort)(rebuilt.Length - IPv6Header.Length));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(rebuilt[IPv4Header.Field.TotalLength..], (ushort)rebuilt.Length);
            IPv4HeaderEditor.UpdateChecksum(rebuilt[..ahOffset]);
        }

        _counters.Unprotected(rebuilt.Length);
        result = new AhProcessResult(offset + ahLength, rebuilt.Length, sequenceNumber);
        return IpsecStatus.Success;
    }

    /// <summary>Zeroes the key material. Further use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _integrity?.Dispose();
            _gmac?.Dispose();
        }
    }

    /// <summary>Describes the SA without any key material.</summary>
    /// <returns>SPI, algorithm, mode and options.</returns>
    public override string ToString() =>
        $"AH SA spi=0x{Spi:x8} {Integrity.Name} {(_mode == IpsecMode.Tunnel ? "tunnel" : "transport")}" +
        $"{(_esn ? " esn" : "")} replay-window={_window.Size}";

    [SkipLocalsInit]
    private IpsecStatus ProtectTransport(Span<byte> buffer, int offset, int packetLength, out AhProcessResult result)
    {
        result = default;
        Span<byte> packet = buffer.Slice(offset, packetLength);
        bool isIPv6 = packet[0] >> 4 == 6;
        IpsecStatus found = TransportInsertion.TryFind(packet, _placement, out int prefixLength, out int nextHeaderField);
        if (found != IpsecStatus.Success)
        {
            return found;
        }

        int ahLength = AhHeaderLength(isIPv6);
        int total = packetLength + ahLength;
        if ((_mtu > 0 && total > _mtu) || total - (isIPv6 ? IPv6Header.Length : 0) > ushort.MaxValue)
        {
            result = new AhProcessResult(0, total, 0);
            return IpsecStatus.MtuExceeded;
        }

        int start = offset - ahLength;
        if (start < 0)
        {
            return IpsecStatus.DestinationTooSmall;
        }

        if (prefixLength > MaximumIPHeaderLength)
        {
            return IpsecStatus.Malformed;
        }

        // The ICV's view of the IP header depends only on the header as it will be sent: build it before anything changes.
        Span<byte> headers = stackalloc byte[MaximumIPHeaderLength];
        headers = headers[..prefixLength];
        packet[..prefixLength].CopyTo(headers);
        byte nextHeader = headers[nextHeaderField];
        SetLengthAndProtocol(headers, nextHeaderField, total, isIPv6);
        if (!(isIPv6 ? AhMutableFields.TryZeroIPv6(headers) : AhMutableFields.TryZeroIPv4(headers)))
        {
            return IpsecStatus.Malformed;
        }

        if (!_outbound.TryNext(out ulong sequenceNumber))
        {
            Interlocked.Increment(ref _counters.SequenceExhaustedDrops);
            return IpsecStatus.SequenceExhausted;
        }

        packet[..prefixLength].CopyTo(buffer[start..]);
        Span<byte> output = buffer.Slice(start, total);
        SetLengthAndProtocol(output, nextHeaderField, total, isIPv6);
        if (!isIPv6)
        {
            IPv4HeaderEditor.UpdateChecksum(output[..prefixLength]);
        }

        Span<byte> ah = output.Slice(prefixLength, ahLength);
        WriteAhHeader(ah, nextHeader, sequenceNumber);
        ComputeIcv(headers, ah, output[(prefixLength + ahLength)..], sequenceNumber, ah.Slice(AhHeader.Field.Icv + _ivSize, _icvSize));
        _counters.Protected(packetLength);
        result = new AhProcessResult(start, total, sequenceNumber);
        return IpsecStatus.Success;
    }

    [SkipLocalsInit]
    private IpsecStatus ProtectTunnel(Span<byte> buffer, int offset, int innerLength, OuterHeaderTemplate template, out AhProcessResult result)
    {
        result = default;
        Span<byte> inner = buffer.Slice(offset, innerLength);
        byte nextHeader = inner[0] >> 4 == 6 ? (byte)IPProtocol.IPv6 : (byte)IPProtocol.IPv4;
        int outerLength = template.HeaderLength;
        int ahLength = AhHeaderLength(template.IsIPv6);
        int total = outerLength + ahLength + innerLength;
        if ((_mtu > 0 && total > _mtu) || total - (template.IsIPv6 ? IPv6Header.Length : 0) > ushort.MaxValue)
        {
            result = new AhProcessResult(0, total, 0);
            return IpsecStatus.MtuExceeded;
        }

        int start = offset - ahLength - outerLength;
        if (start < 0)
        {
            return IpsecStatus.DestinationTooSmall;
        }

        if (!_outbound.TryNext(out ulong sequenceNumber))
        {
            Interlocked.Increment(ref _counters.SequenceExhaustedDrops);
            return IpsecStatus.SequenceExhausted;
        }

        OuterHeaderTemplate.InnerFields fields = OuterHeaderTemplate.ReadInner(inner);
        Span<byte> output = buffer.Slice(start, total);
        template.Write(output, fields, template.NextIdentification());
        Span<byte> headers = stackalloc byte[IPv6Header.Length];
        headers = headers[..outerLength];
        output[..outerLength].CopyTo(headers);
        _ = template.IsIPv6 ? AhMutableFields.TryZeroIPv6(headers) : AhMutableFields.TryZeroIPv4(headers); // no options or extension headers: cannot fail
        Span<byte> ah = output.Slice(outerLength, ahLength);
        WriteAhHeader(ah, nextHeader, sequenceNumber);
        ComputeIcv(headers, ah, output[(outerLength + ahLength)..], sequenceNumber, ah.Slice(AhHeader.Field.Icv + _ivSize, _icvSize));
        _counters.Protected(innerLength);
        result = new AhProcessResult(start, total, sequenceNumber);
        return IpsecStatus.Success;
    }

    /// <summary>Sets the IPv4 Total Length or IPv6 Payload Length for the protected packet and points the next-header field at AH.</summary>
    private static void SetLengthAndProtocol(Span<byte> headers, int nextHeaderField, int total, bool isIPv6)
    {
        headers[nextHeaderField] = (byte)IPProtocol.Ah;
        if (isIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(headers[IPv6Header.Field.PayloadLength..], (ushort)(total - IPv6Header.Length));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(headers[IPv4Header.Field.TotalLength..], (ushort)total);
        }
    }

    /// <summary>Writes the AH header with a zero ICV and zero padding; with GMAC the IV is the 64-bit sequence number (RFC 4543 §3.1).</summary>
    private void WriteAhHeader(Span<byte> ah, byte nextHeader, ulong sequenceNumber)
    {
        ah[AhHeader.Field.NextHeader] = nextHeader;
        ah[AhHeader.Field.PayloadLength] = AhHeader.GetPayloadLength(ah.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ah[AhHeader.Field.Reserved..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(ah[AhHeader.Field.Spi..], Spi);
        BinaryPrimitives.WriteUInt32BigEndian(ah[AhHeader.Field.SequenceNumber..], (uint)sequenceNumber);
        Span<byte> rest = ah[AhHeader.Field.Icv..];
        rest.Clear();
        if (_ivSize != 0)
        {
            BinaryPrimitives.WriteUInt64BigEndian(rest, sequenceNumber);
        }
    }

    /// <summary>
    /// The ICV over the prepared IP headers, the AH header (its ICV field zero), the payload and, with ESN, the high half
    /// of the sequence number (RFC 4302 §3.3.2.1). <paramref name="icv"/> may lie inside <paramref name="ah"/>'s ICV field.
    /// </summary>
    private void ComputeIcv(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> ah, ReadOnlySpan<byte> payload, ulong sequenceNumber, Span<byte> icv)
    {
        Span<byte> high = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(high, (uint)(sequenceNumber >> 32));
        ReadOnlySpan<byte> suffix = _esn ? high : default;
        if (_gmac is not null)
        {
            Span<byte> iv = stackalloc byte[AhGmac.IvSize];
            ah.Slice(AhHeader.Field.Icv, AhGmac.IvSize).CopyTo(iv);
            _gmac.Compute(headers, ah, payload, suffix, iv, icv);
            return;
        }

        // Each Append is a call into OpenSSL: pieces that lie next to each other in memory (the prepared headers and the
        // AH copy on unprotect, the AH header and the payload on protect) go in as one.
        if (Follows(headers, ah))
        {
            headers = MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetReference(headers), headers.Length + ah.Length);
            ah = default;
        }
        else if (Follows(ah, payload))
        {
            payload = MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetReference(ah), ah.Length + payload.Length);
            ah = default;
        }

        IntegrityContext context = _integrity!.Rent();
        context.Append(headers);
        if (!ah.IsEmpty)
        {
            context.Append(ah);
        }

        context.Append(payload);
        if (!suffix.IsEmpty)
        {
            context.Append(suffix);
        }

        context.Finish(icv);
        _integrity.Return(context);
    }

    /// <summary>Whether <paramref name="second"/> starts right where <paramref name="first"/> ends.</summary>
    private static bool Follows(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) =>
        !first.IsEmpty && !second.IsEmpty &&
        Unsafe.AreSame(ref MemoryMarshal.GetReference(first[first.Length..]), ref MemoryMarshal.GetReference(second));

    private int AhHeaderLength(bool isIPv6) => AhHeader.GetHeaderLength(_ivSize + _icvSize, isIPv6);

    private IpsecStatus Malformed(IpsecStatus status)
    {
        Interlocked.Increment(ref _counters.MalformedDrops);
        return status;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(AhSecurityAssociation));
        }
    }

    private static void Validate(AhSecurityAssociationOptions options, IntegrityAlgorithm integrity)
    {
        if (options.Spi < 256)
        {
            throw new ArgumentException($"Spi must be 256 or more (0 is invalid and 1–255 are reserved, RFC 4302 §2.4); got {options.Spi}.", nameof(options));
        }

        int keySize = integrity.KeySize + integrity.SaltSize;
        if (options.IntegrityKey.Length != keySize)
        {
            throw new ArgumentException(
                $"IntegrityKey: {integrity.Name} needs a {integrity.KeySize}-byte key" +
                $"{(integrity.SaltSize > 0 ? $" followed by a {integrity.SaltSize}-byte salt" : "")}; got {options.IntegrityKey.Length} bytes.",
                nameof(options));
        }

        if (options.ReplayWindowSize < 0 || options.ReplayWindowSize > AhSecurityAssociationOptions.MaximumReplayWindowSize)
        {
            throw new ArgumentException(
                $"ReplayWindowSize must be 0 (off) to {AhSecurityAssociationOptions.MaximumReplayWindowSize}; got {options.ReplayWindowSize}.", nameof(options));
        }

        ulong maximum = options.ExtendedSequenceNumbers ? ulong.MaxValue : uint.MaxValue;
        if (options.InitialOutboundSequenceNumber > maximum || options.InitialInboundSequenceNumber > maximum)
        {
            throw new ArgumentException("InitialOutboundSequenceNumber and InitialInboundSequenceNumber must fit the sequence number size (32 bits without ESN).", nameof(options));
        }

        if (options.Mode is not (IpsecMode.Transport or IpsecMode.Tunnel))
        {
            throw new ArgumentException($"Mode must be Transport or Tunnel; got {options.Mode}.", nameof(options));
        }

        if (options.Mtu < 0)
        {
            throw new ArgumentException($"Mtu must be 0 (no limit) or positive; got {options.Mtu}.", nameof(options));
        }
    }
}
