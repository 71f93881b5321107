using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using NUnit.Framework;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// Independent MAC computations the integrity transforms are checked against: BouncyCastle's HMac and CMac, and a
/// whole-message AES-XCBC-MAC written straight from RFC 3566 over the BCL's AES (BouncyCastle has no XCBC).
/// </summary>
internal static class IntegrityReference
{
    /// <summary>The algorithms that have an <see cref="IntegrityTransform"/> (all but AH-GMAC).</summary>
    public static IEnumerable<TestCaseData> TransformAlgorithms()
    {
        var cases = new List<TestCaseData>();
        foreach (IntegrityAlgorithm algorithm in IntegrityAlgorithm.All)
        {
            if (!algorithm.IsGmac)
            {
                cases.Add(new TestCaseData(algorithm).SetArgDisplayNames(algorithm.Name));
            }
        }

        return cases;
    }

    /// <summary>The untruncated MAC of <paramref name="data"/> under <paramref name="key"/>.</summary>
    public static byte[] FullMac(IntegrityAlgorithm algorithm, byte[] key, ReadOnlySpan<byte> data) =>
        algorithm.TransformId switch
        {
            IntegrityTransformId.HmacMd5_96 => BouncyCastleMac(new HMac(new MD5Digest()), key, data),
            IntegrityTransformId.HmacSha1_96 => BouncyCastleMac(new HMac(new Sha1Digest()), key, data),
            IntegrityTransformId.HmacSha2_256_128 => BouncyCastleMac(new HMac(new Sha256Digest()), key, data),
            IntegrityTransformId.HmacSha2_384_192 => BouncyCastleMac(new HMac(new Sha384Digest()), key, data),
            IntegrityTransformId.HmacSha2_512_256 => BouncyCastleMac(new HMac(new Sha512Digest()), key, data),
            IntegrityTransformId.AesCmac96 => BouncyCastleMac(new CMac(new AesEngine()), key, data),
            IntegrityTransformId.AesXcbc96 => XcbcMac(key, data),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm.Name, "No reference MAC."),
        };

    /// <summary>The MAC truncated to the algorithm's ICV size.</summary>
    public static byte[] Icv(IntegrityAlgorithm algorithm, byte[] key, ReadOnlySpan<byte> data) =>
        FullMac(algorithm, key, data)[..algorithm.IcvSize];

    /// <summary>A key of the algorithm's RFC size.</summary>
    public static byte[] RandomKey(IntegrityAlgorithm algorithm, Random random)
    {
        byte[] key = new byte[algorithm.KeySize];
        random.NextBytes(key);
        return key;
    }

    public static byte[] RandomBytes(Random random, int length)
    {
        byte[] data = new byte[length];
        random.NextBytes(data);
        return data;
    }

    private static byte[] BouncyCastleMac(IMac mac, byte[] key, ReadOnlySpan<byte> data)
    {
        mac.Init(new KeyParameter(key));
        mac.BlockUpdate(data);
        byte[] output = new byte[mac.GetMacSize()];
        mac.DoFinal(output, 0);
        return output;
    }

    /// <summary>RFC 3566 §4 over a whole message: pad, whiten the last block, CBC-encrypt under K1, keep the last block.</summary>
    public static byte[] XcbcMac(byte[] key, ReadOnlySpan<byte> data)
    {
        using Aes aes = Aes.Create();
        aes.Key = key;
        byte[] k1 = aes.EncryptEcb(Filled(0x01), PaddingMode.None);
        byte[] k2 = aes.EncryptEcb(Filled(0x02), PaddingMode.None);
        byte[] k3 = aes.EncryptEcb(Filled(0x03), PaddingMode.None);

        bool complete = data.Length > 0 && data.Length % 16 == 0;
        int paddedLength = complete ? data.Length : ((data.Length / 16) + 1) * 16;
        byte[] message = new byte[paddedLength];
        data.CopyTo(message);
        if (!complete)
        {
            message[data.Length] = 0x80;
        }

        byte[] whitening = complete ? k2 : k3;
        for (int i = 0; i < 16; i++)
        {
            message[paddedLength - 16 + i] ^= whitening[i];
        }

        aes.Key = k1;
        byte[] chained = aes.EncryptCbc(message, new byte[16], PaddingMode.None);
        return chained[^16..];
    }

    private static byte[] Filled(byte value)
    {
        byte[] block = new byte[16];
        Array.Fill(block, value);
        return block;
    }
}
