using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// The IKEv2 pseudo-random functions whose outputs the shared vectors publish: PRF_HMAC_SHA2_256/384/512 (RFC 4868),
/// PRF_AES128_XCBC (RFC 4434) and PRF_AES128_CMAC (RFC 4615), plus HMAC-SHA-224 (RFC 4231). Key derivation, not the data
/// path: these allocate.
/// </summary>
internal static class Prf
{
    /// <summary>Full-length HMAC; SHA-224 through BouncyCastle, which the BCL lacks.</summary>
    public static byte[] Hmac(string hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        switch (hash)
        {
            case "SHA224":
                var hmac = new HMac(new Sha224Digest());
                hmac.Init(new KeyParameter(key.ToArray()));
                hmac.BlockUpdate(data);
                var output = new byte[hmac.GetMacSize()];
                hmac.DoFinal(output);
                return output;
            case "MD5":
                return HMACMD5.HashData(key, data);
            case "SHA1":
                return HMACSHA1.HashData(key, data);
            case "SHA256":
                return HMACSHA256.HashData(key, data);
            case "SHA384":
                return HMACSHA384.HashData(key, data);
            case "SHA512":
                return HMACSHA512.HashData(key, data);
            default:
                throw new ArgumentException($"Unknown hash {hash}.", nameof(hash));
        }
    }

    /// <summary>PRF_AES128_XCBC (RFC 4434 §2): shorter keys are zero-padded, longer ones first reduced under a zero key.</summary>
    public static byte[] AesXcbcPrf128(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        byte[] k = key.Length switch
        {
            16 => key.ToArray(),
            < 16 => PadKey(key),
            _ => Mac(AesMacTransform.CreateXcbc(new byte[16], 16), key),
        };
        return Mac(AesMacTransform.CreateXcbc(k, 16), data);
    }

    /// <summary>PRF_AES128_CMAC (RFC 4615 §3): any key other than 16 bytes is first reduced with AES-CMAC under a zero key.</summary>
    public static byte[] AesCmacPrf128(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        byte[] k = key.Length == 16 ? key.ToArray() : Mac(AesMacTransform.CreateCmac(new byte[16], 16), key);
        return Mac(AesMacTransform.CreateCmac(k, 16), data);
    }

    private static byte[] PadKey(ReadOnlySpan<byte> key)
    {
        var padded = new byte[16];
        key.CopyTo(padded);
        return padded;
    }

    private static byte[] Mac(AesMacTransform transform, ReadOnlySpan<byte> data)
    {
        using (transform)
        {
            var output = new byte[16];
            transform.Compute(data, default, output);
            return output;
        }
    }
}
