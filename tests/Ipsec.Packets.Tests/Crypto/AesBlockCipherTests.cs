using System;
using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>The AES core on both engine paths against the BCL's AES-ECB, including the 32-bit counter wrap.</summary>
public class AesBlockCipherTests
{
    [Test]
    public void BlocksAndCtrMatchTheBclOnEveryKeySize(
        [Values(16, 24, 32)] int keyLength, [Values(Engine.Hardware, Engine.Software)] Engine engine)
    {
        var random = new Random(197 + keyLength);
        byte[] key = new byte[keyLength];
        random.NextBytes(key);
        using var reference = Aes.Create();
        reference.Key = key;
        using AesBlockCipher aes = EngineScope.Create(engine, () => AesBlockCipher.Create(key));

        for (int i = 0; i < 50; i++)
        {
            byte[] block = new byte[16];
            random.NextBytes(block);
            byte[] expected = reference.EncryptEcb(block, PaddingMode.None);
            Vector128<byte> encrypted = aes.EncryptBlock(Vector128.Create(block));
            Assert.That(ToArray(encrypted), Is.EqualTo(expected));
            Assert.That(ToArray(aes.DecryptBlock(encrypted)), Is.EqualTo(block));
        }

        // CTR across the 2^32 wrap of the counter word (inc32 of SP 800-38D), through the 8-, 4- and 1-block paths.
        foreach (int length in new[] { 1, 16, 100, 200, 300 })
        {
            byte[] start = new byte[16];
            random.NextBytes(start);
            BinaryPrimitives.WriteUInt32BigEndian(start.AsSpan(12), 0xFFFFFFFA);
            int blocks = (length + 15) / 16;
            byte[] counters = new byte[16 * blocks];
            for (int b = 0; b < blocks; b++)
            {
                start.AsSpan(0, 12).CopyTo(counters.AsSpan(16 * b));
                BinaryPrimitives.WriteUInt32BigEndian(counters.AsSpan(16 * b + 12), unchecked(0xFFFFFFFA + (uint)b));
            }

            byte[] keystream = reference.EncryptEcb(counters, PaddingMode.None);
            byte[] produced = new byte[length];
            aes.CtrXor(Vector128.Create(start), new byte[length], produced);
            Assert.That(produced, Is.EqualTo(keystream.AsSpan(0, length).ToArray()), $"length {length}");
        }
    }

    private static byte[] ToArray(Vector128<byte> v)
    {
        byte[] bytes = new byte[16];
        v.CopyTo(bytes);
        return bytes;
    }
}
