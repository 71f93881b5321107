using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Every vector of mac-kat.json through the integrity transform or PRF its algorithm names.</summary>
public class MacVectorTests
{
    private const string FileName = "mac-kat.json";

    private static IEnumerable<TestCaseData> Vectors() => VectorFile.Cases(FileName);

    private static IEnumerable<TestCaseData> TransformVectors() => VectorFile.Cases(FileName, v => v.Str("algorithm").StartsWith("AUTH_", StringComparison.Ordinal));

    [TestCaseSource(nameof(Vectors))]
    public void ProducesThePublishedMac(Vector v)
    {
        byte[] key = v.Hex("key_hex");
        byte[] data = v.Hex("data_hex");
        byte[] expected = v.Hex("mac_hex");

        byte[] actual = Compute(v.Str("algorithm"), v.Str("primitive"), key, data);

        Assert.That(Convert.ToHexStringLower(actual[..expected.Length]), Is.EqualTo(v.Str("mac_hex")));
        if (!v.Str("algorithm").StartsWith("none", StringComparison.Ordinal))
        {
            // Transforms and PRFs produce exactly the published length; "none" vectors are truncated by the test.
            Assert.That(actual, Has.Length.EqualTo(expected.Length));
        }
    }

    [TestCaseSource(nameof(Vectors))]
    public void ProducesThePublishedUntruncatedMac(Vector v)
    {
        if (!v.Has("full_mac_hex"))
        {
            Assert.That(v.Str("algorithm"), Does.StartWith("none").Or.EqualTo("AUTH_AES_CMAC_96"), "only truncation-only vectors lack the full MAC");
            return;
        }

        byte[] actual = FullMac(v.Str("primitive"), v.Hex("key_hex"), v.Hex("data_hex"));

        Assert.That(Convert.ToHexStringLower(actual), Is.EqualTo(v.Str("full_mac_hex")));
    }

    [TestCaseSource(nameof(Vectors))]
    public void ProducesThePublishedMacsOnThePortableAes(Vector v)
    {
        // AES-XCBC, AES-CMAC and their PRFs build their AES inside the call, so the whole computation runs forced.
        byte[] actual = EngineScope.Create(Engine.Software, () => Compute(v.Str("algorithm"), v.Str("primitive"), v.Hex("key_hex"), v.Hex("data_hex")));
        Assert.That(Convert.ToHexStringLower(actual[..v.Hex("mac_hex").Length]), Is.EqualTo(v.Str("mac_hex")));
        if (v.Has("full_mac_hex"))
        {
            byte[] full = EngineScope.Create(Engine.Software, () => FullMac(v.Str("primitive"), v.Hex("key_hex"), v.Hex("data_hex")));
            Assert.That(Convert.ToHexStringLower(full), Is.EqualTo(v.Str("full_mac_hex")));
        }
    }

    [Test]
    public void CbcMacTransformsTakeThePortableAesWhenForced(
        [Values("AUTH_AES_XCBC_96", "AUTH_AES_CMAC_96")] string name, [Values(Engine.Hardware, Engine.Software)] Engine engine)
    {
        using IntegrityTransform transform = EngineScope.Create(engine, () => IntegrityFactory.Create(AlgorithmNamed(name), new byte[16]));
        Assert.That(((IntegrityCbcMacTransform)transform).IsHardware, Is.EqualTo(engine == Engine.Hardware && CryptoEngine.IsHardwareSupported));
    }

    [TestCaseSource(nameof(TransformVectors))]
    public void VerifiesThePublishedIcvAndRejectsItsFirstBitFlipped(Vector v)
    {
        IntegrityAlgorithm algorithm = AlgorithmNamed(v.Str("algorithm"));
        byte[] data = v.Hex("data_hex");
        byte[] icv = v.Hex("mac_hex");
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, v.Hex("key_hex"));

        Assert.That(transform.Verify(data, default, icv), Is.True);
        icv[0] ^= 0x80;
        Assert.That(transform.Verify(data, default, icv), Is.False);
    }

    [Test]
    public void EveryVectorIsDispatched()
    {
        int count = 0;
        foreach (Vector v in VectorFile.Load(FileName))
        {
            Assert.That(() => Compute(v.Str("algorithm"), v.Str("primitive"), v.Hex("key_hex"), v.Hex("data_hex")), Throws.Nothing, v.Id);
            count++;
        }

        Assert.That(count, Is.EqualTo(90));
    }

    /// <summary>The output at the truncation the vector's algorithm defines.</summary>
    private static byte[] Compute(string algorithmName, string primitive, byte[] key, byte[] data)
    {
        if (algorithmName.StartsWith("AUTH_", StringComparison.Ordinal))
        {
            IntegrityAlgorithm algorithm = AlgorithmNamed(algorithmName);
            using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
            byte[] icv = new byte[transform.IcvSize];
            transform.Compute(data, default, icv);
            return icv;
        }

        byte[] output = new byte[64];
        int length;
        switch (algorithmName)
        {
            case "PRF_HMAC_SHA2_256":
                Prf.HmacSha2_256(key, data, output);
                length = 32;
                break;
            case "PRF_HMAC_SHA2_384":
                Prf.HmacSha2_384(key, data, output);
                length = 48;
                break;
            case "PRF_HMAC_SHA2_512":
                Prf.HmacSha2_512(key, data, output);
                length = 64;
                break;
            case "PRF_AES128_XCBC":
                Prf.AesXcbc128(key, data, output);
                length = 16;
                break;
            case "PRF_AES128_CMAC":
                Prf.AesCmac128(key, data, output);
                length = 16;
                break;
            default:
                // "none (...)": the base primitive, untruncated (the vector's mac_hex gives the truncation).
                Assert.That(algorithmName, Does.StartWith("none"));
                return FullMac(primitive, key, data);
        }

        return output[..length];
    }

    /// <summary>The untruncated primitive, through the library's own code.</summary>
    private static byte[] FullMac(string primitive, byte[] key, byte[] data)
    {
        byte[] output = new byte[64];
        switch (primitive)
        {
            case "HMAC-MD5":
                return FullHmac(HashAlgorithmName.MD5, key, data);
            case "HMAC-SHA1":
                Prf.HmacSha1(key, data, output);
                return output[..20];
            case "HMAC-SHA224":
                Prf.HmacSha224(key, data, output);
                return output[..28];
            case "HMAC-SHA256":
                Prf.HmacSha2_256(key, data, output);
                return output[..32];
            case "HMAC-SHA384":
                Prf.HmacSha2_384(key, data, output);
                return output[..48];
            case "HMAC-SHA512":
                Prf.HmacSha2_512(key, data, output);
                return output[..64];
            case "AES-XCBC-MAC":
                Prf.AesXcbcMac(key, data, output);
                return output[..16];
            case "AES-CMAC":
                Prf.AesCmac(key, data, output);
                return output[..16];
            case "AES-XCBC-PRF-128":
                Prf.AesXcbc128(key, data, output);
                return output[..16];
            case "AES-CMAC-PRF-128":
                Prf.AesCmac128(key, data, output);
                return output[..16];
            default:
                throw new AssertionException($"Unknown primitive {primitive}.");
        }
    }

    /// <summary>An untruncated HMAC through the pooled transform (its ICV size set to the hash size).</summary>
    private static byte[] FullHmac(HashAlgorithmName hash, byte[] key, byte[] data)
    {
        int size = HmacIntegrityTransform.HashSize(hash);
        using var transform = new HmacIntegrityTransform("HMAC-" + hash.Name, hash, key, size);
        byte[] mac = new byte[size];
        transform.Compute(data, default, mac);
        return mac;
    }

    private static IntegrityAlgorithm AlgorithmNamed(string name)
    {
        foreach (IntegrityAlgorithm algorithm in IntegrityAlgorithm.All)
        {
            if (algorithm.Name == name)
            {
                return algorithm;
            }
        }

        throw new AssertionException($"No integrity algorithm is named {name}.");
    }
}
