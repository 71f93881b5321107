using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// ChaCha20-Poly1305 on every path this machine can take, forced through <see cref="ChaCha20.ParallelBlocksLimit"/> (runs
/// of 16, 8, 4 or 1 blocks) and <see cref="Poly1305.LanesLimit"/> (8 lanes with AVX-512F, 4 with AVX2, the radix-2^64
/// loop): every known-answer vector, and the BCL's ChaCha20Poly1305 at every length 0..2,200 and at long lengths, sealing
/// and opening, in place and not, with a forged tag refused and the output left untouched.
/// </summary>
[NonParallelizable]
public class ChaCha20Poly1305PathTests
{
    private static readonly object s_gate = new();

    public static IEnumerable<TestCaseData> Paths()
    {
        foreach (int blocks in new[] { 16, 8, 4, 1 })
        {
            foreach (int lanes in new[] { 8, 4, 1 })
            {
                yield return new TestCaseData(blocks, lanes).SetName($"chacha{blocks}-poly{lanes}");
            }
        }
    }

    public static IEnumerable<TestCaseData> VectorsOnEveryPath()
    {
        var vectors = new List<(Vector Vector, bool Rfc)>();
        foreach (TestCaseData data in VectorFile.Cases("cipher-kat.json", v => v.Str("primitive") == "CHACHA20-POLY1305"))
        {
            vectors.Add(((Vector)data.Arguments[0]!, false));
        }

        foreach (TestCaseData data in VectorFile.Cases("esp-rfc.json", v => v.Has("aead_nonce_hex") && v.Str("encr") == "ENCR_CHACHA20_POLY1305"))
        {
            vectors.Add(((Vector)data.Arguments[0]!, true));
        }

        foreach ((Vector v, bool rfc) in vectors)
        {
            foreach (int blocks in new[] { 16, 8, 4, 1 })
            {
                foreach (int lanes in new[] { 8, 4, 1 })
                {
                    yield return new TestCaseData(v, rfc, blocks, lanes).SetName($"{v.Id}-chacha{blocks}-poly{lanes}");
                }
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> with both limits set, restoring them afterwards.</summary>
    private static void OnPath(int blocks, int lanes, Action body)
    {
        lock (s_gate)
        {
            int previousBlocks = ChaCha20.ParallelBlocksLimit, previousLanes = Poly1305.LanesLimit;
            ChaCha20.ParallelBlocksLimit = blocks;
            Poly1305.LanesLimit = lanes;
            try
            {
                body();
            }
            finally
            {
                ChaCha20.ParallelBlocksLimit = previousBlocks;
                Poly1305.LanesLimit = previousLanes;
            }
        }
    }

    [TestCaseSource(nameof(Paths))]
    public void TheLimitsPickThePath(int blocks, int lanes)
    {
        OnPath(blocks, lanes, () =>
        {
            Assert.That(ChaCha20.ParallelBlocks, Is.EqualTo(Math.Min(blocks, ChaCha20.MaximumParallelBlocks)));
            Assert.That(Poly1305.Lanes, Is.EqualTo(Math.Min(lanes, Poly1305.MaximumLanes)));
        });
    }

    [Test]
    public void ThisMachineHasThePathsItSaysItHas()
    {
        bool avx512 = System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        bool avx2 = System.Runtime.Intrinsics.X86.Avx2.IsSupported;
        Assert.That(Poly1305.MaximumLanes, Is.EqualTo(avx512 ? 8 : avx2 ? 4 : 1));
        TestContext.Out.WriteLine($"ChaCha20 runs of up to {ChaCha20.MaximumParallelBlocks} blocks, Poly1305 up to {Poly1305.MaximumLanes} lanes");
    }

    [TestCaseSource(nameof(VectorsOnEveryPath))]
    public void PassesTheKnownAnswerVector(Vector v, bool rfc, int blocks, int lanes)
    {
        var vectors = new AeadKnownAnswerTests();
        OnPath(blocks, lanes, () =>
        {
            if (rfc)
            {
                vectors.OpensAndResealsThePublishedEspPacket(v, Engine.Hardware);
            }
            else
            {
                vectors.SealsAndOpensTheKatVector(v, Engine.Hardware);
            }
        });
    }

    [TestCaseSource(nameof(Paths))]
    public void MatchesTheBclAtEveryLength(int blocks, int lanes)
    {
        RequireBcl();
        var random = new Random((blocks * 100) + lanes);
        byte[] keymat = new byte[36];
        random.NextBytes(keymat);
        OnPath(blocks, lanes, () =>
        {
            using AeadTransform aead = AeadFactory.Create(EncryptionAlgorithm.ChaCha20Poly1305, keymat);
            using var bcl = new ChaCha20Poly1305(keymat.AsSpan(0, 32));
            var lengths = new List<int>();
            for (int length = 0; length <= 2200; length++)
            {
                lengths.Add(length);
            }

            lengths.AddRange([4095, 4096, 4097, 8999, 9000, 9001, 16383, 65535, 65536]);
            foreach (int length in lengths)
            {
                CheckOne(aead, bcl, keymat, random, length);
            }
        });
    }

    private static void CheckOne(AeadTransform aead, ChaCha20Poly1305 bcl, byte[] keymat, Random random, int length)
    {
        byte[] iv = new byte[8];
        random.NextBytes(iv);
        byte[] nonce = [.. keymat.AsSpan(32, 4), .. iv];
        byte[] aad = new byte[random.Next(0, 24)];
        random.NextBytes(aad);
        int split = random.Next(0, aad.Length + 1);
        byte[] plaintext = new byte[length];
        random.NextBytes(plaintext);

        byte[] expected = new byte[length];
        byte[] expectedTag = new byte[16];
        bcl.Encrypt(nonce, plaintext, expected, expectedTag, aad);

        byte[] ciphertext = new byte[length];
        byte[] tag = new byte[16];
        aead.Seal(iv, aad.AsSpan(0, split), aad.AsSpan(split), plaintext, ciphertext, tag);
        Assert.That(ciphertext, Is.EqualTo(expected), $"ciphertext, length {length}");
        Assert.That(tag, Is.EqualTo(expectedTag), $"tag, length {length}");

        byte[] inPlace = (byte[])plaintext.Clone();
        aead.Seal(iv, aad.AsSpan(0, split), aad.AsSpan(split), inPlace, inPlace, tag);
        Assert.That(inPlace, Is.EqualTo(expected), $"in-place ciphertext, length {length}");
        Assert.That(tag, Is.EqualTo(expectedTag), $"in-place tag, length {length}");

        byte[] opened = new byte[length];
        Assert.That(aead.TryOpen(iv, aad.AsSpan(0, split), aad.AsSpan(split), expected, expectedTag, opened), Is.True, $"open, length {length}");
        Assert.That(opened, Is.EqualTo(plaintext), $"opened, length {length}");
        Assert.That(aead.TryOpen(iv, aad.AsSpan(0, split), aad.AsSpan(split), inPlace, expectedTag, inPlace), Is.True, $"in-place open, length {length}");
        Assert.That(inPlace, Is.EqualTo(plaintext), $"in-place opened, length {length}");

        expectedTag[random.Next(0, 16)] ^= (byte)(1 << random.Next(0, 8));
        byte[] untouched = new byte[length];
        Assert.That(aead.TryOpen(iv, aad.AsSpan(0, split), aad.AsSpan(split), expected, expectedTag, untouched), Is.False, $"forged tag, length {length}");
        Assert.That(untouched, Is.All.EqualTo(0), $"nothing written on a forged tag, length {length}");
    }

    private static void RequireBcl()
    {
        if (!ChaCha20Poly1305.IsSupported)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail("The BCL has no ChaCha20-Poly1305 on this platform (CI=true: the cross-check must run).");
            }

            Assert.Ignore("The BCL has no ChaCha20-Poly1305 on this platform.");
        }
    }
}
