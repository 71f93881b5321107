namespace Ipsec.Packets.Tool.Captures;

/// <summary>One captured frame's metadata: its number in the file, its timestamp and its link type.</summary>
/// <param name="Number">The record's 1-based number among the file's packet records.</param>
/// <param name="Seconds">The timestamp's whole seconds since the Unix epoch.</param>
/// <param name="Nanoseconds">The timestamp's fraction, in nanoseconds (0 to 999,999,999).</param>
/// <param name="LinkType">The LINKTYPE_ value of the frame's interface.</param>
/// <param name="OriginalLength">The frame's length on the wire, in bytes (the frame given may be shorter).</param>
internal readonly record struct CaptureRecord(long Number, long Seconds, uint Nanoseconds, int LinkType, long OriginalLength);
