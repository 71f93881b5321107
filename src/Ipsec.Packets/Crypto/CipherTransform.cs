using System;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// A keyed ESP encryption transform without its own integrity: AES-CBC, AES-CTR, 3DES-CBC or NULL.
/// The key schedule is built once at construction.
/// </summary>
/// <remarks>Thread-safe and allocation-free; per-call state lives on the stack or in pooled contexts.</remarks>
internal abstract class CipherTransform : IDisposable
{
    /// <summary>The explicit IV carried in the packet, in bytes (0 for NULL).</summary>
    public abstract int IvSize { get; }

    /// <summary>The length the encrypted part must be a multiple of, in bytes (1 for CTR and NULL).</summary>
    public abstract int BlockSize { get; }

    /// <summary>
    /// Writes the IV for the packet with <paramref name="sequenceNumber"/>: CTR uses the 64-bit sequence number
    /// (unique under the key); CBC an unpredictable block, the cipher applied to a per-SA secret nonce and the sequence
    /// number (NIST SP 800-38A Appendix C), which never repeats under the key and allocates nothing.
    /// </summary>
    public abstract void CreateIv(ulong sequenceNumber, Span<byte> iv);

    /// <summary>Encrypts <paramref name="source"/> into <paramref name="destination"/> (same length, a multiple of <see cref="BlockSize"/>; may be the same memory).</summary>
    public abstract void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>Decrypts <paramref name="source"/> into <paramref name="destination"/> (same length, a multiple of <see cref="BlockSize"/>; may be the same memory).</summary>
    public abstract void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>Zeroes the key material.</summary>
    public abstract void Dispose();
}
