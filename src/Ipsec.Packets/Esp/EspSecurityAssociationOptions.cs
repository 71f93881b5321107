using System;

namespace Ipsec.Packets;

/// <summary>
/// The configuration of one ESP security association: SPI, algorithms, keys and sequence-number behaviour.
/// Validated when an <see cref="EspSecurityAssociation"/> is created; the keys are copied, so the caller may zero its own.
/// </summary>
public sealed class EspSecurityAssociationOptions
{
    /// <summary>The largest anti-replay window, in packets.</summary>
    public const int MaximumReplayWindowSize = Sequencing.AntiReplayWindow.MaximumSize;

    /// <summary>
    /// The Security Parameters Index. Any value is accepted here, so published vectors with SPIs 0–255 can be reproduced;
    /// <see cref="SecurityAssociationDatabase"/> refuses the IANA-reserved values 0–255 when the SA is installed.
    /// </summary>
    public uint Spi { get; init; }

    /// <summary>The encryption or combined-mode algorithm.</summary>
    public required EncryptionAlgorithm Encryption { get; init; }

    /// <summary>The encryption KEYMAT in IKEv2 layout: the key followed by the salt or nonce (<see cref="EncryptionAlgorithm.SaltSize"/> bytes).</summary>
    public ReadOnlyMemory<byte> EncryptionKey { get; init; }

    /// <summary>The integrity algorithm; required with a non-AEAD cipher, and must be null with an AEAD one.</summary>
    public IntegrityAlgorithm? Integrity { get; init; }

    /// <summary>The integrity key (<see cref="IntegrityAlgorithm.KeySize"/> bytes).</summary>
    public ReadOnlyMemory<byte> IntegrityKey { get; init; }

    /// <summary>Use 64-bit extended sequence numbers (RFC 4303 §2.2.1); only the low 32 bits travel.</summary>
    public bool ExtendedSequenceNumbers { get; init; }

    /// <summary>The anti-replay window in packets, 0 (off) to <see cref="MaximumReplayWindowSize"/>. Default 64.</summary>
    public int ReplayWindowSize { get; init; } = 64;

    /// <summary>Leave the IV out of the packet and derive it from the sequence number (RFC 8750); AES-GCM, AES-CCM and ChaCha20-Poly1305 only.</summary>
    public bool ImplicitIv { get; init; }

    /// <summary>
    /// Traffic flow confidentiality (RFC 4303 §2.7): pad every payload that carries its own length (tunnel-mode IP packets,
    /// UDP) with zeros up to this many bytes before ESP padding. 0 turns it off.
    /// </summary>
    public int TfcPaddingLength { get; init; }

    /// <summary>The last sequence number already sent under this SA (0 for a new SA); the next packet uses one more.</summary>
    public ulong InitialOutboundSequenceNumber { get; init; }

    /// <summary>The highest sequence number already received (0 for a new SA); it and everything left of it count as seen.</summary>
    public ulong InitialInboundSequenceNumber { get; init; }
}
