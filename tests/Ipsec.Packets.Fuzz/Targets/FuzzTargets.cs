using System;
using System.Diagnostics.CodeAnalysis;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>The targets by name: <c>inbound</c>, <c>pcap</c> and <c>safile</c>.</summary>
internal static class FuzzTargets
{
    /// <summary>Every target name, in corpus-folder order.</summary>
    public static readonly string[] Names = [InboundTarget.TargetName, PcapTarget.TargetName, SaFileTarget.TargetName];

    /// <summary>Creates the target as the fuzzer runs it.</summary>
    public static bool TryCreate(string name, [NotNullWhen(true)] out IFuzzTarget? target)
    {
        target = name switch
        {
            InboundTarget.TargetName => new InboundTarget(freshStatePerInput: true),
            PcapTarget.TargetName => new PcapTarget(),
            SaFileTarget.TargetName => new SaFileTarget(),
            _ => null,
        };
        return target is not null;
    }

    /// <summary>Creates the target or throws for an unknown name.</summary>
    public static IFuzzTarget Create(string name) =>
        TryCreate(name, out IFuzzTarget? target) ? target : throw new ArgumentException($"unknown fuzz target '{name}' (expected {string.Join(", ", Names)})", nameof(name));
}
