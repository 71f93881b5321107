using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using Ipsec.Packets.Tool.Captures;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>
/// inspect: one line per packet (number, time, addresses, protocol, SPI, sequence number, lengths), then per-SPI totals
/// with sequence gaps and duplicates. ESP in UDP is recognised on port 4500 and on the encapsulation ports of any SAs given.
/// Each fragment has its line; when the last one arrives, the reassembled datagram gets a line of its own (and counts in the
/// totals), marked "reassembled from N fragments".
/// </summary>
internal sealed class InspectCommand : ICaptureSink, IDisposable
{
    private readonly TextWriter _output;
    private readonly HashSet<ushort> _ports = [4500];
    private readonly Func<ushort, bool> _isEncapsulationPort;
    private readonly Dictionary<(uint Spi, byte Protocol, string Destination), Flow> _flows = [];
    private readonly List<Flow> _order = [];
    private readonly Progress _progress;
    private readonly FrameCounters _frames = new();
    private readonly FragmentReassembler _reassembler = new();

    public InspectCommand(TextWriter output, IReadOnlyList<SaDefinition>? sas, Progress progress)
    {
        _output = output;
        _progress = progress;
        _isEncapsulationPort = _ports.Contains;
        if (sas is not null)
        {
            foreach (SaDefinition sa in sas)
            {
                if (sa.UdpEncapsulated)
                {
                    _ports.Add(sa.EncapsulationSourcePort);
                    _ports.Add(sa.EncapsulationDestinationPort);
                }
            }
        }
    }

    public void OnCaptureEnd() => _reassembler.Finish();

    public void Dispose() => _reassembler.Dispose();

    public void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame)
    {
        string time = string.Create(CultureInfo.InvariantCulture, $"{record.Seconds}.{record.Nanoseconds:D9}");
        if (!_frames.Count(record, frame.Length, _progress))
        {
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{record.Number} {time} unsupported link type {record.LinkType} len {frame.Length}"));
            return;
        }

        if (!LinkLayer.TryLocateIP(record.LinkType, frame, out int offset))
        {
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{record.Number} {time} not IP (link type {record.LinkType}) len {frame.Length}"));
            return;
        }

        ReadOnlySpan<byte> ip = frame[offset..];
        Describe(record, time, ip, null);
        if (_reassembler.Add(ip, record.Seconds, record.Nanoseconds, out ReadOnlySpan<byte> datagram) == FragmentOutcome.Reassembled)
        {
            Describe(record, time, datagram, string.Create(CultureInfo.InvariantCulture, $" (reassembled from {_reassembler.LastFragmentCount} fragments)"));
        }
    }

    private void Describe(in CaptureRecord record, string time, ReadOnlySpan<byte> ip, string? suffix)
    {
        var info = IpsecPacketInfo.Read(ip, _isEncapsulationPort);
        if (info.Kind == IpsecPacketKind.Malformed && info.Source.IsEmpty)
        {
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{record.Number} {time} malformed IP len {ip.Length}"));
            return;
        }

        string source = new IPAddress(info.Source).ToString();
        string destination = new IPAddress(info.Destination).ToString();
        string line = info.Kind switch
        {
            IpsecPacketKind.Esp => $"ESP spi 0x{info.Spi:x8} seq {info.SequenceNumber} len {info.PacketLength} esp {info.PacketLength - info.IpsecOffset}",
            IpsecPacketKind.EspInUdp => $"ESP-in-UDP {info.SourcePort}>{info.DestinationPort} spi 0x{info.Spi:x8} seq {info.SequenceNumber} len {info.PacketLength} esp {info.PacketLength - info.IpsecOffset}",
            IpsecPacketKind.Ah => $"AH spi 0x{info.Spi:x8} seq {info.SequenceNumber} len {info.PacketLength}",
            IpsecPacketKind.Malformed => $"malformed proto {info.Protocol} len {info.PacketLength}",
            IpsecPacketKind.Fragment => $"fragment proto {info.Protocol} len {info.PacketLength}",
            _ => $"proto {info.Protocol} len {info.PacketLength}",
        };
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{record.Number} {time} {source} > {destination} {line}{suffix}"));
        if (info.Kind is IpsecPacketKind.Esp or IpsecPacketKind.EspInUdp or IpsecPacketKind.Ah)
        {
            byte protocol = info.Kind == IpsecPacketKind.Ah ? SaDefinition.AhProtocol : SaDefinition.EspProtocol;
            if (!_flows.TryGetValue((info.Spi, protocol, destination), out Flow? flow))
            {
                flow = new Flow(info.Spi, protocol == SaDefinition.AhProtocol ? "AH" : "ESP", source, destination);
                _flows[(info.Spi, protocol, destination)] = flow;
                _order.Add(flow);
            }

            flow.Tracker.Add(info.SequenceNumber, info.PacketLength);
        }
    }

    /// <summary>Warnings for stderr (frames of unsupported link types).</summary>
    public void WriteWarnings(TextWriter error) => _frames.WriteWarnings(error);

    public void WriteTotals()
    {
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_frames.Records} records, {_order.Count} SPIs"));
        string fragments = _reassembler.Statistics.ToString();
        if (fragments.Length != 0)
        {
            _output.WriteLine("outer IP fragments: " + fragments);
        }
        foreach (Flow flow in _order)
        {
            SequenceTracker t = flow.Tracker;
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{flow.Protocol} spi 0x{flow.Spi:x8} {flow.Source} > {flow.Destination}: {t.Packets} packets, {t.Bytes} bytes, seq {t.Lowest} to {t.Highest}, {t.Gaps} missing, {t.Duplicates} duplicates"));
        }
    }

    private sealed class Flow(uint spi, string protocol, string source, string destination)
    {
        public uint Spi { get; } = spi;

        public string Protocol { get; } = protocol;

        public string Source { get; } = source;

        public string Destination { get; } = destination;

        public SequenceTracker Tracker { get; } = new();
    }
}
