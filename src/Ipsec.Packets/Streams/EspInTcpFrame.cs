using System.Buffers;

namespace Ipsec.Packets;

/// <summary>
/// One frame read from an RFC 8229 stream. <see cref="Payload"/> is a slice of the reader's buffer: use it before
/// advancing the <see cref="System.IO.Pipelines.PipeReader"/> past it.
/// </summary>
public readonly struct EspInTcpFrame
{
    internal EspInTcpFrame(EspInTcpFrameKind kind, ReadOnlySequence<byte> payload)
    {
        Kind = kind;
        Payload = payload;
    }

    /// <summary>ESP, IKE or keepalive.</summary>
    public EspInTcpFrameKind Kind { get; }

    /// <summary>The ESP packet or IKE message, without the length prefix and non-ESP marker.</summary>
    public ReadOnlySequence<byte> Payload { get; }
}
