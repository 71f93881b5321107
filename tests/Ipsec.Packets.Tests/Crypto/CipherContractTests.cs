using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>AES-CBC, AES-CTR, 3DES-CBC and NULL: BCL cross-checks, IV generation, allocations, key sizes, disposal.</summary>
public class CipherContractTests
{
    public static IEnumerable<TestCaseData> Algorithms()
    {
        foreach (EncryptionAlgorithm algorithm in EncryptionAlgorithm.All.ToArray())
        {
            if (!algorithm.IsAead)
            {
                yield return new TestCaseData(algorithm, Engine.Hardware).SetName($"{algorithm.Name}-hw");
                yield return new TestCaseData(algorithm, Engine.Software).SetName($"{algorithm.Name}-sw");
            }
        }
    }

    public static IEnumerable<TestCaseData> AesKeys()
    {
        foreach (int bits in new[] { 128, 192, 256 })
        {
            yield return new TestCaseData(bits, Engine.Hardware).SetName($"AES-{bits}-hw");
            yield return new TestCaseData(bits, Engine.Software).SetName($"AES-{bits}-sw");
        }
    }

    private static readonly Engine[] s_engines = [Engine.Hardware, Engine.Software];

    private static CipherTransform Create(EncryptionAlgorithm algorithm, Engine engine, byte[] keymat) =>
        EngineScope.Create(engine, () => CipherFactory.Create(algorithm, keymat));

    private static byte[] RandomKeymat(EncryptionAlgorithm algorithm, Random random)
    {
        byte[] keymat = new byte[algorithm.KeySizesInBits[^1] / 8 + algorithm.SaltSize];
        random.NextBytes(keymat);
        return keymat;
    }

    [TestCaseSource(nameof(AesKeys))]
    public void AesCbcMatchesTheBcl(int keyBits, Engine engine)
    {
        var random = new Random(3602 + keyBits);
        byte[] key = new byte[keyBits / 8];
        random.NextBytes(key);
        using var reference = Aes.Create();
        reference.Key = key;
        using CipherTransform cbc = Create(EncryptionAlgorithm.AesCbc, engine, key);
        for (int blocks = 0; blocks <= 125; blocks += 1 + blocks / 8)
        {
            byte[] iv = new byte[16];
            byte[] plaintext = new byte[blocks * 16];
            random.NextBytes(iv);
            random.NextBytes(plaintext);
            byte[] expected = reference.EncryptCbc(plaintext, iv, PaddingMode.None);
            CipherKnownAnswerTests.AssertBothDirections(cbc, iv, plaintext, expected);
        }
    }

    [TestCaseSource(nameof(AesKeys))]
    public void AesCtrMatchesTheBclBlockCipher(int keyBits, Engine engine)
    {
        var random = new Random(3686 + keyBits);
        byte[] keymat = new byte[keyBits / 8 + 4];
        random.NextBytes(keymat);
        using var reference = Aes.Create();
        reference.Key = keymat.AsSpan(0, keyBits / 8).ToArray();
        using CipherTransform ctr = Create(EncryptionAlgorithm.AesCtr, engine, keymat);
        foreach (int length in new[] { 0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 200, 1400, 2000, random.Next(2001), random.Next(2001) })
        {
            byte[] iv = new byte[8];
            random.NextBytes(iv);
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);

            // Counter blocks nonce || IV || i (i from 1, big-endian), encrypted with ECB, give the key stream.
            int blocks = (length + 15) / 16;
            byte[] counters = new byte[blocks * 16];
            for (int i = 0; i < blocks; i++)
            {
                keymat.AsSpan(keyBits / 8).CopyTo(counters.AsSpan(16 * i));
                iv.CopyTo(counters.AsSpan(16 * i + 4));
                BinaryPrimitives.WriteUInt32BigEndian(counters.AsSpan(16 * i + 12), (uint)i + 1);
            }

            byte[] keystream = reference.EncryptEcb(counters, PaddingMode.None);
            byte[] expected = new byte[length];
            for (int i = 0; i < length; i++)
            {
                expected[i] = (byte)(plaintext[i] ^ keystream[i]);
            }

            CipherKnownAnswerTests.AssertBothDirections(ctr, iv, plaintext, expected);
        }
    }

    [TestCaseSource(nameof(s_engines))]
    public void TripleDesCbcMatchesTheBcl(Engine engine)
    {
        var random = new Random(2451);
        byte[] key = new byte[24];
        random.NextBytes(key);
        using var reference = TripleDES.Create();
        reference.Key = key;
        using CipherTransform des = Create(EncryptionAlgorithm.TripleDesCbc, engine, key);
        for (int blocks = 0; blocks <= 190; blocks += 1 + blocks / 4)
        {
            byte[] iv = new byte[8];
            byte[] plaintext = new byte[blocks * 8];
            random.NextBytes(iv);
            random.NextBytes(plaintext);
            CipherKnownAnswerTests.AssertBothDirections(des, iv, plaintext, reference.EncryptCbc(plaintext, iv, PaddingMode.None));
        }
    }

    [TestCaseSource(nameof(s_engines))]
    public void AesCbcIvsAreTheCipherOfASecretPrefixAndTheSequenceNumber(Engine engine)
    {
        byte[] key = new byte[16];
        new Random(38).NextBytes(key);
        using CipherTransform first = Create(EncryptionAlgorithm.AesCbc, engine, key);
        using CipherTransform second = Create(EncryptionAlgorithm.AesCbc, engine, key);
        using var reference = Aes.Create();
        reference.Key = key;

        var seen = new HashSet<string>();
        byte[]? prefix = null;
        byte[] iv = new byte[16];
        byte[] other = new byte[16];
        foreach (ulong seq in new ulong[] { 0, 1, 2, 3, 255, 256, 0xFFFFFFFF, 0x100000000, ulong.MaxValue - 1, ulong.MaxValue })
        {
            first.CreateIv(seq, iv);
            Assert.That(seen.Add(Convert.ToHexString(iv)), Is.True, $"IV repeated at {seq}");
            second.CreateIv(seq, other);
            Assert.That(other, Is.Not.EqualTo(iv), "two SAs with the same key must not share IVs");

            byte[] decrypted = reference.DecryptEcb(iv, PaddingMode.None);
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(decrypted.AsSpan(8)), Is.EqualTo(seq));
            prefix ??= decrypted.AsSpan(0, 8).ToArray();
            Assert.That(decrypted.AsSpan(0, 8).ToArray(), Is.EqualTo(prefix), "the per-SA prefix is fixed");
        }

        Assert.That(Allocations.Measure(() => first.CreateIv(42, iv)), Is.Zero);
    }

    [TestCaseSource(nameof(s_engines))]
    public void TripleDesIvsAreTheCipherOfTheMaskedSequenceNumber(Engine engine)
    {
        byte[] key = new byte[24];
        new Random(3).NextBytes(key);
        using CipherTransform first = Create(EncryptionAlgorithm.TripleDesCbc, engine, key);
        using CipherTransform second = Create(EncryptionAlgorithm.TripleDesCbc, engine, key);
        using var reference = TripleDES.Create();
        reference.Key = key;
        byte[] iv = new byte[8];
        byte[] other = new byte[8];
        ulong? mask = null;
        var seen = new HashSet<string>();
        for (ulong seq = 1; seq < 300; seq += 7)
        {
            first.CreateIv(seq, iv);
            Assert.That(seen.Add(Convert.ToHexString(iv)), Is.True);
            second.CreateIv(seq, other);
            Assert.That(other, Is.Not.EqualTo(iv));
            ulong value = BinaryPrimitives.ReadUInt64BigEndian(reference.DecryptEcb(iv, PaddingMode.None)) ^ seq;
            mask ??= value;
            Assert.That(value, Is.EqualTo(mask.Value));
        }
    }

    [Test]
    public void AesCtrIvIsTheSequenceNumber()
    {
        using CipherTransform ctr = CipherFactory.Create(EncryptionAlgorithm.AesCtr, new byte[20]);
        byte[] iv = new byte[8];
        ctr.CreateIv(0x0102030405060708, iv);
        Assert.That(iv, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.That(Allocations.Measure(() => ctr.CreateIv(9, iv)), Is.Zero);
    }

    [Test]
    public void NullCopiesAndHasNoIv()
    {
        using CipherTransform none = CipherFactory.Create(EncryptionAlgorithm.Null, default);
        Assert.That(none.IvSize, Is.Zero);
        Assert.That(none.BlockSize, Is.EqualTo(1));
        byte[] source = [1, 2, 3];
        byte[] destination = new byte[3];
        none.Encrypt(default, source, destination);
        Assert.That(destination, Is.EqualTo(source));
        none.Decrypt(default, source, source);
        Assert.That(source, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(() => CipherFactory.Create(EncryptionAlgorithm.Null, new byte[1]), Throws.ArgumentException);
    }

    [TestCaseSource(nameof(Algorithms))]
    public void AllocatesNothingPerCall(EncryptionAlgorithm algorithm, Engine engine)
    {
        var random = new Random(1);
        using CipherTransform cipher = Create(algorithm, engine, RandomKeymat(algorithm, random));
        byte[] iv = new byte[cipher.IvSize];
        byte[] source = new byte[1408];
        byte[] destination = new byte[source.Length];
        random.NextBytes(source);
        cipher.CreateIv(5, iv);
        Assert.That(Allocations.Measure(() => cipher.CreateIv(7, iv)), Is.Zero, "CreateIv");
        Assert.That(Allocations.Measure(() => cipher.Encrypt(iv, source, destination)), Is.Zero, "Encrypt");
        Assert.That(Allocations.Measure(() => cipher.Decrypt(iv, destination, source)), Is.Zero, "Decrypt");
        Assert.That(Allocations.Measure(() => cipher.Encrypt(iv, source, source)), Is.Zero, "Encrypt in place");
    }

    [TestCaseSource(nameof(Algorithms))]
    public void RejectsWrongSizesAndPartialOverlap(EncryptionAlgorithm algorithm, Engine engine)
    {
        using CipherTransform cipher = Create(algorithm, engine, RandomKeymat(algorithm, new Random(2)));
        byte[] iv = new byte[cipher.IvSize];
        byte[] buffer = new byte[65];
        Assert.That(() => cipher.Encrypt(new byte[cipher.IvSize + 1], buffer.AsSpan(0, 32), new byte[32]), Throws.ArgumentException);
        Assert.That(() => cipher.Encrypt(iv, buffer.AsSpan(0, 32), new byte[31]), Throws.ArgumentException);
        Assert.That(() => cipher.Encrypt(iv, buffer.AsSpan(0, 32), buffer.AsSpan(cipher.BlockSize, 32)), Throws.ArgumentException);
        Assert.That(() => cipher.Decrypt(iv, buffer.AsSpan(0, 32), buffer.AsSpan(cipher.BlockSize, 32)), Throws.ArgumentException);
        Assert.That(() => cipher.CreateIv(1, new byte[cipher.IvSize + 1]), Throws.ArgumentException);
        if (cipher.BlockSize > 1)
        {
            Assert.That(() => cipher.Encrypt(iv, buffer.AsSpan(0, 33), new byte[33]), Throws.ArgumentException);
            Assert.That(() => cipher.Decrypt(iv, buffer.AsSpan(0, 33), new byte[33]), Throws.ArgumentException);
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void RejectsBadKeyMaterialLengthsWithoutShowingTheKey(EncryptionAlgorithm algorithm, Engine engine)
    {
        for (int length = 0; length <= 40; length++)
        {
            bool valid = length >= algorithm.SaltSize && algorithm.IsValidKeySize((length - algorithm.SaltSize) * 8);
            byte[] keymat = new byte[length];
            Array.Fill(keymat, (byte)0xC3);
            if (valid)
            {
                Create(algorithm, engine, keymat).Dispose();
                continue;
            }

            ArgumentException? e = Assert.Throws<ArgumentException>(() => Create(algorithm, engine, keymat));
            Assert.That(e!.Message, Does.Contain(algorithm.Name));
            Assert.That(e.Message, Does.Contain((algorithm.KeySizesInBits[0] / 8 + algorithm.SaltSize).ToString()));
            Assert.That(e.Message, Does.Not.Contain("c3c3").IgnoreCase);
        }

        Assert.That(() => CipherFactory.Create(EncryptionAlgorithm.AesGcm16, new byte[20]), Throws.ArgumentException);
    }

    [TestCaseSource(nameof(s_engines))]
    public void DisposeZeroesTheKeyArrays(Engine engine)
    {
        byte[] keymat = new byte[36];
        new Random(9).NextBytes(keymat);
        foreach (CipherTransform cipher in new[]
        {
            Create(EncryptionAlgorithm.AesCbc, engine, keymat.AsSpan(0, 32).ToArray()),
            Create(EncryptionAlgorithm.AesCtr, engine, keymat),
        })
        {
            List<byte[]> before = KeyArrays.Snapshot(cipher);
            if (engine == Engine.Hardware && CryptoEngine.IsHardwareSupported)
            {
                Assert.That(before.Count, Is.GreaterThanOrEqualTo(2));
            }

            Assert.That(before.TrueForAll(KeyArrays.AllZero), Is.EqualTo(before.Count == 0));
            cipher.Dispose();
            Assert.That(KeyArrays.Snapshot(cipher).TrueForAll(KeyArrays.AllZero), Is.True);
        }
    }
}
