using System;
using System.Collections.Generic;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Every vector of mac-kat.json: the integrity transforms at their truncation, the full MACs and the IKEv2 PRFs.</summary>
public class MacKatTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (Vector v in VectorFile.Load("mac-kat.json"))
        {
            yield return new TestCaseData(v, false).SetName($"{v.Id} (hardware where available)");
            yield return new TestCaseData(v, true).SetName($"{v.Id} (portable)");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void KnownAnswer(Vector v, bool portable)
    {
        byte[] key = v.Hex("key_hex");
        byte[] data = v.Hex("data_hex");
        byte[] expected = v.Hex("mac_hex");
        string primitive = v.Str("primitive");

        if (IntegrityAlgorithm.All.ToArray() is var all && Array.Find(all, a => a.Name == v.Str("algorithm")) is { } algorithm)
        {
            // An integrity transform: the truncated ICV, byte for byte, and Verify agrees.
            using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key, portable);
            var icv = new byte[transform.IcvSize];
            transform.Compute(data, default, icv);
            Assert.That(icv, Is.EqualTo(expected));
            Assert.That(transform.Verify(data, default, expected), Is.True);
            expected[^1] ^= 1;
            Assert.That(transform.Verify(data, default, expected), Is.False);
            return;
        }

        byte[] full = primitive switch
        {
            "HMAC-MD5" => Prf.Hmac("MD5", key, data),
            "HMAC-SHA1" => Prf.Hmac("SHA1", key, data),
            "HMAC-SHA224" => Prf.Hmac("SHA224", key, data),
            "HMAC-SHA256" => Prf.Hmac("SHA256", key, data),
            "HMAC-SHA384" => Prf.Hmac("SHA384", key, data),
            "HMAC-SHA512" => Prf.Hmac("SHA512", key, data),
            "AES-XCBC-MAC" => FullAesMac(AesMacTransform.CreateXcbc(key, 16, portable), data),
            "AES-CMAC" => FullAesMac(AesMacTransform.CreateCmac(key, 16, portable), data),
            "AES-XCBC-PRF-128" => Prf.AesXcbcPrf128(key, data),
            "AES-CMAC-PRF-128" => Prf.AesCmacPrf128(key, data),
            _ => throw new NotSupportedException(primitive),
        };
        Assert.That(full[..expected.Length], Is.EqualTo(expected));
        if (v.Has("full_mac_hex"))
        {
            Assert.That(full, Is.EqualTo(v.Hex("full_mac_hex")));
        }
    }

    private static byte[] FullAesMac(AesMacTransform transform, byte[] data)
    {
        using (transform)
        {
            var mac = new byte[16];
            transform.Compute(data, default, mac);
            return mac;
        }
    }
}
