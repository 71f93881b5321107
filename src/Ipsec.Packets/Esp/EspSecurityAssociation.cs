using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Sequencing;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets;

/// <summary>
/// One ESP security association (RFC 4303): protects payloads into ESP packets and unprotects ESP packets back into
/// payloads, with the SA's algorithms, sequence numbers and anti-replay window. Works on the ESP layer (SPI to ICV);
/// transport and tunnel mode put the IP headers around it.
/// </summary>
/// <remarks>
/// <para>Thread-safe: any number of threads may protect and unprotect at once. Outbound sequence numbers are handed out
/// atomically; the replay window accepts each sequence number at most once. Nothing allocates per packet.</para>
/// <para>Unprotect never throws for packet bytes: every outcome is an <see cref="IpsecStatus"/>. The order is the RFC's:
/// SPI, replay check, ICV (before any decryption for non-AEAD algorithms), decryption, padding check, and only then the
/// window update. A failed packet leaves the SA as it was and its output cleared.</para>
/// </remarks>
// SkipLocalsInit: every local of the packet paths is written before it is read (scratch blocks are declared with
// Unsafe.SkipInit or cleared explicitly), so the JIT need not zero their frames on each call.
[SkipLocalsInit]
public sealed class EspSecurityAssociation : ISecurityAssociation
{
    private const byte NoNextHeader = 59;
    private const int MaxIcvSize = 64;

    private readonly AeadTransform? _aead;
    private readonly CipherTransform? _cipher;
    private readonly IntegrityTransform? _integrity;
    private readonly OutboundSequenceCounter _outbound;
    private readonly AntiReplayWindow _window;
    private readonly SecurityAssociationCounters _counters = new();
    private readonly ForgeryResponse _forgeryResponse = new();
    private readonly int _ivSize;
    private readonly int _icvSize;
    private readonly int _blockSize;
    private readonly int _alignment;
    private readonly bool _esn;
    private readonly bool _gmac;
    private readonly bool _implicitIv;
    private int _disposed;

    /// <summary>Creates the SA and builds its key schedules.</summary>
    /// <param name="options">The SA configuration; its keys are copied.</param>
    /// <exception cref="ArgumentException">A key has the wrong size, or the algorithms do not fit together; the message names the field.</exception>
    public EspSecurityAssociation(EspSecurityAssociationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EncryptionAlgorithm encryption = options.Encryption ?? throw new ArgumentException("Encryption must be set.", nameof(options));
        IntegrityAlgorithm? integrity = options.Integrity;
        Validate(options, encryption, integrity);

        Spi = options.Spi;
        Encryption = encryption;
        Integrity = integrity;
        _esn = options.ExtendedSequenceNumbers;
        _gmac = encryption.TransformId == EncryptionTransformId.NullAuthAesGmac;
        _implicitIv = options.ImplicitIv;
        _ivSize = _implicitIv ? 0 : encryption.IvSize;
        _blockSize = encryption.BlockSize;
        _alignment = encryption.PaddingAlignment;
        TfcPaddingLength = options.TfcPaddingLength;
        _outbound = new OutboundSequenceCounter(_esn, options.InitialOutboundSequenceNumber);
        _window = new AntiReplayWindow(options.ReplayWindowSize, options.InitialInboundSequenceNumber);

        if (encryption.IsAead)
        {
            _aead = AeadFactory.Create(encryption, options.EncryptionKey.Span);
            _icvSize = encryption.IcvSize;
        }
        else
        {
            _cipher = CipherFactory.Create(encryption, options.EncryptionKey.Span);
            if (integrity is not null)
            {
                try
                {
                    _integrity = IntegrityFactory.Create(integrity, options.IntegrityKey.Span);
                }
                catch
                {
                    _cipher.Dispose();
                    throw;
                }

                _icvSize = integrity.IcvSize;
            }
        }
    }

    /// <summary>The Security Parameters Index.</summary>
    public uint Spi { get; }

    /// <summary>The encryption or combined-mode algorithm.</summary>
    public EncryptionAlgorithm Encryption { get; }

    /// <summary>The integrity algorithm, or null with AEAD (or a confidentiality-only SA).</summary>
    public IntegrityAlgorithm? Integrity { get; }

    /// <summary>True with 64-bit extended sequence numbers.</summary>
    public bool ExtendedSequenceNumbers => _esn;

    /// <summary>True when the IV is implicit (RFC 8750) and not carried in the packet.</summary>
    public bool ImplicitIv => _implicitIv;

    /// <summary>The anti-replay window size in packets (0 when off).</summary>
    public int ReplayWindowSize => _window.Size;

    /// <summary>The TFC padding target in bytes (0 when off).</summary>
    public int TfcPaddingLength { get; }

    /// <summary>The IV carried in each packet, in bytes.</summary>
    public int IvSize => _ivSize;

    /// <summary>The ICV carried in each packet, in bytes.</summary>
    public int IcvSize => _icvSize;

    /// <summary>The bytes before the payload: SPI, sequence number and IV. Protect in place expects the payload at this offset.</summary>
    public int HeaderLength => EspHeader.Length + _ivSize;

    /// <summary>The most bytes ESP adds after a payload: TFC padding aside, padding, pad length, next header and ICV.</summary>
    public int MaximumTrailerLength => _alignment - 1 + EspTrailer.FixedLength + _icvSize;

    /// <summary>The last outbound sequence number used (0 before the first packet).</summary>
    public ulong OutboundSequenceNumber => _outbound.LastUsed;

    /// <summary>The highest inbound sequence number accepted (0 before the first packet).</summary>
    public ulong HighestInboundSequenceNumber => _window.Highest;

    /// <summary>Empties the anti-replay window, as if no packet had been received (benchmarks replaying a fixed ring of packets).</summary>
    internal void ResetReplayWindow() => _window.Reset();

    /// <summary>The SA's counters.</summary>
    public SecurityAssociationStatistics Statistics => _counters.Snapshot();

    internal SecurityAssociationCounters Counters => _counters;

    /// <summary>The length of the ESP packet that <see cref="Protect"/> makes from a payload.</summary>
    /// <param name="payloadLength">The payload length in bytes.</param>
    /// <param name="nextHeader">The payload's protocol (decides whether TFC padding applies).</param>
    /// <returns>The ESP packet length in bytes, SPI to ICV.</returns>
    public int GetProtectedLength(int payloadLength, byte nextHeader)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        return HeaderLength + GetEncryptedLength(payloadLength, nextHeader) + _icvSize;
    }

    /// <summary>
    /// Protects <paramref name="payload"/> into an ESP packet at the start of <paramref name="destination"/>.
    /// For in-place work, put the payload at <c>destination[HeaderLength..]</c> and pass that slice as <paramref name="payload"/>.
    /// </summary>
    /// <param name="payload">The payload: the transport segment (transport mode) or the inner IP packet (tunnel mode).</param>
    /// <param name="nextHeader">The payload's IP protocol number (4 or 41 in tunnel mode).</param>
    /// <param name="destination">Where the ESP packet goes; needs <see cref="GetProtectedLength"/> bytes.</param>
    /// <param name="bytesWritten">The ESP packet length, or 0 on failure.</param>
    /// <returns><see cref="IpsecStatus.Success"/>, <see cref="IpsecStatus.DestinationTooSmall"/> or <see cref="IpsecStatus.SequenceExhausted"/>.</returns>
    /// <exception cref="ArgumentException">The buffers overlap other than in the in-place layout.</exception>
    /// <exception cref="ObjectDisposedException">The SA was disposed.</exception>
    public IpsecStatus Protect(ReadOnlySpan<byte> payload, byte nextHeader, Span<byte> destination, out int bytesWritten) =>
        ProtectCore(payload, nextHeader, destination, FixedIvForKnownAnswerTests, 0, out bytesWritten);

    /// <summary>
    /// The largest payload that <see cref="Protect"/> turns into an ESP packet of at most <paramref name="protectedLength"/>
    /// bytes (SPI to ICV), in closed form: the inverse of <see cref="GetProtectedLength"/>.
    /// </summary>
    /// <param name="protectedLength">The room for the ESP packet in bytes, e.g. the path MTU less the outer IP and UDP headers.</param>
    /// <param name="nextHeader">The payload's protocol (decides whether TFC padding applies).</param>
    /// <returns>The largest payload length in bytes, or -1 when not even an empty payload fits.</returns>
    public int GetMaximumPayloadLength(int protectedLength, byte nextHeader)
    {
        // The encrypted part (payload, padding, pad length, next header) is a multiple of the alignment.
        int encryptedRoom = protectedLength - HeaderLength - _icvSize;
        if (encryptedRoom < EspTrailer.FixedLength)
        {
            return -1;
        }

        int padded = encryptedRoom / _alignment * _alignment - EspTrailer.FixedLength;
        if (padded < 0)
        {
            return -1;
        }

        // TFC padding raises shorter payloads to TfcPaddingLength: if that target does not fit, no payload does.
        return TfcPaddingLength > padded && CarriesOwnLength(nextHeader) ? -1 : padded;
    }

    /// <summary>
    /// Reserves up to <paramref name="count"/> consecutive outbound sequence numbers with one atomic step, for a batch
    /// protected with <see cref="ProtectReserved"/>.
    /// </summary>
    /// <returns>How many were reserved (fewer near exhaustion, 0 when exhausted, counted as such); the first is <paramref name="first"/>.</returns>
    internal int ReserveSequenceNumbers(int count, out ulong first)
    {
        ThrowIfDisposed();
        int reserved = _outbound.Reserve(count, out first);
        if (reserved < count)
        {
            Interlocked.Add(ref _counters.SequenceExhaustedDrops, count - reserved);
        }

        return reserved;
    }

    /// <summary>The next outbound sequence number, for one packet; false (counted) once the SA is exhausted.</summary>
    /// <exception cref="ObjectDisposedException">The SA was disposed.</exception>
    internal bool TryReserveSequenceNumber(out ulong sequenceNumber)
    {
        ThrowIfDisposed();
        return TryNextSequenceNumber(out sequenceNumber);
    }

    /// <summary>The next outbound sequence number; false, counted as a drop, once the SA is exhausted (RFC 4303 §3.3.3: no wrap).</summary>
    private bool TryNextSequenceNumber(out ulong sequenceNumber)
    {
        if (_outbound.TryNext(out sequenceNumber))
        {
            return true;
        }

        Interlocked.Increment(ref _counters.SequenceExhaustedDrops);
        return false;
    }

    /// <summary>
    /// Protect with a sequence number from <see cref="ReserveSequenceNumbers"/>; the packet is not counted (the batch
    /// counts once). The caller has sized <paramref name="destination"/> with <see cref="GetProtectedLength"/>.
    /// </summary>
    internal IpsecStatus ProtectReserved(ReadOnlySpan<byte> payload, byte nextHeader, Span<byte> destination, ulong sequenceNumber, out int bytesWritten) =>
        ProtectCore(payload, nextHeader, destination, FixedIvForKnownAnswerTests, sequenceNumber, out bytesWritten);

    /// <summary>A fixed explicit IV for reproducing published packets in tests; null (always, outside tests) for real IVs.</summary>
    internal byte[]? FixedIvForKnownAnswerTests { get; set; }

    /// <summary>
    /// Sends a dummy packet (RFC 4303 §2.6): <paramref name="dummyPayloadLength"/> random bytes with Next Header 59,
    /// protected like traffic, which the receiver authenticates and drops.
    /// </summary>
    /// <param name="dummyPayloadLength">The length of the random payload in bytes.</param>
    /// <param name="destination">Where the ESP packet goes.</param>
    /// <param name="bytesWritten">The ESP packet length, or 0 on failure.</param>
    /// <returns>As for <see cref="Protect"/>.</returns>
    public IpsecStatus ProtectDummy(int dummyPayloadLength, Span<byte> destination, out int bytesWritten)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dummyPayloadLength);
        ThrowIfDisposed();
        if (destination.Length < GetProtectedLength(dummyPayloadLength, NoNextHeader))
        {
            bytesWritten = 0;
            return IpsecStatus.DestinationTooSmall;
        }

        Span<byte> payload = destination.Slice(HeaderLength, dummyPayloadLength);
        RandomNumberGenerator.Fill(payload);
        return ProtectCore(payload, NoNextHeader, destination, default, 0, out bytesWritten);
    }

    /// <summary>Protects with a fixed explicit IV: for known-answer tests only, never for traffic.</summary>
    internal IpsecStatus ProtectWithIv(ReadOnlySpan<byte> payload, byte nextHeader, Span<byte> destination, ReadOnlySpan<byte> iv, out int bytesWritten) =>
        ProtectCore(payload, nextHeader, destination, iv, 0, out bytesWritten);

    /// <summary>Protects with <paramref name="reservedSequenceNumber"/>, or with the next sequence number (counting the packet) when it is 0.</summary>
    private IpsecStatus ProtectCore(
        ReadOnlySpan<byte> payload, byte nextHeader, Span<byte> destination, ReadOnlySpan<byte> fixedIv, ulong reservedSequenceNumber, out int bytesWritten)
    {
        bytesWritten = 0;
        ThrowIfDisposed();
        int headerLength = HeaderLength;
        bool inPlace = false;
        if (payload.Overlaps(destination, out int offset))
        {
            if (offset != -headerLength)
            {
                ThrowHelper.ThrowOverlap(nameof(payload));
            }

            inPlace = true;
        }

        int encryptedLength = GetEncryptedLength(payload.Length, nextHeader);
        int total = headerLength + encryptedLength + _icvSize;
        if (destination.Length < total)
        {
            return IpsecStatus.DestinationTooSmall;
        }

        ulong sequenceNumber = reservedSequenceNumber;
        if (sequenceNumber == 0 && !TryNextSequenceNumber(out sequenceNumber))
        {
            return IpsecStatus.SequenceExhausted;
        }

        // Nothing fails from here on. Counted now, before the packet's stores: an interlocked add waits for every store
        // ahead of it to leave the store buffer, which after the encryption would be the whole packet.
        if (reservedSequenceNumber == 0)
        {
            _counters.Protected(payload.Length);
        }

        Span<byte> packet = destination[..total];
        if (!inPlace)
        {
            payload.CopyTo(packet[headerLength..]);
        }

        Seal(packet, payload.Length, encryptedLength, nextHeader, fixedIv, sequenceNumber);
        bytesWritten = total;
        return IpsecStatus.Success;
    }

    /// <summary>
    /// Protects, with a sequence number from <see cref="ReserveSequenceNumbers"/>, a payload the caller has already put at
    /// <c>packet[HeaderLength..]</c>, <paramref name="packet"/> being exactly the ESP packet: <see cref="HeaderLength"/> +
    /// <paramref name="encryptedLength"/> (from <see cref="GetEncryptedLength"/>) + <see cref="IcvSize"/> bytes. For the
    /// whole-packet path, which has laid the packet out and checked its room; not counted. Cannot fail.
    /// </summary>
    internal void ProtectInPlaceReserved(Span<byte> packet, int payloadLength, int encryptedLength, byte nextHeader, ulong sequenceNumber) =>
        Seal(packet, payloadLength, encryptedLength, nextHeader, FixedIvForKnownAnswerTests, sequenceNumber);

    /// <summary>
    /// The encrypted part's length for a payload: the payload, TFC padding (<see cref="TfcPaddingLength"/>, for payloads that
    /// carry their own length), padding to the alignment, pad length and next header.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int GetEncryptedLength(int payloadLength, byte nextHeader)
    {
        int padded = payloadLength + GetTfcPadding(payloadLength, nextHeader);
        return padded + EspTrailer.GetPadLength(padded, _alignment) + EspTrailer.FixedLength;
    }

    /// <summary>
    /// Writes SPI, sequence number, IV, TFC padding and trailer around the payload at <c>packet[HeaderLength..]</c> and
    /// encrypts and authenticates it; <paramref name="packet"/> is the whole ESP packet, laid out by <see cref="GetEncryptedLength"/>.
    /// Kept out of line: inlined into protect (and with it into the caller's loop), its locals and spills gave the caller
    /// a larger frame and cost 5-7 ns per 64-byte packet more than the call; out of line, the ESP-layer and the whole-packet
    /// protect also run the same machine code whatever the JIT inlines around them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Seal(Span<byte> packet, int payloadLength, int encryptedLength, byte nextHeader, ReadOnlySpan<byte> fixedIv, ulong sequenceNumber)
    {
        int headerLength = HeaderLength;
        int tfc = GetTfcPadding(payloadLength, nextHeader);
        int padded = payloadLength + tfc;
        BinaryPrimitives.WriteUInt32BigEndian(packet, Spi);
        BinaryPrimitives.WriteUInt32BigEndian(packet[EspHeader.Field.SequenceNumber..], (uint)sequenceNumber);
        Span<byte> encrypted = packet.Slice(headerLength, encryptedLength);
        encrypted.Slice(payloadLength, tfc).Clear();
        new EspTrailer((byte)(encryptedLength - EspTrailer.FixedLength - padded), nextHeader).TryWrite(encrypted[padded..]);
        Span<byte> icv = packet[(headerLength + encryptedLength)..];
        Span<byte> iv = packet.Slice(EspHeader.Length, _ivSize);

        if (_aead is not null)
        {
            Unsafe.SkipInit(out StackBlock16 nonceIvBytes);
            Span<byte> nonceIv = nonceIvBytes[..8];
            if (fixedIv.Length == 8)
            {
                fixedIv.CopyTo(nonceIv);
            }
            else
            {
                BinaryPrimitives.WriteUInt64BigEndian(nonceIv, sequenceNumber);
            }

            if (!_implicitIv)
            {
                nonceIv.CopyTo(iv);
            }

            Unsafe.SkipInit(out StackBlock16 aadBytes);
            Span<byte> aad = aadBytes[..12];
            aad = WriteAad(aad, sequenceNumber);
            if (_gmac)
            {
                _aead.Seal(nonceIv, aad, packet.Slice(EspHeader.Length, _ivSize + encryptedLength), default, default, icv);
            }
            else
            {
                _aead.Seal(nonceIv, aad, default, encrypted, encrypted, icv);
            }
        }
        else
        {
            if (fixedIv.Length == _ivSize && _ivSize != 0)
            {
                fixedIv.CopyTo(iv);
            }
            else
            {
                _cipher!.CreateIv(sequenceNumber, iv);
            }

            _cipher!.Encrypt(iv, encrypted, encrypted);
            if (_integrity is not null)
            {
                Unsafe.SkipInit(out StackBlock16 highBytes);
                Span<byte> high = highBytes[..4];
                BinaryPrimitives.WriteUInt32BigEndian(high, (uint)(sequenceNumber >> 32));
                _integrity.Compute(packet[..(headerLength + encryptedLength)], _esn ? high : default, icv);
            }
        }
    }

    /// <summary>
    /// Verifies and decrypts one ESP packet (SPI to ICV), writing the payload at the start of <paramref name="destination"/>.
    /// For in-place work pass <c>packet[HeaderLength..]</c> as <paramref name="destination"/>.
    /// </summary>
    /// <param name="packet">The ESP packet from the SPI to the end of the ICV.</param>
    /// <param name="destination">Where the payload goes; needs the encrypted part's length (the packet less header, IV and ICV).</param>
    /// <param name="result">The payload length, next header and sequence number; default on failure.</param>
    /// <returns>
    /// <see cref="IpsecStatus.Success"/>; or <see cref="IpsecStatus.Truncated"/>, <see cref="IpsecStatus.Malformed"/>,
    /// <see cref="IpsecStatus.UnknownSpi"/>, <see cref="IpsecStatus.Replayed"/>, <see cref="IpsecStatus.AuthenticationFailed"/>,
    /// <see cref="IpsecStatus.BadPadding"/>, <see cref="IpsecStatus.DummyPacket"/> or <see cref="IpsecStatus.DestinationTooSmall"/>,
    /// after which the SA is unchanged (but for its counters) and the destination bytes written are cleared.
    /// </returns>
    /// <exception cref="ArgumentException">The buffers overlap other than in the in-place layout.</exception>
    /// <exception cref="ObjectDisposedException">The SA was disposed.</exception>
    public IpsecStatus Unprotect(ReadOnlySpan<byte> packet, Span<byte> destination, out EspUnprotectResult result) =>
        UnprotectCore(packet, destination, out result, out _, countAccepted: true);

    /// <summary>
    /// <see cref="Unprotect"/>, also reporting how many ICV checks the packet cost: 1, or 2 for an ESN packet left of the
    /// window whose ICV failed under the inferred next epoch and was checked once more under the current one (0 when
    /// the packet was refused before any).
    /// </summary>
    /// <param name="packet">As for <see cref="Unprotect"/>.</param>
    /// <param name="destination">As for <see cref="Unprotect"/>.</param>
    /// <param name="result">As for <see cref="Unprotect"/>.</param>
    /// <param name="icvChecks">The ICV checks spent.</param>
    /// <param name="countAccepted">False when the caller counts accepted packets itself, once per batch (drops are always counted here).</param>
    internal IpsecStatus UnprotectCore(
        ReadOnlySpan<byte> packet, Span<byte> destination, out EspUnprotectResult result, out int icvChecks, bool countAccepted = true)
    {
        result = default;
        icvChecks = 0;
        ThrowIfDisposed();
        int headerLength = HeaderLength;
        bool inPlace = false;
        if (packet.Overlaps(destination, out int offset))
        {
            if (offset != headerLength)
            {
                ThrowHelper.ThrowOverlap(nameof(destination));
            }

            inPlace = true;
        }

        if (!EspPacket.TryCreate(packet, _ivSize, _icvSize, _blockSize, out EspPacket esp))
        {
            Interlocked.Increment(ref _counters.MalformedDrops);
            return packet.Length < headerLength + EspPacket.MinimumEncryptedLength + _icvSize ? IpsecStatus.Truncated : IpsecStatus.Malformed;
        }

        if (esp.Spi != Spi)
        {
            return IpsecStatus.UnknownSpi;
        }

        ulong highest = _window.Highest;
        ulong sequenceNumber = _esn ? SequenceNumberInference.Infer(esp.SequenceNumber, highest, _window.Size) : esp.SequenceNumber;
        if (!_window.Check(sequenceNumber))
        {
            Interlocked.Increment(ref _counters.ReplayDrops);
            return IpsecStatus.Replayed;
        }

        ReadOnlySpan<byte> encrypted = esp.EncryptedData;
        if (destination.Length < encrypted.Length)
        {
            return IpsecStatus.DestinationTooSmall;
        }

        Span<byte> plain = destination[..encrypted.Length];
        icvChecks = 1;

        // After a forgery, verify before decrypting (see ForgeryResponse); in place that is always so.
        bool verifyFirst = !inPlace && _forgeryResponse.VerifyFirst;
        if (!Authenticate(esp, packet, plain, inPlace, verifyFirst, sequenceNumber))
        {
            // RFC 4303 Appendix A: a packet left of the window is placed in the next epoch. A late genuine packet then fails
            // the ICV; one more check under the current epoch tells it (too old: Replayed) from a forgery.
            ulong lateSequenceNumber = LateSequenceNumber(sequenceNumber, highest);
            if (lateSequenceNumber != 0)
            {
                icvChecks = 2;
                if (Authenticate(esp, packet, plain, inPlace, verifyFirst, lateSequenceNumber))
                {
                    plain.Clear();
                    Interlocked.Increment(ref _counters.ReplayDrops);
                    return IpsecStatus.Replayed;
                }
            }

            Interlocked.Increment(ref _counters.AuthenticationFailures);
            _forgeryResponse.Forged();
            return IpsecStatus.AuthenticationFailed;
        }

        if (verifyFirst)
        {
            _forgeryResponse.VerifiedFirst();
        }

        if (_aead is null)
        {
            _cipher!.Decrypt(esp.Iv, encrypted, plain);
        }

        if (!EspTrailer.TryRead(plain, out EspTrailer trailer, out int payloadLength))
        {
            plain.Clear();
            Interlocked.Increment(ref _counters.PaddingErrors);
            return IpsecStatus.BadPadding;
        }

        if (!_window.TryAccept(sequenceNumber))
        {
            plain.Clear();
            Interlocked.Increment(ref _counters.ReplayDrops);
            return IpsecStatus.Replayed;
        }

        if (trailer.NextHeader == NoNextHeader)
        {
            plain.Clear();
            Interlocked.Increment(ref _counters.DummyPackets);
            return IpsecStatus.DummyPacket;
        }

        int tfcPadding = payloadLength - GetSelfDescribedLength(plain[..payloadLength], trailer.NextHeader);
        payloadLength -= tfcPadding;
        if (countAccepted)
        {
            _counters.Unprotected(payloadLength);
        }

        result = new EspUnprotectResult(payloadLength, trailer.NextHeader, sequenceNumber, trailer.PadLength, tfcPadding);
        return IpsecStatus.Success;
    }

    /// <summary>Zeroes the key material. Further use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _aead?.Dispose();
        _cipher?.Dispose();
        _integrity?.Dispose();
    }

    /// <summary>Describes the SA without any key material.</summary>
    /// <returns>SPI, algorithms and options.</returns>
    public override string ToString() =>
        $"ESP SA spi=0x{Spi:x8} {Encryption.Name}{(Integrity is null ? "" : " + " + Integrity.Name)}" +
        $"{(_esn ? " esn" : "")}{(_implicitIv ? " implicit-iv" : "")} replay-window={_window.Size}";

    /// <summary>
    /// Checks the ICV under <paramref name="sequenceNumber"/>; an AEAD decrypts into <paramref name="plain"/> when it
    /// verifies (otherwise leaving no plaintext there: untouched, or cleared after a one-pass open), other algorithms only
    /// verify. <paramref name="verifyFirst"/> asks the AEAD to check the whole tag before it decrypts anything.
    /// </summary>
    private bool Authenticate(in EspPacket esp, ReadOnlySpan<byte> packet, Span<byte> plain, bool inPlace, bool verifyFirst, ulong sequenceNumber)
    {
        ReadOnlySpan<byte> encrypted = esp.EncryptedData;
        if (_aead is not null)
        {
            // The explicit IV is read where it is (plaintext is written after it, never over it); an implicit one
            // (RFC 8750) is the sequence number.
            Unsafe.SkipInit(out StackBlock16 implicitIvBytes);
            Span<byte> implicitIv = implicitIvBytes[..8];
            scoped ReadOnlySpan<byte> nonceIv = esp.Iv;
            if (_implicitIv)
            {
                BinaryPrimitives.WriteUInt64BigEndian(implicitIv, sequenceNumber);
                nonceIv = implicitIv;
            }

            Unsafe.SkipInit(out StackBlock16 aadBytes);
            Span<byte> aad = aadBytes[..12];
            aad = WriteAad(aad, sequenceNumber);
            if (_gmac)
            {
                if (!_aead.TryOpen(nonceIv, aad, packet.Slice(EspHeader.Length, _ivSize + encrypted.Length), default, esp.Icv, default))
                {
                    return false;
                }

                if (!inPlace)
                {
                    encrypted.CopyTo(plain);
                }

                return true;
            }

            return verifyFirst
                ? _aead.TryOpenVerifyingFirst(nonceIv, aad, default, encrypted, esp.Icv, plain)
                : _aead.TryOpen(nonceIv, aad, default, encrypted, esp.Icv, plain);
        }

        if (_integrity is null)
        {
            return true;
        }

        Unsafe.SkipInit(out StackBlock16 highBytes);
        Span<byte> high = highBytes[..4];
        BinaryPrimitives.WriteUInt32BigEndian(high, (uint)(sequenceNumber >> 32));
        return _integrity.Verify(esp.AuthenticatedData, _esn ? high : default, esp.Icv);
    }

    /// <summary>
    /// With ESN, when inference put the packet in the epoch after the window's (its low bits lie below the window), the
    /// same low bits in the window's own epoch: left of the window, so a packet genuine under it is a late one. 0 otherwise.
    /// </summary>
    private ulong LateSequenceNumber(ulong sequenceNumber, ulong highest) =>
        _esn && _window.Size != 0 && (sequenceNumber >> 32) > (highest >> 32)
            ? (highest & 0xFFFFFFFF_00000000UL) | (sequenceNumber & 0xFFFFFFFFUL)
            : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(EspSecurityAssociation));
        }
    }

    private Span<byte> WriteAad(Span<byte> aad, ulong sequenceNumber)
    {
        BinaryPrimitives.WriteUInt32BigEndian(aad, Spi);
        if (_esn)
        {
            BinaryPrimitives.WriteUInt64BigEndian(aad[4..], sequenceNumber);
            return aad[..12];
        }

        BinaryPrimitives.WriteUInt32BigEndian(aad[4..], (uint)sequenceNumber);
        return aad[..8];
    }

    private int GetTfcPadding(int payloadLength, byte nextHeader) =>
        TfcPaddingLength > payloadLength && CarriesOwnLength(nextHeader) ? TfcPaddingLength - payloadLength : 0;

    private static bool CarriesOwnLength(byte nextHeader) => nextHeader is 4 or 41 or 17;

    /// <summary>The length the payload declares for itself (IPv4 total length, IPv6 40 + payload length, UDP length), or its whole length.</summary>
    private static int GetSelfDescribedLength(ReadOnlySpan<byte> payload, byte nextHeader)
    {
        int declared = nextHeader switch
        {
            4 when payload.Length >= 20 && payload[0] >> 4 == 4 => BinaryPrimitives.ReadUInt16BigEndian(payload[2..]),
            41 when payload.Length >= 40 && payload[0] >> 4 == 6 => 40 + BinaryPrimitives.ReadUInt16BigEndian(payload[4..]),
            17 when payload.Length >= 8 => BinaryPrimitives.ReadUInt16BigEndian(payload[4..]),
            _ => payload.Length,
        };
        int minimum = nextHeader switch { 4 => 20, 41 => 41, 17 => 8, _ => 0 };
        return declared >= minimum && declared <= payload.Length ? declared : payload.Length;
    }

    private static void Validate(EspSecurityAssociationOptions options, EncryptionAlgorithm encryption, IntegrityAlgorithm? integrity)
    {
        int keyBits = (options.EncryptionKey.Length - encryption.SaltSize) * 8;
        if (!encryption.IsValidKeySize(keyBits) || options.EncryptionKey.Length < encryption.SaltSize)
        {
            throw new ArgumentException(
                $"EncryptionKey: {encryption.Name} needs a key of {string.Join(", ", encryption.KeySizesInBits.ToArray())} bits" +
                $"{(encryption.SaltSize > 0 ? $" followed by a {encryption.SaltSize}-byte salt" : "")}; got {options.EncryptionKey.Length} bytes.",
                nameof(options));
        }

        if (encryption.IsAead && integrity is not null)
        {
            throw new ArgumentException($"Integrity: {encryption.Name} is a combined-mode algorithm and takes no integrity algorithm.", nameof(options));
        }

        if (encryption.TransformId == EncryptionTransformId.Null && integrity is null)
        {
            throw new ArgumentException("Integrity: ENCR_NULL without an integrity algorithm gives no protection at all (RFC 4303 §3.2).", nameof(options));
        }

        if (integrity is not null)
        {
            if (integrity.IsGmac)
            {
                throw new ArgumentException($"Integrity: {integrity.Name} is for AH; ESP uses ENCR_NULL_AUTH_AES_GMAC instead.", nameof(options));
            }

            if (options.IntegrityKey.Length != integrity.KeySize)
            {
                throw new ArgumentException(
                    $"IntegrityKey: {integrity.Name} needs a {integrity.KeySize}-byte key; got {options.IntegrityKey.Length} bytes.", nameof(options));
            }
        }

        if (options.ReplayWindowSize < 0 || options.ReplayWindowSize > EspSecurityAssociationOptions.MaximumReplayWindowSize)
        {
            throw new ArgumentException(
                $"ReplayWindowSize must be 0 (off) to {EspSecurityAssociationOptions.MaximumReplayWindowSize}; got {options.ReplayWindowSize}.", nameof(options));
        }

        if (options.ImplicitIv && !(encryption.IsAead && !encryption.IsAuthenticationOnly))
        {
            throw new ArgumentException($"ImplicitIv: RFC 8750 applies to AES-GCM, AES-CCM and ChaCha20-Poly1305, not {encryption.Name}.", nameof(options));
        }

        if (options.TfcPaddingLength < 0 || options.TfcPaddingLength > ushort.MaxValue)
        {
            throw new ArgumentException($"TfcPaddingLength must be 0 to 65535; got {options.TfcPaddingLength}.", nameof(options));
        }

        ulong maximum = options.ExtendedSequenceNumbers ? ulong.MaxValue : uint.MaxValue;
        if (options.InitialOutboundSequenceNumber > maximum || options.InitialInboundSequenceNumber > maximum)
        {
            throw new ArgumentException("InitialOutboundSequenceNumber and InitialInboundSequenceNumber must fit the sequence number size (32 bits without ESN).", nameof(options));
        }
    }
}
