using System;
using System.Globalization;
using System.IO;
using Ipsec.Packets.Tool.Captures;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>
/// encrypt: protects every IP packet of the capture with one SA, its sequence numbers continuing from the SA file's
/// oseq (and oseq-hi with ESN); tunnel mode takes the outer addresses from the SA's src and dst, and the SA's
/// espinudp encapsulation puts ESP in UDP.
/// </summary>
internal sealed class EncryptCommand : ICaptureSink, IDisposable
{
    private readonly EspProcessor? _esp;
    private readonly AhSecurityAssociation? _ah;
    private readonly SaDefinition _sa;
    private readonly PcapWriter _writer;
    private readonly Progress _progress;
    private readonly byte[] _buffer;
    private readonly int _headroom;
    private readonly long[] _failures = new long[64];
    private readonly FrameCounters _frames = new();
    private long _notIP;
    private ulong _firstSequence;
    private ulong _lastSequence;

    public EncryptCommand(SaDefinition sa, PcapWriter writer, Progress progress)
    {
        _sa = sa;
        if (sa.IsEsp)
        {
            _esp = sa.CreateProcessor();
            _headroom = _esp.MaximumHeadroom;
            _buffer = new byte[_headroom + 65536 + _esp.MaximumTailroom];
        }
        else
        {
            _ah = sa.CreateAh();
            _headroom = _ah.MaximumHeadroom;
            _buffer = new byte[_headroom + 65536];
        }

        _writer = writer;
        _progress = progress;
    }

    public long Failures
    {
        get
        {
            long failures = 0;
            foreach (long count in _failures)
            {
                failures += count;
            }

            return failures;
        }
    }

    public void OnCaptureStart(bool fineTimestamps) => _writer.UseFineTimestamps(fineTimestamps);

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
        int length = Math.Min(ip.Length, 65536);
        ip[..length].CopyTo(_buffer.AsSpan(_headroom));
        IpsecStatus status;
        int start;
        int total;
        ulong sequenceNumber;
        if (_esp is not null)
        {
            status = _esp.Protect(_buffer, _headroom, length, out EspProcessResult result);
            (start, total, sequenceNumber) = (result.Offset, result.Length, result.SequenceNumber);
        }
        else
        {
            status = _ah!.Protect(_buffer, _headroom, length, out AhProcessResult result);
            (start, total, sequenceNumber) = (result.Offset, result.Length, result.SequenceNumber);
        }

        if (status != IpsecStatus.Success)
        {
            _failures[Math.Min((int)status, _failures.Length - 1)]++;
            return;
        }

        if (_writer.Count == 0)
        {
            _firstSequence = sequenceNumber;
        }

        _lastSequence = sequenceNumber;
        _writer.Write(record.Seconds, record.Nanoseconds, _buffer.AsSpan(start, total));
    }

    public void WriteSummary(TextWriter error)
    {
        error.Write(_sa.ToString());
        error.Write(string.Create(CultureInfo.InvariantCulture, $": {_writer.Count} protected"));
        if (_writer.Count != 0)
        {
            error.Write(string.Create(CultureInfo.InvariantCulture, $" (sequence numbers {_firstSequence} to {_lastSequence}; next oseq 0x{(uint)_lastSequence:x}{(_sa.ExtendedSequenceNumbers ? $", oseq-hi 0x{(uint)(_lastSequence >> 32):x}" : string.Empty)})"));
        }

        for (int status = 1; status < _failures.Length; status++)
        {
            if (_failures[status] != 0)
            {
                error.Write(string.Create(CultureInfo.InvariantCulture, $", {_failures[status]} refused ({(IpsecStatus)status})"));
            }
        }

        error.WriteLine();
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_frames.Records} records, {_writer.Count} written, {_notIP} not IP, {_frames.UnsupportedLinkType} unsupported link type"));
        _frames.WriteWarnings(error);
    }

    public void Dispose()
    {
        _esp?.Dispose();
        _ah?.Dispose();
    }
}
