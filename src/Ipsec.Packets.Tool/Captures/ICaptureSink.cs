using System;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>Receives a capture's frames in file order, synchronously, while the reader holds them.</summary>
internal interface ICaptureSink
{
    /// <summary>The file header has been read: called once, before the first frame.</summary>
    /// <param name="fineTimestamps">Whether timestamps are finer than microseconds (nanosecond pcap, or pcapng).</param>
    void OnCaptureStart(bool fineTimestamps)
    {
    }

    /// <summary>One frame; <paramref name="frame"/> is valid only during the call.</summary>
    void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame);

    /// <summary>The capture ended cleanly after its last frame (not called when reading failed).</summary>
    void OnCaptureEnd()
    {
    }
}
