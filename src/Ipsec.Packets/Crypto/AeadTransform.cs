using System;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// A keyed combined-mode (AEAD) transform for one security association: AES-GCM, AES-CCM,
/// ChaCha20-Poly1305 or AES-GMAC (authentication only). The key schedule is built once at construction.
/// </summary>
/// <remarks>
/// Thread-safe: concurrent calls keep their per-call state on the stack or in pooled contexts.
/// No method allocates. The nonce is <c>salt || iv</c> (salt from the KEYMAT, 8-octet IV per packet), the AAD is
/// <c>aadHead || aadTail</c> (ESP: SPI || [seq-hi] || seq-lo as the head; GMAC adds IV || payload as the tail).
/// </remarks>
internal abstract class AeadTransform : IDisposable
{
    /// <summary>The ICV (tag) length in bytes.</summary>
    public abstract int IcvSize { get; }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length; the two may be the same memory)
    /// and writes the <see cref="IcvSize"/>-byte tag. GMAC requires an empty plaintext.
    /// </summary>
    public abstract void Seal(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag);

    /// <summary>
    /// Verifies <paramref name="tag"/> in constant time and returns the plaintext only when it matches: decrypts
    /// <paramref name="ciphertext"/> into <paramref name="plaintext"/> (same length; may be the same memory).
    /// </summary>
    /// <returns>
    /// False when the tag does not verify. In place the ciphertext is then left untouched (it was not decrypted); a separate
    /// <paramref name="plaintext"/> holds no plaintext: it is left untouched, or cleared where one pass decrypted while
    /// hashing. Never throws for bad data.
    /// </returns>
    public abstract bool TryOpen(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext);

    /// <summary>
    /// <see cref="TryOpen"/> that checks the whole tag before it decrypts any byte, also into separate memory, so a
    /// forgery costs only the authentication pass. The transforms that always work so return <see cref="TryOpen"/>;
    /// AES-GCM, which into separate memory decrypts while it hashes (one pass, cheaper for genuine packets), overrides it.
    /// </summary>
    /// <returns>As <see cref="TryOpen"/>; on a mismatch a separate <paramref name="plaintext"/> is left untouched.</returns>
    public virtual bool TryOpenVerifyingFirst(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext) =>
        TryOpen(iv, aadHead, aadTail, ciphertext, tag, plaintext);

    /// <summary>Zeroes the key material.</summary>
    public abstract void Dispose();
}
