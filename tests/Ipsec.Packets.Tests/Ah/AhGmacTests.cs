using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// AH with AES-GMAC (RFC 4543 §3): the IV after the sequence number is the 64-bit sequence number, the ICV is a
/// 16-byte GCM tag over an empty plaintext with the whole packet (mutable fields and ICV zeroed) as AAD and salt || IV as
/// nonce. Checked against the BCL's AesGcm, which shares no code with the library's GHASH.
/// </summary>
public class AhGmacTests
{
    [TestCase(128, false)]
    [TestCase(192, false)]
    [TestCase(256, false)]
    [TestCase(128, true)]
    public void IcvIsTheGcmTagOverTheZeroedPacket(int keyBits, bool ipv6)
    {
        if (!AesGcm.IsSupported)
        {
            Assert.Ignore("AesGcm is not supported on this platform");
        }

        IntegrityAlgorithm integrity = keyBits switch { 128 => IntegrityAlgorithm.AesGmac128, 192 => IntegrityAlgorithm.AesGmac192, _ => IntegrityAlgorithm.AesGmac256 };
        using var pair = new AhPair(integrity, seed: keyBits);
        byte[] packet = null!;
        for (int i = 0; i < 3; i++)
        {
            packet = pair.Protect(ipv6 ? AhTestPackets.IPv6(payloadLength: 61) : AhTestPackets.IPv4(payloadLength: 37));
        }

        int ahOffset = ipv6 ? 40 : 20;
        int ahLength = ipv6 ? 40 : 36;
        Assert.That(packet[ahOffset + 1], Is.EqualTo((ahLength / 4) - 2));
        Assert.That(BinaryPrimitives.ReadUInt64BigEndian(packet.AsSpan(ahOffset + 12)), Is.EqualTo(3UL), "IV = sequence number");
        byte[] aad = (byte[])packet.Clone();
        if (ipv6)
        {
            aad[0] = 0x60;
            aad[1] = aad[2] = aad[3] = aad[7] = 0;
            Assert.That(packet.AsSpan(ahOffset + 36, 4).ToArray(), Is.EqualTo(new byte[4]), "IPv6 alignment padding is zero");
        }
        else
        {
            aad[1] = aad[6] = aad[7] = aad[8] = aad[10] = aad[11] = 0;
        }

        aad.AsSpan(ahOffset + 20, 16).Clear();
        byte[] key = pair.Key;
        byte[] nonce = [.. key.AsSpan(key.Length - 4).ToArray(), .. packet.AsSpan(ahOffset + 12, 8).ToArray()];
        byte[] tag = new byte[16];
        using (var gcm = new AesGcm(key.AsSpan(0, key.Length - 4), 16))
        {
            gcm.Encrypt(nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, aad);
        }

        Assert.That(packet.AsSpan(ahOffset + 20, 16).ToArray(), Is.EqualTo(tag));
    }

    [Test]
    public void WithEsnTheHighHalfEndsTheAad()
    {
        if (!AesGcm.IsSupported)
        {
            Assert.Ignore("AesGcm is not supported on this platform");
        }

        ulong sequence = (5UL << 32) + 7;
        using var pair = new AhPair(IntegrityAlgorithm.AesGmac128, esn: true, initialSequenceNumber: sequence - 1);
        byte[] packet = pair.Protect(AhTestPackets.IPv4());
        Assert.That(BinaryPrimitives.ReadUInt64BigEndian(packet.AsSpan(20 + 12)), Is.EqualTo(sequence), "the IV carries all 64 bits");
        byte[] aad = new byte[packet.Length + 4];
        packet.CopyTo(aad, 0);
        aad[1] = aad[6] = aad[7] = aad[8] = aad[10] = aad[11] = 0;
        aad.AsSpan(20 + 20, 16).Clear();
        BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(packet.Length), 5);
        byte[] nonce = [.. pair.Key.AsSpan(16, 4).ToArray(), .. packet.AsSpan(32, 8).ToArray()];
        byte[] tag = new byte[16];
        using (var gcm = new AesGcm(pair.Key.AsSpan(0, 16), 16))
        {
            gcm.Encrypt(nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, aad);
        }

        Assert.That(packet.AsSpan(40, 16).ToArray(), Is.EqualTo(tag));
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Success));
    }

    [TestCase(16, false)]
    [TestCase(24, true)]
    [TestCase(32, false)]
    [TestCase(32, true)]
    public void IncrementalGmacMatchesTheBclForAnySplit(int keySize, bool forceSoftware)
    {
        if (!AesGcm.IsSupported)
        {
            Assert.Ignore("AesGcm is not supported on this platform");
        }

        var random = new Random(4543 + keySize);
        byte[] keyMaterial = new byte[keySize + 4];
        random.NextBytes(keyMaterial);
        using var gmac = Ipsec.Packets.Tests.Crypto.EngineScope.Create(
            forceSoftware ? Ipsec.Packets.Tests.Crypto.Engine.Software : Ipsec.Packets.Tests.Crypto.Engine.Hardware,
            () => new Ipsec.Packets.Ah.AhGmac(keyMaterial));
        Assert.That(gmac.IsHardware, Is.EqualTo(!forceSoftware && Ipsec.Packets.Crypto.CryptoEngine.IsHardwareSupported));
        using var reference = new AesGcm(keyMaterial.AsSpan(0, keySize), 16);
        for (int round = 0; round < 40; round++)
        {
            byte[] aad = new byte[random.Next(0, 300)];
            random.NextBytes(aad);
            byte[] iv = new byte[8];
            random.NextBytes(iv);

            // The AAD cut into four pieces at random points, as AH passes it.
            int[] cuts = [random.Next(0, aad.Length + 1), random.Next(0, aad.Length + 1), random.Next(0, aad.Length + 1)];
            Array.Sort(cuts);
            byte[] tag = new byte[16];
            gmac.Compute(aad.AsSpan(0, cuts[0]), aad.AsSpan(cuts[0], cuts[1] - cuts[0]), aad.AsSpan(cuts[1], cuts[2] - cuts[1]), aad.AsSpan(cuts[2]), iv, tag);
            byte[] expected = new byte[16];
            reference.Encrypt([.. keyMaterial.AsSpan(keySize).ToArray(), .. iv], ReadOnlySpan<byte>.Empty, Span<byte>.Empty, expected, aad);
            Assert.That(tag, Is.EqualTo(expected), $"round {round}, {aad.Length} bytes");
        }
    }

    [Test]
    public void ChangingTheIvIsRefused()
    {
        using var pair = new AhPair(IntegrityAlgorithm.AesGmac256);
        byte[] packet = pair.Protect(AhTestPackets.IPv4());
        packet[20 + 19] ^= 1;
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.AuthenticationFailed));
    }
}
