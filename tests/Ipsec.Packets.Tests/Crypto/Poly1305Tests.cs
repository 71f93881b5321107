using System;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// Poly1305 on whole blocks: the RFC 8439 Appendix A.3 edge cases (carries, h ≥ p), BouncyCastle on random input, and each
/// vector path (8 lanes with AVX-512F, 4 with AVX2) against the radix-2^64 loop at every block count up to 700.
/// </summary>
[NonParallelizable]
public class Poly1305Tests
{
    // RFC 8439 A.3 test vectors #5–#11 (all whole 16-byte blocks): r || s, message, tag.
    [TestCase("0200000000000000000000000000000000000000000000000000000000000000", "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000")]
    [TestCase("02000000000000000000000000000000ffffffffffffffffffffffffffffffff", "02000000000000000000000000000000", "03000000000000000000000000000000")]
    [TestCase("0100000000000000000000000000000000000000000000000000000000000000",
        "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff11000000000000000000000000000000", "05000000000000000000000000000000")]
    [TestCase("0100000000000000000000000000000000000000000000000000000000000000",
        "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe01010101010101010101010101010101", "00000000000000000000000000000000")]
    [TestCase("0200000000000000000000000000000000000000000000000000000000000000", "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff")]
    [TestCase("0100000000000000040000000000000000000000000000000000000000000000",
        "e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000",
        "14000000000000005500000000000000")]
    [TestCase("0100000000000000040000000000000000000000000000000000000000000000",
        "e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000", "13000000000000000000000000000000")]
    public void MatchesTheRfc8439EdgeCases(string key, string message, string tag)
    {
        Assert.That(Compute(Convert.FromHexString(key), Convert.FromHexString(message)), Is.EqualTo(Convert.FromHexString(tag)));
    }

    [Test]
    public void MatchesBouncyCastleOnRandomBlocks()
    {
        var random = new Random(8439);
        for (int i = 0; i < 300; i++)
        {
            byte[] key = new byte[32];
            random.NextBytes(key);
            if (i % 3 == 0)
            {
                key.AsSpan(0, 16).Fill(0xFF);
            }

            byte[] message = new byte[16 * random.Next(0, 40)];
            random.NextBytes(message);
            if (i % 5 == 0)
            {
                message.AsSpan().Fill(0xFF);
            }

            Assert.That(Compute(key, message), Is.EqualTo(Reference(key, message)), $"case {i}");
        }
    }

    [Test]
    public void LongInputsInAnySplitMatchBouncyCastle()
    {
        // Long inputs run four lanes at once (AVX2) from 256 bytes; splits move the lane boundaries around.
        var random = new Random(130);
        for (int i = 0; i < 400; i++)
        {
            byte[] key = new byte[32];
            random.NextBytes(key);
            if (i % 4 == 0)
            {
                key.AsSpan(0, 16).Fill(0xFF);
            }

            byte[] message = new byte[16 * random.Next(0, 600)];
            random.NextBytes(message);
            if (i % 7 == 0)
            {
                message.AsSpan().Fill(0xFF);
            }

            byte[] expected = Reference(key, message);
            var mac = new Poly1305(key);
            int offset = 0;
            while (offset < message.Length)
            {
                int take = Math.Min(message.Length - offset, 16 * random.Next(1, 120));
                mac.Absorb(message.AsSpan(offset, take));
                offset += take;
            }

            byte[] tag = new byte[16];
            mac.Finish(tag);
            Assert.That(tag, Is.EqualTo(expected), $"case {i}, {message.Length} bytes");
        }
    }

    [TestCase(8)]
    [TestCase(4)]
    public void EveryVectorPathMatchesTheScalarLoopAtEveryLength(int lanes)
    {
        if (Poly1305.MaximumLanes < lanes)
        {
            Assert.Ignore($"This CPU runs at most {Poly1305.MaximumLanes} Poly1305 lanes: the {lanes}-lane path does not run here.");
        }

        var random = new Random(1305 + lanes);
        for (int blocks = 0; blocks <= 700; blocks++)
        {
            byte[] key = new byte[32];
            random.NextBytes(key);
            if (blocks % 3 == 0)
            {
                key.AsSpan(0, 16).Fill(0xFF);
            }

            byte[] message = new byte[16 * blocks];
            random.NextBytes(message);
            if (blocks % 5 == 0)
            {
                message.AsSpan().Fill(0xFF);
            }

            byte[] scalar = WithLanes(1, () => Compute(key, message));
            Assert.That(WithLanes(lanes, () => Compute(key, message)), Is.EqualTo(scalar), $"{blocks} blocks in one call");
            int split = 16 * random.Next(0, blocks + 1);
            Assert.That(WithLanes(lanes, () => ComputeSplit(key, message, split)), Is.EqualTo(scalar), $"{blocks} blocks split at {split}");
            if (blocks % 50 == 0)
            {
                Assert.That(scalar, Is.EqualTo(Reference(key, message)), $"the scalar loop against BouncyCastle, {blocks} blocks");
            }
        }
    }

    private static T WithLanes<T>(int lanes, Func<T> body)
    {
        int previous = Poly1305.LanesLimit;
        Poly1305.LanesLimit = lanes;
        try
        {
            Assert.That(Poly1305.Lanes, Is.EqualTo(Math.Min(lanes, Poly1305.MaximumLanes)));
            return body();
        }
        finally
        {
            Poly1305.LanesLimit = previous;
        }
    }

    private static byte[] ComputeSplit(byte[] key, byte[] message, int split)
    {
        var mac = new Poly1305(key);
        mac.Absorb(message.AsSpan(0, split));
        mac.Absorb(message.AsSpan(split));
        byte[] tag = new byte[16];
        mac.Finish(tag);
        return tag;
    }

    private static byte[] Reference(byte[] key, byte[] message)
    {
        var reference = new Org.BouncyCastle.Crypto.Macs.Poly1305();
        reference.Init(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key));
        reference.BlockUpdate(message, 0, message.Length);
        byte[] tag = new byte[16];
        reference.DoFinal(tag, 0);
        return tag;
    }

    private static byte[] Compute(byte[] key, byte[] message)
    {
        var mac = new Poly1305(key);
        if (message.Length > 0)
        {
            mac.Absorb(message);
        }

        byte[] tag = new byte[16];
        mac.Finish(tag);
        return tag;
    }
}
