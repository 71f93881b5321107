namespace Ipsec.Packets;

/// <summary>The outcome of <see cref="EspInTcpFrameReader.TryReadFrame"/>.</summary>
public enum EspInTcpReadStatus
{
    /// <summary>A whole frame was read and the buffer advanced past it.</summary>
    Frame,

    /// <summary>The buffer ends inside a frame (or the stream prefix); read more and call again.</summary>
    NeedMoreData,

    /// <summary>The stream prefix was expected and is not "IKETCP": the stream must be closed.</summary>
    BadStreamPrefix,

    /// <summary>A length field is impossible (below the smallest frame): framing is lost and the stream must be closed.</summary>
    BadLength,
}
