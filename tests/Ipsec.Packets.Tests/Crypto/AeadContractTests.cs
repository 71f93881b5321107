using System;
using System.Collections.Generic;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Forgeries, in-place use, allocations, key sizes and disposal, for every AEAD on both engine paths.</summary>
public class AeadContractTests
{
    public static IEnumerable<TestCaseData> Algorithms()
    {
        foreach (EncryptionAlgorithm algorithm in EncryptionAlgorithm.All.ToArray())
        {
            if (algorithm.IsAead)
            {
                yield return new TestCaseData(algorithm, Engine.Hardware).SetName($"{algorithm.Name}-hw");
                yield return new TestCaseData(algorithm, Engine.Software).SetName($"{algorithm.Name}-sw");
            }
        }
    }

    private sealed class Fixture : IDisposable
    {
        public readonly AeadTransform Aead;
        public readonly byte[] Keymat;
        public readonly byte[] Iv = new byte[8];
        public readonly byte[] AadHead = new byte[8];
        public readonly byte[] AadTail;
        public readonly byte[] Plaintext;
        public readonly byte[] Ciphertext;
        public readonly byte[] Tag;

        public Fixture(EncryptionAlgorithm algorithm, Engine engine, int length = 61, int seed = 4303)
        {
            var random = new Random(seed);
            Keymat = new byte[algorithm.KeySizesInBits[^1] / 8 + algorithm.SaltSize];
            random.NextBytes(Keymat);
            random.NextBytes(Iv);
            random.NextBytes(AadHead);
            AadTail = new byte[algorithm.IsAuthenticationOnly ? 8 + length : 0];
            random.NextBytes(AadTail);
            Plaintext = new byte[algorithm.IsAuthenticationOnly ? 0 : length];
            random.NextBytes(Plaintext);
            Ciphertext = new byte[Plaintext.Length];
            Tag = new byte[algorithm.IcvSize];
            byte[] keymat = Keymat;
            Aead = EngineScope.Create(engine, () => AeadFactory.Create(algorithm, keymat));
            Aead.Seal(Iv, AadHead, AadTail, Plaintext, Ciphertext, Tag);
        }

        public bool Open(byte[] ciphertext, byte[] tag, byte[] aadHead, byte[] aadTail, byte[] output) =>
            Aead.TryOpen(Iv, aadHead, aadTail, ciphertext, tag, output);

        public void Dispose() => Aead.Dispose();
    }

    [TestCaseSource(nameof(Algorithms))]
    public void RejectsEveryForgeryAndLeavesThePlaintextUntouched(EncryptionAlgorithm algorithm, Engine engine)
    {
        using var f = new Fixture(algorithm, engine);
        byte[] output = new byte[f.Plaintext.Length];
        Assert.That(f.Open(f.Ciphertext, f.Tag, f.AadHead, f.AadTail, output), Is.True);
        Assert.That(output, Is.EqualTo(f.Plaintext));

        void ExpectRejected(byte[] ciphertext, byte[] tag, byte[] head, byte[] tail, string what)
        {
            byte[] poisoned = new byte[ciphertext.Length];
            Array.Fill(poisoned, (byte)0xA5);
            Assert.That(f.Open(ciphertext, tag, head, tail, poisoned), Is.False, what);
            Assert.That(poisoned, Is.All.EqualTo((byte)0xA5), what + ": output written");
        }

        for (int bit = 0; bit < f.Tag.Length * 8; bit += 5)
        {
            byte[] tag = (byte[])f.Tag.Clone();
            tag[bit / 8] ^= (byte)(1 << (bit % 8));
            ExpectRejected(f.Ciphertext, tag, f.AadHead, f.AadTail, $"tag bit {bit}");
        }

        for (int bit = 0; bit < f.Ciphertext.Length * 8; bit += 7)
        {
            byte[] ciphertext = (byte[])f.Ciphertext.Clone();
            ciphertext[bit / 8] ^= (byte)(1 << (bit % 8));
            ExpectRejected(ciphertext, f.Tag, f.AadHead, f.AadTail, $"ciphertext bit {bit}");
        }

        for (int bit = 0; bit < f.AadHead.Length * 8; bit += 3)
        {
            byte[] head = (byte[])f.AadHead.Clone();
            head[bit / 8] ^= (byte)(1 << (bit % 8));
            ExpectRejected(f.Ciphertext, f.Tag, head, f.AadTail, $"AAD head bit {bit}");
        }

        for (int bit = 0; bit < f.AadTail.Length * 8; bit += 11)
        {
            byte[] tail = (byte[])f.AadTail.Clone();
            tail[bit / 8] ^= (byte)(1 << (bit % 8));
            ExpectRejected(f.Ciphertext, f.Tag, f.AadHead, tail, $"AAD tail bit {bit}");
        }

        // Moving bytes between head and tail keeps the concatenation, so it must still verify; dropping a byte must not.
        Assert.That(f.Aead.TryOpen(f.Iv, f.AadHead.AsSpan(0, 5), [.. f.AadHead.AsSpan(5), .. f.AadTail], f.Ciphertext, f.Tag, output), Is.True);
        ExpectRejected(f.Ciphertext, f.Tag, f.AadHead.AsSpan(1).ToArray(), f.AadTail, "AAD shortened");
        ExpectRejected(f.Ciphertext, f.Tag.AsSpan(0, f.Tag.Length - 1).ToArray(), f.AadHead, f.AadTail, "tag shortened");

        byte[] otherIv = (byte[])f.Iv.Clone();
        otherIv[7] ^= 0x80;
        byte[] poisonedOutput = new byte[f.Plaintext.Length];
        Assert.That(f.Aead.TryOpen(otherIv, f.AadHead, f.AadTail, f.Ciphertext, f.Tag, poisonedOutput), Is.False, "other IV");
    }

    [TestCaseSource(nameof(Algorithms))]
    public void NeverAcceptsRandomGarbage(EncryptionAlgorithm algorithm, Engine engine)
    {
        using var f = new Fixture(algorithm, engine);
        var random = new Random(7634);
        for (int i = 0; i < 200; i++)
        {
            byte[] ciphertext = new byte[algorithm.IsAuthenticationOnly ? 0 : random.Next(0, 300)];
            byte[] tag = new byte[algorithm.IcvSize];
            byte[] tail = new byte[random.Next(0, 40)];
            random.NextBytes(ciphertext);
            random.NextBytes(tag);
            random.NextBytes(tail);
            Assert.That(f.Aead.TryOpen(f.Iv, f.AadHead, tail, ciphertext, tag, new byte[ciphertext.Length]), Is.False);
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void WorksInPlace(EncryptionAlgorithm algorithm, Engine engine)
    {
        foreach (int length in new[] { 0, 1, 16, 61, 64, 200, 1400 })
        {
            using var f = new Fixture(algorithm, engine, length);
            byte[] buffer = (byte[])f.Plaintext.Clone();
            byte[] tag = new byte[algorithm.IcvSize];
            f.Aead.Seal(f.Iv, f.AadHead, f.AadTail, buffer, buffer, tag);
            Assert.That(buffer, Is.EqualTo(f.Ciphertext));
            Assert.That(tag, Is.EqualTo(f.Tag));
            Assert.That(f.Aead.TryOpen(f.Iv, f.AadHead, f.AadTail, buffer, tag, buffer), Is.True);
            Assert.That(buffer, Is.EqualTo(f.Plaintext));
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void RejectsPartialOverlapAndWrongSizes(EncryptionAlgorithm algorithm, Engine engine)
    {
        using var f = new Fixture(algorithm, engine);
        byte[] tag = new byte[algorithm.IcvSize];
        Assert.That(() => f.Aead.Seal(new byte[7], f.AadHead, f.AadTail, f.Plaintext, new byte[f.Plaintext.Length], tag), Throws.ArgumentException);
        Assert.That(() => f.Aead.Seal(f.Iv, f.AadHead, f.AadTail, f.Plaintext, new byte[f.Plaintext.Length], new byte[tag.Length + 1]), Throws.ArgumentException);
        if (!algorithm.IsAuthenticationOnly)
        {
            byte[] buffer = new byte[f.Plaintext.Length + 1];
            Assert.That(() => f.Aead.Seal(f.Iv, f.AadHead, f.AadTail, buffer.AsSpan(0, f.Plaintext.Length), buffer.AsSpan(1), tag), Throws.ArgumentException);
            Assert.That(() => f.Aead.TryOpen(f.Iv, f.AadHead, f.AadTail, buffer.AsSpan(1), f.Tag, buffer.AsSpan(0, f.Plaintext.Length)), Throws.ArgumentException);
            Assert.That(() => f.Aead.Seal(f.Iv, f.AadHead, f.AadTail, f.Plaintext, new byte[f.Plaintext.Length - 1], tag), Throws.ArgumentException);
        }
        else
        {
            Assert.That(() => f.Aead.Seal(f.Iv, f.AadHead, f.AadTail, new byte[4], new byte[4], tag), Throws.ArgumentException);
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void OpeningVerifyingFirstDecryptsGenuineTextAndNeverWritesForAForgery(EncryptionAlgorithm algorithm, Engine engine)
    {
        foreach (int length in new[] { 0, 61, 255, 256, 1_400, 9_000 })
        {
            using var f = new Fixture(algorithm, engine, length);
            byte[] output = new byte[f.Plaintext.Length];
            Assert.That(f.Aead.TryOpenVerifyingFirst(f.Iv, f.AadHead, f.AadTail, f.Ciphertext, f.Tag, output), Is.True, $"genuine, {length} bytes");
            Assert.That(output, Is.EqualTo(f.Plaintext), $"plaintext, {length} bytes");
            byte[] forged = (byte[])f.Tag.Clone();
            forged[^1] ^= 0x80;
            Array.Fill(output, (byte)0xA5);
            Assert.That(f.Aead.TryOpenVerifyingFirst(f.Iv, f.AadHead, f.AadTail, f.Ciphertext, forged, output), Is.False, $"forged, {length} bytes");
            Assert.That(output, Is.All.EqualTo((byte)0xA5), $"output written for a forgery, {length} bytes");
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void AllocatesNothingPerCall(EncryptionAlgorithm algorithm, Engine engine)
    {
        using var f = new Fixture(algorithm, engine, length: 1400);
        byte[] ciphertext = new byte[f.Plaintext.Length];
        byte[] tag = new byte[algorithm.IcvSize];
        byte[] output = new byte[f.Plaintext.Length];
        byte[] forged = (byte[])f.Tag.Clone();
        forged[0] ^= 1;
        bool sink = true;
        Assert.That(Allocations.Measure(() => f.Aead.Seal(f.Iv, f.AadHead, f.AadTail, f.Plaintext, ciphertext, tag)), Is.Zero, "Seal");
        Assert.That(Allocations.Measure(() => sink &= f.Aead.TryOpen(f.Iv, f.AadHead, f.AadTail, f.Ciphertext, f.Tag, output)), Is.Zero, "TryOpen");
        Assert.That(Allocations.Measure(() => sink &= !f.Aead.TryOpen(f.Iv, f.AadHead, f.AadTail, f.Ciphertext, forged, output)), Is.Zero, "TryOpen forged");
        Assert.That(Allocations.Measure(() => sink &= f.Aead.TryOpenVerifyingFirst(f.Iv, f.AadHead, f.AadTail, f.Ciphertext, f.Tag, output)), Is.Zero, "TryOpenVerifyingFirst");
        Assert.That(Allocations.Measure(() => sink &= !f.Aead.TryOpenVerifyingFirst(f.Iv, f.AadHead, f.AadTail, f.Ciphertext, forged, output)), Is.Zero, "TryOpenVerifyingFirst forged");
        Assert.That(sink, Is.True);
    }

    [TestCaseSource(nameof(Algorithms))]
    public void DisposeZeroesTheKeyArrays(EncryptionAlgorithm algorithm, Engine engine)
    {
        var f = new Fixture(algorithm, engine);
        List<byte[]> before = KeyArrays.Snapshot(f.Aead);
        Assert.That(before, Is.Not.Empty);
        Assert.That(before.TrueForAll(KeyArrays.AllZero), Is.False, "key arrays hold something before Dispose");
        f.Dispose();
        List<byte[]> after = KeyArrays.Snapshot(f.Aead);
        Assert.That(after.TrueForAll(KeyArrays.AllZero), Is.True);
    }

    [TestCaseSource(nameof(Algorithms))]
    public void RejectsBadKeyMaterialLengthsWithoutShowingTheKey(EncryptionAlgorithm algorithm, Engine engine)
    {
        for (int length = 0; length <= 48; length++)
        {
            bool valid = length >= algorithm.SaltSize && algorithm.IsValidKeySize((length - algorithm.SaltSize) * 8);
            byte[] keymat = new byte[length];
            Array.Fill(keymat, (byte)0xC3);
            if (valid)
            {
                EngineScope.Create(engine, () => AeadFactory.Create(algorithm, keymat)).Dispose();
                continue;
            }

            ArgumentException? e = Assert.Throws<ArgumentException>(() => EngineScope.Create(engine, () => AeadFactory.Create(algorithm, keymat)));
            Assert.That(e!.Message, Does.Contain(algorithm.Name));
            Assert.That(e.Message, Does.Contain((algorithm.KeySizesInBits[0] / 8 + algorithm.SaltSize).ToString()));
            Assert.That(e.Message, Does.Not.Contain("c3c3").IgnoreCase);
            Assert.That(e.ParamName, Is.EqualTo("keyMaterial"));
        }

        Assert.That(() => AeadFactory.Create(EncryptionAlgorithm.AesCbc, new byte[16]), Throws.ArgumentException);
    }

    [Test]
    public void ToStringShowsNoKey()
    {
        byte[] keymat = new byte[36];
        Array.Fill(keymat, (byte)0x5A);
        foreach (EncryptionAlgorithm algorithm in new[] { EncryptionAlgorithm.AesGcm16, EncryptionAlgorithm.AesCcm16, EncryptionAlgorithm.ChaCha20Poly1305, EncryptionAlgorithm.NullAuthAesGmac })
        {
            using AeadTransform aead = AeadFactory.Create(algorithm, keymat.AsSpan(0, 32 + algorithm.SaltSize));
            Assert.That(aead.ToString(), Does.Not.Contain("5a").IgnoreCase);
        }
    }
}
