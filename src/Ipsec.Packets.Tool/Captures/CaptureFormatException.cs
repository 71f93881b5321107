using System;
using System.Globalization;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>A corrupt or truncated capture: the message is one line naming the file and the record number (1-based).</summary>
internal sealed class CaptureFormatException : Exception
{
    public CaptureFormatException(string file, long recordNumber, string problem)
        : base(recordNumber == 0
            ? $"{file}: {problem}"
            : $"{file}: record {recordNumber.ToString(CultureInfo.InvariantCulture)}: {problem}")
    {
        RecordNumber = recordNumber;
    }

    public CaptureFormatException()
    {
    }

    public CaptureFormatException(string message)
        : base(message)
    {
    }

    public CaptureFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The record the problem is in; 0 for the file header.</summary>
    public long RecordNumber { get; }
}
