using System;
using System.Buffers.Binary;
using System.Numerics;

namespace Ipsec.Packets.Wire;

/// <summary>
/// A checked view of one ESP packet (RFC 4303 §2), starting at the SPI. ESP is not self-describing: the IV and ICV
/// lengths come from the security association, so <see cref="TryCreate"/> takes them.
/// </summary>
/// <remarks>
/// <code>
/// +---------------+---------------+----------------------------------+---------+
/// | SPI (4)       | Seq (4)       | IV (IvSize) | encrypted data ... | ICV     |
/// +---------------+---------------+----------------------------------+---------+
///                                  \___ payload, TFC pad, padding, pad length, next header ___/
/// </code>
/// </remarks>
public readonly ref struct EspPacket
{
    private readonly ReadOnlySpan<byte> _packet;
    private readonly int _ivSize;
    private readonly int _icvSize;

    private EspPacket(ReadOnlySpan<byte> packet, int ivSize, int icvSize)
    {
        _packet = packet;
        _ivSize = ivSize;
        _icvSize = icvSize;
    }

    /// <summary>The shortest encrypted part: the pad length and next header octets.</summary>
    public const int MinimumEncryptedLength = 2;

    /// <summary>
    /// Creates a view of <paramref name="packet"/> (exactly one ESP packet, SPI to ICV) for an SA with the given layout.
    /// </summary>
    /// <param name="packet">The ESP packet, from the SPI to the end of the ICV.</param>
    /// <param name="ivSize">The SA's explicit IV length in bytes (0 for NULL or RFC 8750 implicit IV).</param>
    /// <param name="icvSize">The SA's ICV length in bytes.</param>
    /// <param name="blockSize">The cipher block size the encrypted part must be a multiple of (1 for none).</param>
    /// <param name="view">The view, or default on failure.</param>
    /// <returns>
    /// False when the packet is too short for the header, IV, 2 trailer octets and ICV, or when the encrypted part is
    /// not a multiple of <paramref name="blockSize"/>. Negative sizes are caller mistakes and throw.
    /// </returns>
    public static bool TryCreate(ReadOnlySpan<byte> packet, int ivSize, int icvSize, int blockSize, out EspPacket view)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ivSize);
        ArgumentOutOfRangeException.ThrowIfNegative(icvSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        int encryptedLength = packet.Length - EspHeader.Length - ivSize - icvSize;
        // Block sizes are powers of two (4, 8, 16): a mask instead of a division on every packet.
        int misalignment = BitOperations.IsPow2(blockSize) ? encryptedLength & (blockSize - 1) : encryptedLength % blockSize;
        if (encryptedLength < MinimumEncryptedLength || misalignment != 0)
        {
            view = default;
            return false;
        }

        view = new EspPacket(packet, ivSize, icvSize);
        return true;
    }

    /// <summary>The whole packet, SPI to ICV.</summary>
    public ReadOnlySpan<byte> Packet => _packet;

    /// <summary>The Security Parameters Index.</summary>
    public uint Spi => BinaryPrimitives.ReadUInt32BigEndian(_packet);

    /// <summary>The 32-bit Sequence Number field.</summary>
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_packet[EspHeader.Field.SequenceNumber..]);

    /// <summary>The header as a value.</summary>
    public EspHeader Header => new(Spi, SequenceNumber);

    /// <summary>The explicit IV.</summary>
    public ReadOnlySpan<byte> Iv => _packet.Slice(EspHeader.Length, _ivSize);

    /// <summary>The offset of the encrypted data from the SPI: 8 plus the IV length.</summary>
    public int EncryptedDataOffset => EspHeader.Length + _ivSize;

    /// <summary>The encrypted part: payload, TFC padding, padding, pad length and next header.</summary>
    public ReadOnlySpan<byte> EncryptedData => _packet[EncryptedDataOffset..^_icvSize];

    /// <summary>The Integrity Check Value.</summary>
    public ReadOnlySpan<byte> Icv => _packet[^_icvSize..];

    /// <summary>What a non-AEAD ICV covers: SPI, sequence number, IV and encrypted data (RFC 4303 §3.3.4).</summary>
    public ReadOnlySpan<byte> AuthenticatedData => _packet[..^_icvSize];
}
