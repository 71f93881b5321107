using System;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>What Protect puts in the packet besides the payload: TFC padding (RFC 4303 §2.7) and the padding (§2.4).</summary>
[Parallelizable(ParallelScope.All)]
public class EspProtectTests
{
    // The destination is a reused buffer that still holds an earlier packet's plaintext: none of it may leak into the
    // padding that is encrypted and sent.
    [TestCase(false, TestName = "between buffers")]
    [TestCase(true, TestName = "in place")]
    public void TfcPaddingIsZerosNotWhatTheBufferHeldBefore(bool inPlace)
    {
        var config = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null);
        using EspSecurityAssociation sender = config.Create(tfc: 300);
        using EspSecurityAssociation receiver = config.Create();
        byte[] inner = new byte[60];
        new Random(3).NextBytes(inner);
        inner[0] = 0x45;
        inner[2] = 0;
        inner[3] = 60;

        byte[] packet = new byte[sender.GetProtectedLength(inner.Length, 4)];
        packet.AsSpan().Fill(0xEE);   // stale bytes
        if (inPlace)
        {
            inner.CopyTo(packet, sender.HeaderLength);
        }

        ReadOnlySpan<byte> payload = inPlace ? packet.AsSpan(sender.HeaderLength, inner.Length) : inner;
        Assert.That(sender.Protect(payload, 4, packet, out int written), Is.EqualTo(IpsecStatus.Success));
        Assert.That(written, Is.EqualTo(packet.Length));

        var output = new byte[packet.Length];
        Assert.That(receiver.Unprotect(packet, output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.PayloadLength, Is.EqualTo(60));
        Assert.That(result.TfcPaddingLength, Is.EqualTo(240));
        Assert.That(output.AsSpan(0, 60).ToArray(), Is.EqualTo(inner));
        Assert.That(output.AsSpan(60, 240).ToArray(), Is.All.EqualTo(0), "the TFC padding is zeros");
    }

    [Test]
    public void ADummyPacketCarriesRandomBytes()
    {
        // RFC 4303 §2.6: a dummy packet should look like traffic. ENCR_NULL shows the payload on the wire.
        var config = new EspConfiguration(EncryptionAlgorithm.Null, 0, IntegrityAlgorithm.HmacSha2_256_128);
        using EspSecurityAssociation sender = config.Create();
        var first = new byte[200];
        var second = new byte[200];
        Assert.That(sender.ProtectDummy(48, first, out int written), Is.EqualTo(IpsecStatus.Success));
        Assert.That(sender.ProtectDummy(48, second, out _), Is.EqualTo(IpsecStatus.Success));
        byte[] payload = first.AsSpan(sender.HeaderLength, 48).ToArray();
        Assert.That(payload, Is.Not.EqualTo(second.AsSpan(sender.HeaderLength, 48).ToArray()), "each dummy has its own bytes");
        Assert.That(payload, Has.Some.Not.EqualTo(0));
        Assert.That(first[written - sender.IcvSize - 1], Is.EqualTo(59), "Next Header 59 (no next header)");
    }
}
