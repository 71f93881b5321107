namespace Ipsec.Packets;

/// <summary>What <see cref="EspSecurityAssociation.Unprotect"/> learned about a packet it accepted.</summary>
public readonly struct EspUnprotectResult
{
    internal EspUnprotectResult(int payloadLength, byte nextHeader, ulong sequenceNumber, int padLength, int tfcPaddingLength)
    {
        PayloadLength = payloadLength;
        NextHeader = nextHeader;
        SequenceNumber = sequenceNumber;
        PadLength = padLength;
        TfcPaddingLength = tfcPaddingLength;
    }

    /// <summary>The payload length in bytes, written at the start of the destination (TFC padding already removed).</summary>
    public int PayloadLength { get; }

    /// <summary>The Next Header value: the payload's IP protocol (4 or 41 in tunnel mode).</summary>
    public byte NextHeader { get; }

    /// <summary>The full sequence number (the inferred 64-bit value with ESN).</summary>
    public ulong SequenceNumber { get; }

    /// <summary>The ESP padding length in bytes.</summary>
    public int PadLength { get; }

    /// <summary>The TFC padding removed after the payload, in bytes (RFC 4303 §2.7).</summary>
    public int TfcPaddingLength { get; }
}
