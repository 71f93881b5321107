using System;

namespace Ipsec.Packets.Wire;

/// <summary>
/// One option of an IPv6 hop-by-hop or destination options header (RFC 8200 §4.2), as returned by
/// <see cref="IPv6OptionReader"/>.
/// </summary>
/// <remarks>
/// The option type's two high bits say what a node that does not know the option does; the third bit (0x20) says the
/// option data may change en route, so AH (RFC 4302 §3.3.3.1.2.1) treats it as zeros when computing the ICV.
/// </remarks>
public readonly ref struct IPv6Option
{
    /// <summary>The Pad1 option type (a single zero byte).</summary>
    public const byte Pad1Type = 0;

    /// <summary>The PadN option type.</summary>
    public const byte PadNType = 1;

    /// <summary>The "may change en route" bit of the option type.</summary>
    public const byte MayChangeEnRouteFlag = 0x20;

    internal IPv6Option(byte type, int offset, int length, ReadOnlySpan<byte> data)
    {
        Type = type;
        Offset = offset;
        Length = length;
        Data = data;
    }

    /// <summary>The option type byte.</summary>
    public byte Type { get; }

    /// <summary>The action for an unrecognised option: the two high bits of the type (0 skip, 1 discard, 2 and 3 discard and send ICMP).</summary>
    public int UnrecognizedAction => Type >> 6;

    /// <summary>Whether the option data may change en route (type bit 0x20); AH zeroes such data for the ICV.</summary>
    public bool MayChangeEnRoute => (Type & MayChangeEnRouteFlag) != 0;

    /// <summary>Whether this is padding (Pad1 or PadN).</summary>
    public bool IsPadding => Type is Pad1Type or PadNType;

    /// <summary>The offset of the option type byte from the start of the extension header, in bytes.</summary>
    public int Offset { get; }

    /// <summary>The length of the whole option in bytes: 1 for Pad1, otherwise 2 + Opt Data Len.</summary>
    public int Length { get; }

    /// <summary>The offset of the option data from the start of the extension header (<see cref="Offset"/> + 2; for Pad1, the end).</summary>
    public int DataOffset => Offset + (Type == Pad1Type ? 1 : 2);

    /// <summary>The option data (empty for Pad1).</summary>
    public ReadOnlySpan<byte> Data { get; }
}
