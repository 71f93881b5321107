using System;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>
/// After a forged packet an SA verifies before it decrypts, also into separate memory, for the next
/// <see cref="ForgeryResponse.PacketsVerifiedFirst"/> genuine packets; then AES-GCM's one-pass open returns. Which way a
/// packet was opened shows in a separate destination after a forgery: a one-pass open decrypted into it while hashing
/// and cleared it, an open that verified first never wrote it.
/// </summary>
public class ForgeryResponseTests
{
    private const int PayloadLength = 1_400;   // past AES-GCM's short path: the pipelined open, one pass or two
    private const byte Untouched = 0xA5;

    /// <summary>True where AES-GCM opens into separate memory in one pass (AES-NI and PCLMULQDQ); elsewhere it always verifies first.</summary>
    private static bool OnePassOpen =>
        CryptoEngine.SupportedAesCore == AesCore.AesNi && CryptoEngine.SupportedCarrylessMultiply == CarrylessMultiply.Pclmulqdq;

    private static byte[] Forge(EspSecurityAssociation sender, byte[] payload)
    {
        var packet = new byte[sender.GetProtectedLength(payload.Length, 4)];
        Assert.That(sender.Protect(payload, 4, packet, out _), Is.EqualTo(IpsecStatus.Success));
        packet[^1] ^= 0x01;
        return packet;
    }

    /// <summary>Unprotects a forgery into a destination full of <see cref="Untouched"/> and says what became of it.</summary>
    private static string OpenForgery(EspSecurityAssociation receiver, byte[] forged)
    {
        var destination = new byte[forged.Length];
        destination.AsSpan().Fill(Untouched);
        Assert.That(receiver.Unprotect(forged, destination, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.AuthenticationFailed));
        Assert.That(result, Is.EqualTo(default(EspUnprotectResult)));
        return destination.AsSpan().IndexOfAnyExcept(Untouched) < 0 ? "untouched"
            : destination.AsSpan(0, forged.Length - receiver.HeaderLength - receiver.IcvSize).IndexOfAnyExcept((byte)0) < 0 ? "cleared"
            : "plaintext left";
    }

    [Test]
    public void AForgeryMakesTheNextGenuinePacketsVerifyFirstUntilTheyHaveCountedItDown()
    {
        var config = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null);
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create(replayWindow: 64);
        var payload = new byte[PayloadLength];
        new Random(5).NextBytes(payload);
        string onePass = OnePassOpen ? "cleared" : "untouched";

        Assert.That(OpenForgery(receiver, Forge(sender, payload)), Is.EqualTo(onePass), "a fresh SA opens in one pass");
        Assert.That(OpenForgery(receiver, Forge(sender, payload)), Is.EqualTo("untouched"), "after a forgery: verified first");

        var packet = new byte[sender.GetProtectedLength(payload.Length, 4)];
        var plain = new byte[packet.Length];
        for (int i = 0; i < ForgeryResponse.PacketsVerifiedFirst - 1; i++)
        {
            Assert.That(sender.Protect(payload, 4, packet, out _), Is.EqualTo(IpsecStatus.Success));
            IpsecStatus status = receiver.Unprotect(packet, plain, out EspUnprotectResult result);
            if (status != IpsecStatus.Success || !plain.AsSpan(0, result.PayloadLength).SequenceEqual(payload))
            {
                Assert.Fail($"genuine packet {i} after the forgery: {status}");
            }
        }

        Assert.That(OpenForgery(receiver, Forge(sender, payload)), Is.EqualTo("untouched"), "one genuine packet short of the count: still verified first");
        for (int i = 0; i < ForgeryResponse.PacketsVerifiedFirst; i++)
        {
            Assert.That(sender.Protect(payload, 4, packet, out _), Is.EqualTo(IpsecStatus.Success));
            Assert.That(receiver.Unprotect(packet, plain, out _), Is.EqualTo(IpsecStatus.Success));
        }

        Assert.That(OpenForgery(receiver, Forge(sender, payload)), Is.EqualTo(onePass), "the count spent: one pass again");
        SecurityAssociationStatistics statistics = receiver.Statistics;
        Assert.That(statistics.AuthenticationFailures, Is.EqualTo(4));
        Assert.That(statistics.PacketsUnprotected, Is.EqualTo((2 * ForgeryResponse.PacketsVerifiedFirst) - 1));
    }

    [Test]
    public void InPlaceAndChaCha20Poly1305AlwaysVerifyFirst()
    {
        var payload = new byte[PayloadLength];
        new Random(6).NextBytes(payload);
        var chacha = new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null);
        using (EspSecurityAssociation sender = chacha.Create())
        using (EspSecurityAssociation receiver = chacha.Create())
        {
            Assert.That(OpenForgery(receiver, Forge(sender, payload)), Is.EqualTo("untouched"));
        }

        var gcm = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 256, null);
        using (EspSecurityAssociation sender = gcm.Create())
        using (EspSecurityAssociation receiver = gcm.Create())
        {
            byte[] forged = Forge(sender, payload);
            byte[] copy = (byte[])forged.Clone();
            Assert.That(receiver.Unprotect(forged, forged.AsSpan(receiver.HeaderLength), out _), Is.EqualTo(IpsecStatus.AuthenticationFailed));
            Assert.That(forged, Is.EqualTo(copy), "in place, a forgery is hashed and never decrypted");
        }
    }
}
