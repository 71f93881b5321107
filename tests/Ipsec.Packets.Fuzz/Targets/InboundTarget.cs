using System;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>
/// Raw IP packet bytes through the library's inbound path: <see cref="IpsecPacketProcessor.ProcessInbound"/> over the
/// <see cref="InboundFixture"/>'s SAD, then every direct ESP processor and AH SA on a fresh copy. The library promises
/// never to throw for packet bytes, so any exception is a crash, and so is a success whose result lies outside the packet.
/// </summary>
/// <remarks>
/// The span given to the library is exactly the packet, so a read past its end throws instead of reading stale bytes.
/// Without <c>freshStatePerInput</c> the fixture lives as long as the target and a warmed-up run allocates nothing.
/// </remarks>
internal sealed class InboundTarget : IFuzzTarget, IDisposable
{
    public const string TargetName = "inbound";

    private readonly bool _freshStatePerInput;
    private InboundFixture? _fixture;
    private byte[] _buffer = new byte[2048];

    /// <param name="freshStatePerInput">Builds new SAs (replay windows at their start) for every input, so an input
    /// gives the same result however often it runs; the fuzzer wants that, the allocation test does not.</param>
    public InboundTarget(bool freshStatePerInput)
    {
        _freshStatePerInput = freshStatePerInput;
    }

    public string Name => TargetName;

    public void Run(ReadOnlySpan<byte> input) => Process(input);

    /// <summary>Runs the input through every inbound path.</summary>
    /// <returns>How many of the paths accepted the packet.</returns>
    public int Process(ReadOnlySpan<byte> input)
    {
        // Built on first use: under the fuzzer, instrumented code may run only once SharpFuzz's fork server is up.
        if (_fixture is null || _freshStatePerInput)
        {
            _fixture?.Dispose();
            _fixture = new InboundFixture();
        }

        InboundFixture fixture = _fixture;

        if (_buffer.Length < input.Length)
        {
            _buffer = new byte[input.Length];
        }

        Span<byte> packet = _buffer.AsSpan(0, input.Length);
        int accepted = 0;

        input.CopyTo(packet);
        IpsecStatus status = fixture.Processor.ProcessInbound(packet, 0, packet.Length, out EspProcessResult result);
        accepted += Check(status, result.Offset, result.Length, packet.Length, "IpsecPacketProcessor.ProcessInbound");

        foreach (EspProcessor processor in fixture.DirectEsp)
        {
            input.CopyTo(packet);
            status = processor.Unprotect(packet, 0, packet.Length, out result);
            accepted += Check(status, result.Offset, result.Length, packet.Length, "EspProcessor.Unprotect");
        }

        foreach (AhSecurityAssociation ah in fixture.DirectAh)
        {
            input.CopyTo(packet);
            status = ah.Unprotect(packet, 0, packet.Length, out AhProcessResult ahResult);
            accepted += Check(status, ahResult.Offset, ahResult.Length, packet.Length, "AhSecurityAssociation.Unprotect");
        }

        return accepted;
    }

    public void Dispose() => _fixture?.Dispose();

    private static int Check(IpsecStatus status, int offset, int length, int packetLength, string path)
    {
        if (status != IpsecStatus.Success)
        {
            return 0;
        }

        if (offset < 0 || length < 0 || offset > packetLength - length)
        {
            throw new FuzzInvariantException($"{path} succeeded with a result at {offset}+{length} outside the {packetLength}-byte packet");
        }

        return 1;
    }
}
