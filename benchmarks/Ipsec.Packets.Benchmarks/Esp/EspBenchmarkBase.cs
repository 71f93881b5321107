using System;
using BenchmarkDotNet.Attributes;

namespace Ipsec.Packets.Benchmarks.Esp;

/// <summary>
/// One ESP suite: protect, unprotect and the forged-packet reject path of a payload of <see cref="PayloadSize"/> bytes
/// through an <see cref="EspSecurityAssociation"/>, beside a derived class's bare-primitive baseline on the same bytes.
/// </summary>
[MemoryDiagnoser]
public abstract class EspBenchmarkBase
{
    private EspSecurityAssociation _sender = null!;
    private EspSecurityAssociation _receiver = null!;
    private byte[] _packet = null!;
    private byte[] _protected = null!;
    private byte[] _forged = null!;

    [Params(64, 512, 1400, 9000)]
    public int PayloadSize { get; set; }

    /// <summary>The payload, shared with the baseline.</summary>
    protected byte[] Payload { get; private set; } = null!;

    /// <summary>An output buffer large enough for any row.</summary>
    protected byte[] Output { get; private set; } = null!;

    /// <summary>The SA under test; the replay window is off so the same packet can be unprotected again and again.</summary>
    protected abstract EspSecurityAssociationOptions CreateOptions();

    /// <summary>Keys the baseline's primitive.</summary>
    protected abstract void SetupBaseline();

    [GlobalSetup]
    public void Setup()
    {
        EspSecurityAssociationOptions options = CreateOptions();
        _sender = new EspSecurityAssociation(options);
        _receiver = new EspSecurityAssociation(options);
        Payload = new byte[PayloadSize];
        new Random(PayloadSize).NextBytes(Payload);
        _packet = new byte[PayloadSize + 128];
        Output = new byte[PayloadSize + 128];
        _sender.Protect(Payload, 4, _packet, out int written);
        _protected = _packet[..written];
        _forged = (byte[])_protected.Clone();
        _forged[^1] ^= 1;
        SetupBaseline();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark(Description = "ESP protect")]
    public IpsecStatus Protect() => _sender.Protect(Payload, 4, _packet, out _);

    [Benchmark(Description = "ESP unprotect")]
    public IpsecStatus Unprotect() => _receiver.Unprotect(_protected, Output, out _);

    [Benchmark(Description = "ESP unprotect, forged")]
    public IpsecStatus UnprotectForged() => _receiver.Unprotect(_forged, Output, out _);
}
