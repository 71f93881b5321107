using Ipsec.Packets;
using NUnit.Framework;

namespace Ipsec.Packets.Tests;

public class AlgorithmCatalogTests
{
    [Test]
    public void EveryEncryptionAlgorithmRoundTripsThroughItsTransformId()
    {
        foreach (EncryptionAlgorithm algorithm in EncryptionAlgorithm.All)
        {
            Assert.That(EncryptionAlgorithm.TryFromTransformId(algorithm.TransformId, out EncryptionAlgorithm? found), Is.True);
            Assert.That(found, Is.SameAs(algorithm));
        }
    }

    [Test]
    public void EveryIntegrityAlgorithmRoundTripsThroughItsTransformId()
    {
        foreach (IntegrityAlgorithm algorithm in IntegrityAlgorithm.All)
        {
            Assert.That(IntegrityAlgorithm.TryFromTransformId(algorithm.TransformId, out IntegrityAlgorithm? found), Is.True);
            Assert.That(found, Is.SameAs(algorithm));
        }
    }

    [TestCase((ushort)20, 16)]
    [TestCase((ushort)19, 12)]
    [TestCase((ushort)18, 8)]
    [TestCase((ushort)16, 16)]
    [TestCase((ushort)14, 8)]
    public void AeadIcvSizesFollowTheIanaNames(ushort id, int icvSize)
    {
        Assert.That(EncryptionAlgorithm.TryFromTransformId((EncryptionTransformId)id, out EncryptionAlgorithm? algorithm), Is.True);
        Assert.That(algorithm!.IcvSize, Is.EqualTo(icvSize));
    }

    [Test]
    public void UnknownTransformIdsAreRefused()
    {
        Assert.That(EncryptionAlgorithm.TryFromTransformId((EncryptionTransformId)999, out _), Is.False);
        Assert.That(IntegrityAlgorithm.TryFromTransformId(IntegrityTransformId.None, out _), Is.False);
    }
}
