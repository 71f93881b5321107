using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>
/// The Linux crypto API names that <c>ip xfrm state</c> prints, mapped to the library's algorithms. The ICV length is part
/// of the name in IKEv2 (ENCR_AES_GCM_8/12/16, AUTH_HMAC_SHA2_256_128) but a separate number in Linux, so it picks the algorithm.
/// </summary>
internal static class LinuxAlgorithmNames
{
    /// <summary>Resolves an <c>aead NAME KEY ICVBITS</c> line.</summary>
    /// <returns><see langword="false"/> with <paramref name="problem"/> set when the name or ICV length is not supported.</returns>
    public static bool TryResolveAead(string name, int icvBits, [NotNullWhen(true)] out EncryptionAlgorithm? algorithm, [NotNullWhen(false)] out string? problem)
    {
        algorithm = (name, icvBits) switch
        {
            ("rfc4106(gcm(aes))", 64) => EncryptionAlgorithm.AesGcm8,
            ("rfc4106(gcm(aes))", 96) => EncryptionAlgorithm.AesGcm12,
            ("rfc4106(gcm(aes))", 128) => EncryptionAlgorithm.AesGcm16,
            ("rfc4309(ccm(aes))", 64) => EncryptionAlgorithm.AesCcm8,
            ("rfc4309(ccm(aes))", 96) => EncryptionAlgorithm.AesCcm12,
            ("rfc4309(ccm(aes))", 128) => EncryptionAlgorithm.AesCcm16,
            ("rfc7539esp(chacha20,poly1305)", 128) => EncryptionAlgorithm.ChaCha20Poly1305,
            ("rfc4543(gcm(aes))", 128) => EncryptionAlgorithm.NullAuthAesGmac,
            _ => null,
        };
        problem = algorithm is not null ? null : name switch
        {
            "rfc4106(gcm(aes))" or "rfc4309(ccm(aes))" => Invariant($"ICV length {icvBits} bits is not one of 64, 96, 128"),
            "rfc7539esp(chacha20,poly1305)" or "rfc4543(gcm(aes))" => Invariant($"ICV length {icvBits} bits is not 128"),
            _ => $"unsupported AEAD algorithm '{name}'",
        };
        return algorithm is not null;
    }

    /// <summary>Whether the name is an AEAD Linux knows (so a refusal is about the ICV length, not the name).</summary>
    public static bool IsAeadName(string name) =>
        name is "rfc4106(gcm(aes))" or "rfc4309(ccm(aes))" or "rfc7539esp(chacha20,poly1305)" or "rfc4543(gcm(aes))";

    /// <summary>Resolves an <c>enc NAME KEY</c> line.</summary>
    /// <returns><see langword="false"/> when the name is not a supported cipher.</returns>
    public static bool TryResolveCipher(string name, [NotNullWhen(true)] out EncryptionAlgorithm? algorithm)
    {
        algorithm = name switch
        {
            "cbc(aes)" => EncryptionAlgorithm.AesCbc,
            "rfc3686(ctr(aes))" => EncryptionAlgorithm.AesCtr,
            "cbc(des3_ede)" => EncryptionAlgorithm.TripleDesCbc,
            "ecb(cipher_null)" or "cipher_null" => EncryptionAlgorithm.Null,
            _ => null,
        };
        return algorithm is not null;
    }

    /// <summary>The ICV length Linux uses for <c>auth NAME KEY</c> without a truncation (its algorithm table's defaults).</summary>
    /// <returns>The bits, or -1 for an unknown name.</returns>
    public static int DefaultTruncationBits(string name) => name switch
    {
        "hmac(md5)" or "hmac(sha1)" or "xcbc(aes)" or "cmac(aes)" => 96,
        "hmac(sha256)" => 96,
        "hmac(sha384)" => 192,
        "hmac(sha512)" => 256,
        _ => -1,
    };

    /// <summary>Resolves <c>auth-trunc NAME KEY TRUNCBITS</c> (or <c>auth</c> with the default truncation).</summary>
    /// <returns><see langword="false"/> with <paramref name="problem"/> set for an unknown name or an unsupported truncation.</returns>
    public static bool TryResolveIntegrity(string name, int truncationBits, [NotNullWhen(true)] out IntegrityAlgorithm? algorithm, [NotNullWhen(false)] out string? problem)
    {
        IntegrityAlgorithm? candidate = name switch
        {
            "hmac(md5)" => IntegrityAlgorithm.HmacMd5_96,
            "hmac(sha1)" => IntegrityAlgorithm.HmacSha1_96,
            "hmac(sha256)" => IntegrityAlgorithm.HmacSha2_256_128,
            "hmac(sha384)" => IntegrityAlgorithm.HmacSha2_384_192,
            "hmac(sha512)" => IntegrityAlgorithm.HmacSha2_512_256,
            "xcbc(aes)" => IntegrityAlgorithm.AesXcbc96,
            "cmac(aes)" => IntegrityAlgorithm.AesCmac96,
            _ => null,
        };
        if (candidate is null)
        {
            algorithm = null;
            problem = $"unsupported integrity algorithm '{name}'";
            return false;
        }

        if (candidate.IcvSize * 8 != truncationBits)
        {
            algorithm = null;
            problem = Invariant($"truncation to {truncationBits} bits is not supported for {name} (only {candidate.IcvSize * 8})");
            return false;
        }

        algorithm = candidate;
        problem = null;
        return true;
    }

    /// <summary>Parses a key as Linux prints it: <c>0x</c> and hex digits (an empty key is <c>0x</c> or nothing).</summary>
    /// <returns><see langword="false"/> when the text is not 0x-prefixed even-length hex.</returns>
    public static bool TryParseKey(string text, [NotNullWhen(true)] out byte[]? key)
    {
        key = null;
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.Length % 2 != 0)
        {
            return false;
        }

        try
        {
            key = Convert.FromHexString(text.AsSpan(2));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Parses a number as iproute2 prints it: decimal, or hex with 0x, optionally followed by "(decimal)".</summary>
    /// <returns><see langword="false"/> when the text is not a number that fits 64 bits.</returns>
    public static bool TryParseNumber(string text, out ulong value)
    {
        int paren = text.IndexOf('(', StringComparison.Ordinal);
        string digits = paren > 0 ? text[..paren] : text;
        bool parsed = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && digits.Length > 2
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (parsed && paren > 0)
        {
            // "0x00001234(4660)": the decimal in brackets must agree.
            string inner = text[(paren + 1)..].TrimEnd(')');
            if (!text.EndsWith(')') || !ulong.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out ulong check) || check != value)
            {
                value = 0;
                return false;
            }
        }

        if (!parsed)
        {
            value = 0;
        }

        return parsed;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
