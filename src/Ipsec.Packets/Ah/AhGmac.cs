using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto.Primitives;

namespace Ipsec.Packets.Ah;

/// <summary>
/// AES-GMAC for AH (RFC 4543 §3.1 and §5): GCM with an empty plaintext, the whole AH-protected packet (mutable fields and
/// ICV zeroed) as AAD, nonce = 4-byte salt || 8-byte IV, 16-byte ICV. Incremental, so the packet is never copied: the
/// caller keeps a <see cref="GHashAccumulator"/> on its stack and feeds the pieces in order.
/// </summary>
/// <remarks>Thread-safe (the accumulators are the callers'); nothing allocates after construction.</remarks>
internal sealed class AhGmac : IDisposable
{
    /// <summary>The salt at the end of the KEYMAT, in bytes.</summary>
    public const int SaltSize = 4;

    /// <summary>The IV carried in the AH header, in bytes.</summary>
    public const int IvSize = 8;

    /// <summary>The ICV, in bytes.</summary>
    public const int IcvSize = 16;

    private readonly AesBlockCipher _aes;
    private readonly GHash _ghash;
    private readonly byte[] _salt;

    /// <summary>Builds the key schedule and hash subkey from the KEYMAT (16, 24 or 32-byte AES key followed by the salt).</summary>
    public AhGmac(ReadOnlySpan<byte> keyMaterial, bool forceSoftware = false)
    {
        if (keyMaterial.Length is not (16 + SaltSize or 24 + SaltSize or 32 + SaltSize))
        {
            throw new ArgumentException(
                $"AES-GMAC KEYMAT is a 16, 24 or 32-byte key followed by a 4-byte salt; got {keyMaterial.Length} bytes.", nameof(keyMaterial));
        }

        _aes = new AesBlockCipher(keyMaterial[..^SaltSize], forceSoftware);
        _salt = keyMaterial[^SaltSize..].ToArray();
        Span<byte> h = stackalloc byte[16];
        h.Clear();
        _aes.EncryptBlock(h, h);
        _ghash = new GHash(h, forceSoftware);
        CryptographicOperations.ZeroMemory(h);
    }

    /// <summary>Feeds AAD bytes; pieces concatenate across calls.</summary>
    public void Append(ref GHashAccumulator accumulator, ReadOnlySpan<byte> aad) => _ghash.Append(ref accumulator, aad);

    /// <summary>Writes the 16-byte tag: GHASH(AAD, empty) XOR E(K, salt || IV || 0x00000001).</summary>
    /// <param name="accumulator">The accumulator fed with all the AAD.</param>
    /// <param name="aadLength">The AAD length in bytes.</param>
    /// <param name="iv">The 8-byte IV from the AH header.</param>
    /// <param name="tag">Receives 16 bytes.</param>
    public void Finish(ref GHashAccumulator accumulator, long aadLength, ReadOnlySpan<byte> iv, Span<byte> tag)
    {
        Span<byte> s = stackalloc byte[16];
        _ghash.Finish(ref accumulator, aadLength, 0, s);
        Span<byte> j0 = stackalloc byte[16];
        _salt.CopyTo(j0);
        iv[..IvSize].CopyTo(j0[SaltSize..]);
        BinaryPrimitives.WriteUInt32BigEndian(j0[12..], 1);
        _aes.EncryptBlock(j0, j0);
        for (int i = 0; i < 16; i++)
        {
            tag[i] = (byte)(s[i] ^ j0[i]);
        }

        CryptographicOperations.ZeroMemory(s);
        CryptographicOperations.ZeroMemory(j0);
    }

    /// <summary>Zeroes the key schedule, hash subkey and salt.</summary>
    public void Dispose()
    {
        _aes.Dispose();
        _ghash.Clear();
        CryptographicOperations.ZeroMemory(_salt);
    }
}
