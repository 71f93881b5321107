using System;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Ah;

/// <summary>
/// AES-GMAC for AH (RFC 4543 §3.1 and §5): GCM with an empty plaintext, the whole AH-protected packet (mutable fields and
/// ICV zeroed) as AAD, nonce = 4-byte salt || 8-byte IV, 16-byte ICV. The AAD is passed as the pieces it lies in (the
/// stack copy of the IP headers, the AH header, the payload in place, the ESN high half), so the packet is never copied.
/// Built on the same AES and GHASH engines as ESP's AES-GCM.
/// </summary>
/// <remarks>Thread-safe; nothing allocates after construction.</remarks>
internal sealed class AhGmac : IDisposable
{
    /// <summary>The salt at the end of the KEYMAT, in bytes.</summary>
    public const int SaltSize = 4;

    /// <summary>The IV carried in the AH header, in bytes.</summary>
    public const int IvSize = 8;

    /// <summary>The ICV, in bytes.</summary>
    public const int IcvSize = 16;

    private readonly AesBlockCipher _aes;
    private readonly GhashKey _ghash;
    private readonly byte[] _salt;

    /// <summary>Builds the key schedule and hash subkey from the KEYMAT (16, 24 or 32-byte AES key followed by the salt).</summary>
    public AhGmac(ReadOnlySpan<byte> keyMaterial)
    {
        if (keyMaterial.Length is not (16 + SaltSize or 24 + SaltSize or 32 + SaltSize))
        {
            ThrowHelper.ThrowArgument(
                $"AES-GMAC KEYMAT is a 16, 24 or 32-byte key followed by a 4-byte salt; got {keyMaterial.Length} bytes.", nameof(keyMaterial));
        }

        _aes = AesBlockCipher.Create(keyMaterial[..^SaltSize]);
        _ghash = GhashKey.Create(_aes.EncryptBlock(Vector128<byte>.Zero));
        _salt = keyMaterial[^SaltSize..].ToArray();
    }

    /// <summary>True when the AES core runs on AES instructions (AES-NI or ARMv8 AES).</summary>
    public bool IsHardware => _aes.IsHardware;

    /// <summary>The AES core in use.</summary>
    internal AesCore AesCore => _aes.Core;

    /// <summary>The GHASH multiplication in use.</summary>
    internal CarrylessMultiply CarrylessMultiply => _ghash.Core;

    /// <summary>Writes the 16-byte tag GHASH(a || b || c || d, empty) XOR E(K, salt || IV || 0x00000001).</summary>
    public void Compute(
        ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, ReadOnlySpan<byte> iv, Span<byte> tag)
    {
        Vector128<byte> hash = _ghash.ComputeAadOnly(a, b, c, d);
        Span<byte> j0 = stackalloc byte[16];
        _salt.CopyTo(j0);
        iv[..IvSize].CopyTo(j0[SaltSize..]);
        j0[12] = 0;
        j0[13] = 0;
        j0[14] = 0;
        j0[15] = 1;
        Vector128<byte> mask = _aes.EncryptBlock(Vector128.Create((ReadOnlySpan<byte>)j0));
        (hash ^ mask).CopyTo(tag);
        CryptographicOperations.ZeroMemory(j0);
    }

    /// <summary>Zeroes the key schedule, hash subkey powers and salt.</summary>
    public void Dispose()
    {
        _aes.Dispose();
        _ghash.Dispose();
        CryptographicOperations.ZeroMemory(_salt);
    }
}
