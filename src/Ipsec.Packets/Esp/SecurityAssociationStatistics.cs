namespace Ipsec.Packets;

/// <summary>A snapshot of one SA's counters, like <c>ip -s xfrm state</c>.</summary>
public readonly struct SecurityAssociationStatistics
{
    internal SecurityAssociationStatistics(
        long packetsProtected, long bytesProtected, long packetsUnprotected, long bytesUnprotected, long replayDrops,
        long authenticationFailures, long paddingErrors, long malformedDrops, long dummyPackets, long sequenceExhaustedDrops,
        long policyMismatches)
    {
        PacketsProtected = packetsProtected;
        BytesProtected = bytesProtected;
        PacketsUnprotected = packetsUnprotected;
        BytesUnprotected = bytesUnprotected;
        ReplayDrops = replayDrops;
        AuthenticationFailures = authenticationFailures;
        PaddingErrors = paddingErrors;
        MalformedDrops = malformedDrops;
        DummyPackets = dummyPackets;
        SequenceExhaustedDrops = sequenceExhaustedDrops;
        PolicyMismatches = policyMismatches;
    }

    /// <summary>Packets protected.</summary>
    public long PacketsProtected { get; }

    /// <summary>Payload bytes protected (before ESP/AH overhead).</summary>
    public long BytesProtected { get; }

    /// <summary>Packets unprotected and accepted.</summary>
    public long PacketsUnprotected { get; }

    /// <summary>Payload bytes delivered by unprotect.</summary>
    public long BytesUnprotected { get; }

    /// <summary>Packets dropped as replayed or left of the window.</summary>
    public long ReplayDrops { get; }

    /// <summary>Packets whose ICV did not verify.</summary>
    public long AuthenticationFailures { get; }

    /// <summary>Packets whose ICV verified but whose padding was wrong.</summary>
    public long PaddingErrors { get; }

    /// <summary>Packets dropped as truncated or malformed.</summary>
    public long MalformedDrops { get; }

    /// <summary>Valid dummy packets (Next Header 59) received and dropped.</summary>
    public long DummyPackets { get; }

    /// <summary>Protect calls refused because the sequence numbers were used up.</summary>
    public long SequenceExhaustedDrops { get; }

    /// <summary>Decapsulated packets that did not match the SA's traffic selectors.</summary>
    public long PolicyMismatches { get; }
}
