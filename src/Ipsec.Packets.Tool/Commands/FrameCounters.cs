using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Ipsec.Packets.Tool.Captures;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>Records and bytes read (for progress), and frames skipped for their link type, counted per link type for the warning.</summary>
internal sealed class FrameCounters
{
    private Dictionary<int, long>? _unsupported;

    public long Records { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>Frames of a link type the tool does not read.</summary>
    public long UnsupportedLinkType { get; private set; }

    /// <summary>Counts a frame; <see langword="false"/> (and counted) when its link type is not one the tool reads.</summary>
    public bool Count(in CaptureRecord record, int length, Progress progress)
    {
        Records = record.Number;
        Bytes += length;
        progress.Report(Records, Bytes);
        if (LinkLayer.IsSupported(record.LinkType))
        {
            return true;
        }

        UnsupportedLinkType++;
        _unsupported ??= [];
        _unsupported[record.LinkType] = _unsupported.GetValueOrDefault(record.LinkType) + 1;
        return false;
    }

    /// <summary>One warning line per unsupported link type seen.</summary>
    public void WriteWarnings(TextWriter error)
    {
        if (_unsupported is null)
        {
            return;
        }

        foreach ((int linkType, long count) in _unsupported)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ipsec-packets: warning: {count} frames of link type {linkType} skipped: the tool reads Ethernet, raw IP, IPv4, IPv6, Linux SLL/SLL2 and BSD loopback"));
        }
    }
}
