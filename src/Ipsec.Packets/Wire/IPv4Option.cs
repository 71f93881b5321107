using System;

namespace Ipsec.Packets.Wire;

/// <summary>One IPv4 option (RFC 791 §3.1) as returned by <see cref="IPv4OptionReader"/>.</summary>
/// <remarks>
/// The option type octet is copied flag (1 bit), class (2 bits) and number (5 bits). Option types 0 (End of Option List)
/// and 1 (No Operation) are a single octet; every other option is type, length (counting type and length), data.
/// </remarks>
public readonly ref struct IPv4Option
{
    /// <summary>The End of Option List type.</summary>
    public const byte EndOfOptionListType = 0;

    /// <summary>The No Operation type.</summary>
    public const byte NoOperationType = 1;

    internal IPv4Option(byte type, int offset, int length, ReadOnlySpan<byte> data)
    {
        Type = type;
        Offset = offset;
        Length = length;
        Data = data;
    }

    /// <summary>The option type octet.</summary>
    public byte Type { get; }

    /// <summary>The copied flag: the option is copied into every fragment.</summary>
    public bool IsCopied => (Type & 0x80) != 0;

    /// <summary>The option class (0 control, 2 debugging and measurement).</summary>
    public int Class => (Type >> 5) & 3;

    /// <summary>The option number (low 5 bits of the type).</summary>
    public int Number => Type & 0x1F;

    /// <summary>The offset of the option's type octet from the start of the options area, in bytes.</summary>
    public int Offset { get; }

    /// <summary>The length of the whole option in bytes (1 for No Operation).</summary>
    public int Length { get; }

    /// <summary>The option data after the type and length octets (empty for No Operation).</summary>
    public ReadOnlySpan<byte> Data { get; }
}
