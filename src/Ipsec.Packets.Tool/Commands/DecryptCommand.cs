using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using Ipsec.Packets.Tool.Captures;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>
/// decrypt: finds ESP (raw, or in UDP on an SA's encapsulation port) and AH by SPI and destination, unprotects it with
/// replay checks through the SA's <see cref="EspProcessor"/> or <see cref="AhSecurityAssociation"/>, follows nested
/// AH/ESP (bundles, IPsec inside tunnels), and writes the decapsulated packets in input order. Outer IP fragments are
/// reassembled first (<see cref="FragmentReassembler"/>). Failures are counted per SA and dropped; non-IPsec packets are
/// dropped unless passed through.
/// </summary>
internal sealed class DecryptCommand : ICaptureSink, IDisposable
{
    private const int BufferLength = 65536 + 1024;

    private readonly List<Entry> _entries = [];
    private readonly Dictionary<(uint Spi, byte Protocol), List<Entry>> _bySpi = [];
    private readonly HashSet<ushort> _encapsulationPorts = [];
    private readonly Func<ushort, bool> _isEncapsulationPort;
    private readonly byte[] _buffer = new byte[BufferLength];
    private readonly PcapWriter _writer;
    private readonly bool _passThrough;
    private readonly Progress _progress;
    private readonly FrameCounters _frames = new();
    private readonly FragmentReassembler _reassembler;
    private long _notIP;
    private long _notIpsecDropped;
    private long _passedThrough;
    private long _unknownSpi;
    private long _malformed;
    private long _fragments;

    public DecryptCommand(IReadOnlyList<SaDefinition> sas, PcapWriter writer, bool passThrough, Progress progress, FragmentReassemblyLimits? fragmentLimits = null)
    {
        _reassembler = new FragmentReassembler(fragmentLimits);
        _writer = writer;
        _passThrough = passThrough;
        _progress = progress;
        _isEncapsulationPort = _encapsulationPorts.Contains;
        try
        {
            foreach (SaDefinition sa in sas)
            {
                var entry = sa.IsEsp ? new Entry(sa, sa.CreateProcessor(), null) : new Entry(sa, null, sa.CreateAh());
                _entries.Add(entry);
                if (!_bySpi.TryGetValue((sa.Spi, sa.Protocol), out List<Entry>? list))
                {
                    _bySpi[(sa.Spi, sa.Protocol)] = list = [];
                }

                list.Add(entry);
                if (sa.UdpEncapsulated)
                {
                    _encapsulationPorts.Add(sa.EncapsulationSourcePort);
                    _encapsulationPorts.Add(sa.EncapsulationDestinationPort);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Packets dropped for a reason that counts as a failure (unknown SPI, authentication, replay, malformed, fragments not
    /// reassembled, frames of an unsupported link type).
    /// </summary>
    public long Failures
    {
        get
        {
            long failures = _unknownSpi + _malformed + _fragments + _reassembler.Statistics.NotReassembled + _frames.UnsupportedLinkType;
            foreach (Entry entry in _entries)
            {
                failures += entry.Failures;
            }

            return failures;
        }
    }

    /// <summary>The fragment counts (complete once the capture has ended).</summary>
    public FragmentReassemblyStatistics Fragments => _reassembler.Statistics;

    public void OnCaptureStart(bool fineTimestamps) => _writer.UseFineTimestamps(fineTimestamps);

    public void OnCaptureEnd() => _reassembler.Finish();

    public void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame)
    {
        if (!_frames.Count(record, frame.Length, _progress))
        {
            return;
        }

        if (!LinkLayer.TryLocateIP(record.LinkType, frame, out int offset))
        {
            _notIP++;
            return;
        }

        ReadOnlySpan<byte> ip = frame[offset..];
        switch (_reassembler.Add(ip, record.Seconds, record.Nanoseconds, out ReadOnlySpan<byte> datagram))
        {
            case FragmentOutcome.NotFragment:
                break;
            case FragmentOutcome.Reassembled:
                ip = datagram;
                break;
            default:
                return;
        }

        var info = IpsecPacketInfo.Read(ip, _isEncapsulationPort);
        switch (info.Kind)
        {
            case IpsecPacketKind.Malformed:
                _malformed++;
                return;
            case IpsecPacketKind.Fragment:
                // Only what the reassembler could not parse as a fragment gets here (a header chain cut short).
                _fragments++;
                return;
            case IpsecPacketKind.NotIpsec:
                if (_passThrough)
                {
                    _writer.Write(record.Seconds, record.Nanoseconds, ip[..info.PacketLength]);
                    _passedThrough++;
                }
                else
                {
                    _notIpsecDropped++;
                }

                return;
            default:
                break;
        }

        byte protocol = info.Kind == IpsecPacketKind.Ah ? SaDefinition.AhProtocol : SaDefinition.EspProtocol;
        Entry? entry = Find(info.Spi, protocol, info.Destination);
        if (entry is null)
        {
            _unknownSpi++;
            return;
        }

        int length = Math.Min(info.PacketLength, _buffer.Length);
        ip[..length].CopyTo(_buffer);
        Unprotect(entry, record, length);
    }

    public void WriteSummary(TextWriter error)
    {
        foreach (Entry entry in _entries)
        {
            if (entry.Decrypted == 0 && entry.ByStatus[(int)IpsecStatus.AuthenticationFailed] != 0)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ipsec-packets: warning: {entry.Definition.Origin}: every one of the {entry.ByStatus[(int)IpsecStatus.AuthenticationFailed]} packets of {entry.Definition.ProtocolName} spi 0x{entry.Definition.Spi:x8} failed authentication: the key (or algorithm) is probably wrong"));
            }
            else if (entry.Decrypted == 0 && entry.Definition.IsConfidentialityOnly && entry.ByStatus[(int)IpsecStatus.BadPadding] != 0)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ipsec-packets: warning: {entry.Definition.Origin}: no packet of {entry.Definition.ProtocolName} spi 0x{entry.Definition.Spi:x8} decrypted to valid padding: the key (or algorithm) is probably wrong"));
            }
        }

        foreach (Entry entry in _entries)
        {
            error.Write(entry.Definition.ToString());
            error.Write(": ");
            error.Write(entry.Decrypted.ToString(CultureInfo.InvariantCulture));
            error.Write(entry.Definition.IsEsp ? " decrypted" : " verified");
            for (int status = 1; status < entry.ByStatus.Length; status++)
            {
                if (entry.ByStatus[status] != 0)
                {
                    error.Write(string.Create(CultureInfo.InvariantCulture, $", {entry.ByStatus[status]} {StatusName((IpsecStatus)status)}"));
                }
            }

            error.WriteLine();
        }

        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{_frames.Records} records, {_writer.Count} written: {_unknownSpi} unknown SPI, {_malformed} malformed, {_notIpsecDropped} non-IPsec dropped, {_passedThrough} passed through, {_notIP} not IP, {_frames.UnsupportedLinkType} unsupported link type"));
        string fragments = _reassembler.Statistics.ToString();
        if (fragments.Length != 0 || _fragments != 0)
        {
            error.WriteLine("outer IP fragments: " + (fragments.Length != 0 ? fragments : "0 fragments") +
                (_fragments != 0 ? string.Create(CultureInfo.InvariantCulture, $", {_fragments} unparsable fragments dropped") : string.Empty));
        }

        _frames.WriteWarnings(error);
    }

    public void Dispose()
    {
        _reassembler.Dispose();
        foreach (Entry entry in _entries)
        {
            entry.Processor?.Dispose();
            entry.Ah?.Dispose();
        }
    }

    private static string StatusName(IpsecStatus status) => status switch
    {
        IpsecStatus.AuthenticationFailed => "authentication failed",
        IpsecStatus.Replayed => "replayed",
        IpsecStatus.Malformed => "malformed",
        IpsecStatus.Truncated => "truncated",
        IpsecStatus.BadPadding => "bad padding",
        IpsecStatus.Fragment => "fragments",
        IpsecStatus.NotIpsec => "not IPsec",
        _ => status.ToString(),
    };

    private Entry? Find(uint spi, byte protocol, ReadOnlySpan<byte> destination)
    {
        if (!_bySpi.TryGetValue((spi, protocol), out List<Entry>? candidates))
        {
            return null;
        }

        foreach (Entry candidate in candidates)
        {
            if (destination.SequenceEqual(candidate.DestinationBytes))
            {
                return candidate;
            }
        }

        // Transport mode behind NAT, or a capture taken after address translation: the SPI alone decides.
        return candidates[0];
    }

    /// <summary>
    /// Unprotects the packet in the buffer with its SA and, while the result is itself ESP or AH for a known SA (an AH+ESP
    /// bundle, or IPsec inside a tunnel), with the next one, up to four levels; writes what comes out.
    /// </summary>
    private void Unprotect(Entry entry, in CaptureRecord record, int length)
    {
        const int MaximumNesting = 4;
        int offset = 0;
        for (int level = 0; ; level++)
        {
            IpsecStatus status;
            int resultOffset;
            int resultLength;
            if (entry.Ah is { } ah)
            {
                status = ah.Unprotect(_buffer, offset, length, out AhProcessResult result);
                (resultOffset, resultLength) = (result.Offset, result.Length);
            }
            else
            {
                status = entry.Processor!.Unprotect(_buffer, offset, length, out EspProcessResult result);
                (resultOffset, resultLength) = (result.Offset, result.Length);
            }

            if (status == IpsecStatus.DummyPacket)
            {
                // RFC 4303 §2.6 dummy packets are valid and carry nothing.
                entry.Decrypted++;
                return;
            }

            if (status != IpsecStatus.Success)
            {
                entry.ByStatus[Math.Min((int)status, entry.ByStatus.Length - 1)]++;
                return;
            }

            entry.Decrypted++;
            (offset, length) = (resultOffset, resultLength);
            if (level + 1 < MaximumNesting)
            {
                var inner = IpsecPacketInfo.Read(_buffer.AsSpan(offset, length), _isEncapsulationPort);
                if (inner.Kind is IpsecPacketKind.Esp or IpsecPacketKind.EspInUdp or IpsecPacketKind.Ah &&
                    Find(inner.Spi, inner.Kind == IpsecPacketKind.Ah ? SaDefinition.AhProtocol : SaDefinition.EspProtocol, inner.Destination) is { } next)
                {
                    entry = next;
                    continue;
                }
            }

            _writer.Write(record.Seconds, record.Nanoseconds, _buffer.AsSpan(offset, length));
            return;
        }
    }

    private sealed class Entry(SaDefinition definition, EspProcessor? processor, AhSecurityAssociation? ah)
    {
        public SaDefinition Definition { get; } = definition;

        public EspProcessor? Processor { get; } = processor;

        public AhSecurityAssociation? Ah { get; } = ah;

        public byte[] DestinationBytes { get; } = definition.Destination.GetAddressBytes();

        public long Decrypted { get; set; }

        public long[] ByStatus { get; } = new long[64];

        public long Failures
        {
            get
            {
                long failures = 0;
                foreach (long count in ByStatus)
                {
                    failures += count;
                }

                return failures;
            }
        }
    }
}
