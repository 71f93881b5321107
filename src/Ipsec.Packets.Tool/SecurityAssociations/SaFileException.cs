using System;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>
/// A bad SA file: the message is one line naming the file, the line (or JSON path) and the field, and never a key.
/// </summary>
internal sealed class SaFileException : Exception
{
    public SaFileException(string file, string location, string field, string problem)
        : base($"{file}:{location}: {field}: {problem}")
    {
    }

    public SaFileException()
    {
    }

    public SaFileException(string message)
        : base(message)
    {
    }

    public SaFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
