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
    private readonly EspProcessor _processor;
    private readonly SaDefinition _sa;
    private readonly PcapWriter _writer;
    private readonly Progress _progress;
    private readonly byte[] _buffer;
    private readonly int _headroom;
    private readonly long[] _failures = new long[64];
    private long _records;
    private long _notIP;
    private ulong _firstSequence;
    private ulong _lastSequence;

    public EncryptCommand(SaDefinition sa, PcapWriter writer, Progress progress)
    {
        _sa = sa;
        _processor = sa.CreateProcessor();
        _writer = writer;
        _progress = progress;
        _headroom = _processor.MaximumHeadroom;
        _buffer = new byte[_headroom + 65536 + _processor.MaximumTailroom];
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

    public void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame)
    {
        _records = record.Number;
        _progress.Report(_records);
        if (!LinkLayer.TryLocateIP(record.LinkType, frame, out int offset))
        {
            _notIP++;
            return;
        }

        ReadOnlySpan<byte> ip = frame[offset..];
        int length = Math.Min(ip.Length, 65536);
        ip[..length].CopyTo(_buffer.AsSpan(_headroom));
        IpsecStatus status = _processor.Protect(_buffer, _headroom, length, out EspProcessResult result);
        if (status != IpsecStatus.Success)
        {
            _failures[Math.Min((int)status, _failures.Length - 1)]++;
            return;
        }

        if (_writer.Count == 0)
        {
            _firstSequence = result.SequenceNumber;
        }

        _lastSequence = result.SequenceNumber;
        _writer.Write(record.Seconds, record.Nanoseconds, _buffer.AsSpan(result.Offset, result.Length));
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
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_records} records, {_writer.Count} written, {_notIP} not IP"));
    }

    public void Dispose() => _processor.Dispose();
}
