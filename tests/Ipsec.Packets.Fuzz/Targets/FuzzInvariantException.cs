using System;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>The code under test returned without throwing but broke a promise (a result outside the buffer); a crash.</summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
