using System;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>A usage mistake on the command line; the message is one line.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
