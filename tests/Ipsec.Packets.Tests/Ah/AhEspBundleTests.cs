using System;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>ESP inside AH (RFC 4301 §4.5): ESP applied first and AH over it, undone in the reverse order, in one call.</summary>
public class AhEspBundleTests
{
    private static readonly EspConfiguration Gcm = new(EncryptionAlgorithm.AesGcm16, 128, null);

    private static (AhEspBundle Sender, AhEspBundle Receiver, AhPair Ah) Create(IpsecMode espMode)
    {
        var ah = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        var options = new EspProcessorOptions
        {
            Mode = espMode,
            TunnelSource = espMode == IpsecMode.Tunnel ? IPAddress.Parse("203.0.113.1") : null,
            TunnelDestination = espMode == IpsecMode.Tunnel ? IPAddress.Parse("203.0.113.2") : null,
        };
        var sender = new AhEspBundle(ah.Sender, new EspProcessor(Gcm.Create(), options));
        var receiver = new AhEspBundle(ah.Receiver, new EspProcessor(Gcm.Create(), options));
        return (sender, receiver, ah);
    }

    [TestCase(IpsecMode.Transport, false)]
    [TestCase(IpsecMode.Transport, true)]
    [TestCase(IpsecMode.Tunnel, false)]
    [TestCase(IpsecMode.Tunnel, true)]
    public void RoundTripAppliesEspThenAh(IpsecMode espMode, bool ipv6)
    {
        (AhEspBundle sender, AhEspBundle receiver, AhPair ah) = Create(espMode);
        using (ah)
        {
            byte[] packet = ipv6 ? AhTestPackets.IPv6() : AhTestPackets.IPv4();
            int headroom = sender.MaximumHeadroom;
            byte[] buffer = new byte[headroom + packet.Length + sender.MaximumTailroom];
            for (ulong i = 1; i <= 3; i++)
            {
                packet.CopyTo(buffer, headroom);
                Assert.That(sender.Protect(buffer, headroom, packet.Length, out AhEspBundleResult sent), Is.EqualTo(IpsecStatus.Success));
                Span<byte> wire = buffer.AsSpan(sent.Offset, sent.Length);
                bool outerIPv6 = espMode == IpsecMode.Tunnel ? false : ipv6;
                int ahOffset = outerIPv6 ? 40 : 20;
                Assert.That(wire[outerIPv6 ? 6 : 9], Is.EqualTo(51), "AH outermost");
                Assert.That(wire[ahOffset], Is.EqualTo(50), "ESP inside AH");
                Assert.That(sent.AhSequenceNumber, Is.EqualTo(i));
                Assert.That(sent.EspSequenceNumber, Is.EqualTo(i));

                Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out AhEspBundleResult received), Is.EqualTo(IpsecStatus.Success));
                Assert.That(buffer.AsSpan(received.Offset, received.Length).ToArray(), Is.EqualTo(packet));
                Assert.That(received.AhSequenceNumber, Is.EqualTo(i));
                Assert.That(received.EspSequenceNumber, Is.EqualTo(i));
            }
        }
    }

    [Test]
    public void AForgedPacketIsStoppedByAhAndPlainAhIsAPolicyMismatch()
    {
        (AhEspBundle sender, AhEspBundle receiver, AhPair ah) = Create(IpsecMode.Transport);
        using (ah)
        {
            byte[] packet = AhTestPackets.IPv4();
            int headroom = sender.MaximumHeadroom;
            byte[] buffer = new byte[headroom + packet.Length + sender.MaximumTailroom];
            packet.CopyTo(buffer, headroom);
            Assert.That(sender.Protect(buffer, headroom, packet.Length, out AhEspBundleResult sent), Is.EqualTo(IpsecStatus.Success));
            buffer[sent.Offset + sent.Length - 1] ^= 1;
            Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out _), Is.EqualTo(IpsecStatus.AuthenticationFailed));
            Assert.That(ah.Receiver.Statistics.AuthenticationFailures, Is.EqualTo(1));

            byte[] ahOnly = ah.Protect(packet);
            Assert.That(receiver.Unprotect(ahOnly, 0, ahOnly.Length, out _), Is.EqualTo(IpsecStatus.PolicyMismatch));
            Assert.That(sender.Protect(buffer, headroom - 1, packet.Length, out _), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        }
    }

    [Test]
    public void TunnelModeAhIsRefusedAndTheRoundTripDoesNotAllocate()
    {
        using var tunnel = new AhPair(IntegrityAlgorithm.HmacSha1_96, IpsecMode.Tunnel);
        Assert.That(() => new AhEspBundle(tunnel.Sender, new EspProcessor(Gcm.Create(), new EspProcessorOptions { Mode = IpsecMode.Transport })),
            Throws.ArgumentException.With.Message.Contains("Mode"));

        (AhEspBundle sender, AhEspBundle receiver, AhPair ah) = Create(IpsecMode.Transport);
        using (ah)
        {
            byte[] packet = AhTestPackets.IPv6();
            int headroom = sender.MaximumHeadroom;
            byte[] buffer = new byte[headroom + packet.Length + sender.MaximumTailroom];
            IpsecStatus last = IpsecStatus.Success;
            long bytes = Allocations.Measure(() =>
            {
                packet.CopyTo(buffer, headroom);
                sender.Protect(buffer, headroom, packet.Length, out AhEspBundleResult sent);
                IpsecStatus status = receiver.Unprotect(buffer, sent.Offset, sent.Length, out _);
                if (status != IpsecStatus.Success)
                {
                    last = status;
                }
            }, iterations: 50);
            Assert.That(last, Is.EqualTo(IpsecStatus.Success));
            Assert.That(bytes, Is.Zero);
        }
    }
}
