using System;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>
/// One fuzz target: feeds an input to the code under test. Returning is a pass; the documented "bad input" outcome
/// (a status, or the reader's own format exception) is caught inside; any exception that escapes is a crash.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name given on the command line and used for the corpus folder.</summary>
    string Name { get; }

    /// <summary>Runs one input.</summary>
    void Run(ReadOnlySpan<byte> input);
}
