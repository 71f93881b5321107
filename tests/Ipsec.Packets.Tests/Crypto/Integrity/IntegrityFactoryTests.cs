using System;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

public class IntegrityFactoryTests
{
    [TestCase(IntegrityTransformId.HmacMd5_96, typeof(HmacIntegrityTransform))]
    [TestCase(IntegrityTransformId.HmacSha1_96, typeof(HmacIntegrityTransform))]
    [TestCase(IntegrityTransformId.HmacSha2_256_128, typeof(HmacIntegrityTransform))]
    [TestCase(IntegrityTransformId.HmacSha2_384_192, typeof(HmacIntegrityTransform))]
    [TestCase(IntegrityTransformId.HmacSha2_512_256, typeof(HmacIntegrityTransform))]
    [TestCase(IntegrityTransformId.AesXcbc96, typeof(IntegrityCbcMacTransform))]
    [TestCase(IntegrityTransformId.AesCmac96, typeof(IntegrityCbcMacTransform))]
    public void BuildsTheTransformWithTheAlgorithmsIcvSize(IntegrityTransformId id, Type type)
    {
        IntegrityAlgorithm algorithm = Algorithm(id);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, new byte[algorithm.KeySize]);
        Assert.That(transform, Is.InstanceOf(type));
        Assert.That(transform.IcvSize, Is.EqualTo(algorithm.IcvSize));
    }

    [TestCase(IntegrityTransformId.AesXcbc96, 0)]
    [TestCase(IntegrityTransformId.AesXcbc96, 15)]
    [TestCase(IntegrityTransformId.AesXcbc96, 17)]
    [TestCase(IntegrityTransformId.AesXcbc96, 24)]
    [TestCase(IntegrityTransformId.AesXcbc96, 32)]
    [TestCase(IntegrityTransformId.AesCmac96, 0)]
    [TestCase(IntegrityTransformId.AesCmac96, 15)]
    [TestCase(IntegrityTransformId.AesCmac96, 17)]
    [TestCase(IntegrityTransformId.AesCmac96, 24)]
    [TestCase(IntegrityTransformId.AesCmac96, 32)]
    public void AesMacsRefuseKeysThatAreNot16Bytes(IntegrityTransformId id, int keyLength)
    {
        IntegrityAlgorithm algorithm = Algorithm(id);
        Assert.That(
            () => IntegrityFactory.Create(algorithm, new byte[keyLength]),
            Throws.ArgumentException.With.Message.Contains(algorithm.Name).And.Property(nameof(ArgumentException.ParamName)).EqualTo("key"));
    }

    [TestCase(IntegrityTransformId.HmacMd5_96)]
    [TestCase(IntegrityTransformId.HmacSha1_96)]
    [TestCase(IntegrityTransformId.HmacSha2_256_128)]
    [TestCase(IntegrityTransformId.HmacSha2_384_192)]
    [TestCase(IntegrityTransformId.HmacSha2_512_256)]
    public void HmacRefusesAnEmptyKey(IntegrityTransformId id)
    {
        IntegrityAlgorithm algorithm = Algorithm(id);
        Assert.That(
            () => IntegrityFactory.Create(algorithm, default),
            Throws.ArgumentException.With.Message.Contains(algorithm.Name).And.Property(nameof(ArgumentException.ParamName)).EqualTo("key"));
    }

    [TestCase(IntegrityTransformId.AesGmac128)]
    [TestCase(IntegrityTransformId.AesGmac192)]
    [TestCase(IntegrityTransformId.AesGmac256)]
    public void GmacIsBuiltOnTheAeadTransform(IntegrityTransformId id)
    {
        IntegrityAlgorithm algorithm = Algorithm(id);
        Assert.That(
            () => IntegrityFactory.Create(algorithm, new byte[algorithm.KeySize]),
            Throws.InstanceOf<NotSupportedException>().With.Message.Contains("AEAD").And.Message.Contains(algorithm.Name));
    }

    [Test]
    public void ANullAlgorithmIsRefused()
    {
        Assert.That(() => IntegrityFactory.Create(null!, new byte[16]), Throws.ArgumentNullException);
    }

    [Test]
    public void PrfHelpersRefuseAesKeysOfTheWrongSize()
    {
        byte[] output = new byte[16];
        Assert.That(() => Prf.AesXcbcMac(new byte[24], default, output), Throws.ArgumentException.With.Message.Contains("AES-XCBC-MAC"));
        Assert.That(() => Prf.AesCmac(new byte[32], default, output), Throws.ArgumentException.With.Message.Contains("AES-CMAC"));
    }

    private static IntegrityAlgorithm Algorithm(IntegrityTransformId id)
    {
        Assert.That(IntegrityAlgorithm.TryFromTransformId(id, out IntegrityAlgorithm? algorithm), Is.True);
        return algorithm!;
    }
}
