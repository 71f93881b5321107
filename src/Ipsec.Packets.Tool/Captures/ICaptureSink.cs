using System;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>Receives a capture's frames in file order, synchronously, while the reader holds them.</summary>
internal interface ICaptureSink
{
    /// <summary>One frame; <paramref name="frame"/> is valid only during the call.</summary>
    void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame);
}
