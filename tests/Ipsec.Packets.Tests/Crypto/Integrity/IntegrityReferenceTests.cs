using System;
using System.Collections.Generic;
using Ipsec.Packets.Crypto;
using NUnit.Framework;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// The integrity transforms against independent implementations (<see cref="IntegrityReference"/>) for random keys and
/// messages, whole and split into Append calls at every position.
/// </summary>
public class IntegrityReferenceTests
{
    private const int MaxLength = 600;

    private static IEnumerable<TestCaseData> Algorithms() => IntegrityReference.TransformAlgorithms();

    [TestCaseSource(nameof(Algorithms))]
    public void EveryLengthMatchesTheReference(IntegrityAlgorithm algorithm)
    {
        var random = new Random(4303 + (int)algorithm.TransformId);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] message = IntegrityReference.RandomBytes(random, MaxLength);
        byte[] icv = new byte[algorithm.IcvSize];

        for (int length = 0; length <= MaxLength; length++)
        {
            byte[] expected = IntegrityReference.Icv(algorithm, key, message.AsSpan(0, length));
            transform.Compute(message.AsSpan(0, length), default, icv);
            Assert.That(icv, Is.EqualTo(expected), $"length {length}");
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void ManyKeysMatchTheReference(IntegrityAlgorithm algorithm)
    {
        var random = new Random(2404 + (int)algorithm.TransformId);
        byte[] icv = new byte[algorithm.IcvSize];
        for (int n = 0; n < 64; n++)
        {
            byte[] key = IntegrityReference.RandomKey(algorithm, random);
            byte[] data = IntegrityReference.RandomBytes(random, random.Next(0, MaxLength + 1));
            using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
            transform.Compute(data, default, icv);
            Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, data)), $"key {n}, {data.Length} bytes");
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void EveryTwoWaySplitEqualsTheWholeMessage(IntegrityAlgorithm algorithm)
    {
        var random = new Random(3566 + (int)algorithm.TransformId);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] icv = new byte[algorithm.IcvSize];
        byte[] viaSuffix = new byte[algorithm.IcvSize];

        // Every length up to a few blocks, then a few long messages; every split of each.
        foreach (int length in Lengths())
        {
            byte[] data = IntegrityReference.RandomBytes(random, length);
            byte[] expected = IntegrityReference.Icv(algorithm, key, data);
            for (int split = 0; split <= length; split++)
            {
                IntegrityContext context = transform.Rent();
                context.Append(data.AsSpan(0, split));
                context.Append(data.AsSpan(split));
                context.Finish(icv);
                transform.Return(context);
                transform.Compute(data.AsSpan(0, split), data.AsSpan(split), viaSuffix);
                if (!icv.AsSpan().SequenceEqual(expected) || !viaSuffix.AsSpan().SequenceEqual(expected))
                {
                    Assert.Fail($"length {length}, split at {split}: {Convert.ToHexString(icv)} / {Convert.ToHexString(viaSuffix)}, expected {Convert.ToHexString(expected)}");
                }
            }
        }

        Assert.Pass();
    }

    [TestCaseSource(nameof(Algorithms))]
    public void EveryThreeWaySplitOfShortMessagesEqualsTheWholeMessage(IntegrityAlgorithm algorithm)
    {
        var random = new Random(4494 + (int)algorithm.TransformId);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] icv = new byte[algorithm.IcvSize];

        for (int length = 0; length <= 50; length++)
        {
            byte[] data = IntegrityReference.RandomBytes(random, length);
            byte[] expected = IntegrityReference.Icv(algorithm, key, data);
            for (int first = 0; first <= length; first++)
            {
                for (int second = first; second <= length; second++)
                {
                    IntegrityContext context = transform.Rent();
                    context.Append(data.AsSpan(0, first));
                    context.Append(data.AsSpan(first, second - first));
                    context.Append(data.AsSpan(second));
                    context.Finish(icv);
                    transform.Return(context);
                    if (!icv.AsSpan().SequenceEqual(expected))
                    {
                        Assert.Fail($"length {length}, splits at {first} and {second}");
                    }
                }
            }
        }

        Assert.Pass();
    }

    [TestCaseSource(nameof(Algorithms))]
    public void OneByteAtATimeEqualsTheWholeMessage(IntegrityAlgorithm algorithm)
    {
        var random = new Random(2403 + (int)algorithm.TransformId);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] icv = new byte[algorithm.IcvSize];
        foreach (int length in new[] { 0, 1, 15, 16, 17, 31, 32, 33, 64, 127, 128, 129, 257, MaxLength })
        {
            byte[] data = IntegrityReference.RandomBytes(random, length);
            IntegrityContext context = transform.Rent();
            for (int i = 0; i < length; i++)
            {
                context.Append(data.AsSpan(i, 1));
                context.Append(default);
            }

            context.Finish(icv);
            transform.Return(context);
            Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, data)), $"length {length}");
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void AContextIsReusableAfterFinish(IntegrityAlgorithm algorithm)
    {
        var random = new Random(4868 + (int)algorithm.TransformId);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] icv = new byte[algorithm.IcvSize];
        IntegrityContext context = transform.Rent();
        for (int n = 0; n < 40; n++)
        {
            byte[] data = IntegrityReference.RandomBytes(random, random.Next(0, 100));
            context.Append(data);
            context.Finish(icv);
            Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, data)), $"message {n}");
        }

        transform.Return(context);
    }

    [TestCase(1)]
    [TestCase(16)]
    [TestCase(63)]
    [TestCase(64)]
    [TestCase(65)]
    [TestCase(128)]
    [TestCase(129)]
    [TestCase(300)]
    public void HmacAcceptsKeysOfAnyLength(int keyLength)
    {
        // RFC 2104 §2: keys longer than the hash block (64 or 128 octets) are hashed first; shorter ones zero-padded.
        var random = new Random(2104 + keyLength);
        byte[] key = IntegrityReference.RandomBytes(random, keyLength);
        byte[] data = IntegrityReference.RandomBytes(random, 200);
        foreach (IntegrityAlgorithm algorithm in new[]
                 {
                     IntegrityAlgorithm.HmacMd5_96, IntegrityAlgorithm.HmacSha1_96, IntegrityAlgorithm.HmacSha2_256_128,
                     IntegrityAlgorithm.HmacSha2_384_192, IntegrityAlgorithm.HmacSha2_512_256,
                 })
        {
            using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
            byte[] icv = new byte[algorithm.IcvSize];
            transform.Compute(data, default, icv);
            Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, data)), algorithm.Name);
        }
    }

    [Test]
    public void XcbcReferenceAgreesWithTheRfc3566Vector()
    {
        // RFC 3566 §4 test case #4, so the test-side reference is itself anchored.
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        byte[] data = Convert.FromHexString("000102030405060708090a0b0c0d0e0f10111213");
        Assert.That(Convert.ToHexStringLower(IntegrityReference.XcbcMac(key, data)), Is.EqualTo("47f51b4564966215b8985c63055ed308"));
    }

    [Test]
    public void CmacSubkeysMatchRfc4493()
    {
        // RFC 4493 §4, subkey generation for K = 2b7e1516 28aed2a6 abf71588 09cf4f3c.
        byte[] k1 = new byte[16];
        byte[] k2 = new byte[16];
        CmacSubkeys.Derive(Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c"), k1, k2);
        Assert.That(Convert.ToHexStringLower(k1), Is.EqualTo("fbeed618357133667c85e08f7236a8de"));
        Assert.That(Convert.ToHexStringLower(k2), Is.EqualTo("f7ddac306ae266ccf90bc11ee46d513b"));
    }

    [TestCase("00000000000000000000000000000001", "00000000000000000000000000000002")]
    [TestCase("80000000000000000000000000000000", "00000000000000000000000000000087")]
    [TestCase("00000000000000018000000000000000", "00000000000000030000000000000000")]
    [TestCase("ffffffffffffffffffffffffffffffff", "ffffffffffffffffffffffffffffff79")]
    public void DoublingShiftsLeftAndReducesByR128(string block, string doubled)
    {
        byte[] output = new byte[16];
        CmacSubkeys.Double(Convert.FromHexString(block), output);
        Assert.That(Convert.ToHexStringLower(output), Is.EqualTo(doubled));
    }

    [Test]
    public void XcbcPrfUsesA16ByteKeyAsIs()
    {
        var random = new Random(4434);
        for (int n = 0; n < 20; n++)
        {
            byte[] key = IntegrityReference.RandomBytes(random, 16);
            byte[] data = IntegrityReference.RandomBytes(random, random.Next(0, 100));
            byte[] prf = new byte[16];
            Prf.AesXcbc128(key, data, prf);
            Assert.That(prf, Is.EqualTo(IntegrityReference.XcbcMac(key, data)));
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(10)]
    [TestCase(15)]
    [TestCase(16)]
    [TestCase(17)]
    [TestCase(32)]
    [TestCase(100)]
    public void XcbcPrfFollowsRfc4434ForEveryKeyLength(int keyLength)
    {
        var random = new Random(44340 + keyLength);
        byte[] key = IntegrityReference.RandomBytes(random, keyLength);
        byte[] data = IntegrityReference.RandomBytes(random, 77);
        byte[] effectiveKey = new byte[16];
        if (keyLength <= 16)
        {
            key.CopyTo(effectiveKey, 0);
        }
        else
        {
            effectiveKey = IntegrityReference.XcbcMac(new byte[16], key);
        }

        byte[] prf = new byte[16];
        Prf.AesXcbc128(key, data, prf);
        Assert.That(prf, Is.EqualTo(IntegrityReference.XcbcMac(effectiveKey, data)));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(10)]
    [TestCase(15)]
    [TestCase(16)]
    [TestCase(17)]
    [TestCase(32)]
    [TestCase(100)]
    public void CmacPrfFollowsRfc4615ForEveryKeyLength(int keyLength)
    {
        var random = new Random(46150 + keyLength);
        byte[] key = IntegrityReference.RandomBytes(random, keyLength);
        byte[] data = IntegrityReference.RandomBytes(random, 77);
        byte[] effectiveKey = keyLength == 16 ? key : BouncyCastleCmac(new byte[16], key);

        byte[] prf = new byte[16];
        Prf.AesCmac128(key, data, prf);
        Assert.That(prf, Is.EqualTo(BouncyCastleCmac(effectiveKey, data)));
    }

    [Test]
    public void HmacPrfsMatchBouncyCastle()
    {
        var random = new Random(4231);
        byte[] key = IntegrityReference.RandomBytes(random, 57);
        byte[] data = IntegrityReference.RandomBytes(random, 333);
        byte[] output = new byte[64];

        Prf.HmacSha1(key, data, output);
        Assert.That(output[..20], Is.EqualTo(IntegrityReference.FullMac(IntegrityAlgorithm.HmacSha1_96, key, data)));
        Prf.HmacSha2_256(key, data, output);
        Assert.That(output[..32], Is.EqualTo(IntegrityReference.FullMac(IntegrityAlgorithm.HmacSha2_256_128, key, data)));
        Prf.HmacSha2_384(key, data, output);
        Assert.That(output[..48], Is.EqualTo(IntegrityReference.FullMac(IntegrityAlgorithm.HmacSha2_384_192, key, data)));
        Prf.HmacSha2_512(key, data, output);
        Assert.That(output, Is.EqualTo(IntegrityReference.FullMac(IntegrityAlgorithm.HmacSha2_512_256, key, data)));
    }

    private static IEnumerable<int> Lengths()
    {
        for (int length = 0; length <= 70; length++)
        {
            yield return length;
        }

        yield return 255;
        yield return 256;
        yield return 257;
        yield return MaxLength;
    }

    private static byte[] BouncyCastleCmac(byte[] key, byte[] data)
    {
        var cmac = new CMac(new AesEngine());
        cmac.Init(new KeyParameter(key));
        cmac.BlockUpdate(data, 0, data.Length);
        byte[] output = new byte[16];
        cmac.DoFinal(output, 0);
        return output;
    }
}
