using System;
using System.Buffers.Binary;
using Ipsec.Packets.Crypto;
using NUnit.Framework;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// The ChaCha20 stream at every run width (1, 4, 8 and 16 blocks at once) against BouncyCastle's independent
/// ChaCha7539Engine and the RFC 8439 §2.4.2 vector, at every length across the width boundaries, in place and not.
/// </summary>
public class ChaCha20Tests
{
    private static readonly int[] Widths = [1, 4, 8, 16];

    [Test]
    public void EncryptsTheRfc8439SunscreenVector()
    {
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        byte[] plaintext = System.Text.Encoding.ASCII.GetBytes(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
        byte[] expected = Convert.FromHexString(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
            "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d");
        foreach (int width in Widths)
        {
            ChaCha20.State state = Start(key, counter: 1, nonce: Convert.FromHexString("000000000000004a00000000"));
            byte[] output = new byte[plaintext.Length];
            ChaCha20.Xor(ref state, plaintext, output, width);
            Assert.That(output, Is.EqualTo(expected), $"width {width}");
        }
    }

    [Test]
    public void EveryWidthMatchesBouncyCastleAtEveryLength()
    {
        var random = new Random(7539);
        byte[] key = new byte[32];
        byte[] nonce = new byte[12];
        for (int length = 0; length <= 2200; length++)
        {
            random.NextBytes(key);
            random.NextBytes(nonce);
            uint counter = (uint)random.Next(0, 1000);
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);
            byte[] expected = Reference(key, nonce, counter, plaintext);
            foreach (int width in Widths)
            {
                ChaCha20.State state = Start(key, counter, nonce);
                byte[] output = new byte[length];
                ChaCha20.Xor(ref state, plaintext, output, width);
                Assert.That(output, Is.EqualTo(expected), $"length {length}, width {width}");
                Assert.That(state[12], Is.EqualTo(counter + (uint)((length + 63) / 64)), $"counter after length {length}, width {width}");
            }
        }
    }

    [TestCase(4096 + 37)]
    [TestCase(9000)]
    [TestCase(65535)]
    public void LongStreamsMatchBouncyCastleInPlace(int length)
    {
        var random = new Random(length);
        byte[] key = new byte[32];
        byte[] nonce = new byte[12];
        random.NextBytes(key);
        random.NextBytes(nonce);
        byte[] plaintext = new byte[length];
        random.NextBytes(plaintext);
        byte[] expected = Reference(key, nonce, 1, plaintext);
        foreach (int width in Widths)
        {
            ChaCha20.State state = Start(key, 1, nonce);
            byte[] buffer = (byte[])plaintext.Clone();
            ChaCha20.Xor(ref state, buffer, buffer, width);
            Assert.That(buffer, Is.EqualTo(expected), $"width {width}");
        }
    }

    [Test]
    public void AShortDestinationIsACallerMistake()
    {
        ChaCha20.State state = Start(new byte[32], 0, new byte[12]);
        Assert.Throws<ArgumentException>(() => ChaCha20.Xor(ref state, new byte[100], new byte[99]));
    }

    private static ChaCha20.State Start(byte[] key, uint counter, byte[] nonce)
    {
        uint[] words = new uint[8];
        for (int i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(4 * i));
        }

        ChaCha20.State state = default;
        ChaCha20.Initialize(
            ref state, words, counter, BinaryPrimitives.ReadUInt32LittleEndian(nonce), BinaryPrimitives.ReadUInt32LittleEndian(nonce.AsSpan(4)),
            BinaryPrimitives.ReadUInt32LittleEndian(nonce.AsSpan(8)));
        return state;
    }

    private static byte[] Reference(byte[] key, byte[] nonce, uint counter, byte[] plaintext)
    {
        var engine = new ChaCha7539Engine();
        engine.Init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        byte[] skip = new byte[64];
        for (uint i = 0; i < counter; i++)
        {
            engine.ProcessBytes(skip, 0, 64, skip, 0);
        }

        byte[] output = new byte[plaintext.Length];
        engine.ProcessBytes(plaintext, 0, plaintext.Length, output, 0);
        return output;
    }
}
