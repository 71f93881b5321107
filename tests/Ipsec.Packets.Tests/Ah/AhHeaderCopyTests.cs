using System;
using System.Security.Cryptography;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// The IP header copy behind the ICV: IPv4 source routes (the destination predicted as the route's last address, the
/// option zeroed), the 1 KiB bound on the copied headers, and where IPv6 destination options go.
/// </summary>
public class AhHeaderCopyTests
{
    [TestCase((byte)131)]
    [TestCase((byte)137)]
    public void SourceRouteOptionsAreZeroedAndTheDestinationIsTheRoutesEnd(byte type)
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] last = [10, 9, 9, 9];
        byte[] option = [type, 11, 4, 10, 1, 1, 1, .. last, 1]; // two addresses, pointer at the first; NOP to fill the word
        byte[] packet = pair.Protect(AhTestPackets.IPv4(option));

        // Independent ICV: zero the mutable IPv4 fields and the whole option, destination = the route's last address.
        byte[] copy = (byte[])packet.Clone();
        copy[1] = copy[6] = copy[7] = copy[8] = copy[10] = copy[11] = 0;
        copy.AsSpan(20, 11).Clear();
        last.CopyTo(copy, 16);
        copy.AsSpan(32 + 12, 16).Clear();
        Assert.That(packet.AsSpan(32 + 12, 16).ToArray(), Is.EqualTo(HMACSHA256.HashData(pair.Key, copy)[..16]));

        // A router on the route rewrites the destination and the option: still verifies.
        packet.AsSpan(24, 4).CopyTo(packet.AsSpan(16));
        packet[22] = 8;
        AhTestPackets.FixIPv4Checksum(packet);
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Success));
    }

    [Test]
    public void HeaderChainsBeyondTheBoundAreMalformed()
    {
        using var pair = new AhPair(IntegrityAlgorithm.HmacSha2_256_128);
        byte[] hopByHop = new byte[2048];
        hopByHop[1] = 255;
        for (int at = 2; at < hopByHop.Length;)
        {
            int data = Math.Min(255, hopByHop.Length - at - 2); // PadN options over the rest (Pad1 is a zero byte)
            if (data < 0)
            {
                break;
            }

            hopByHop[at] = 1;
            hopByHop[at + 1] = (byte)data;
            at += 2 + data;
        }
        byte[] original = AhTestPackets.IPv6([(0, hopByHop)]);
        byte[] buffer = new byte[64 + original.Length];
        original.CopyTo(buffer, 64);
        Assert.That(pair.Sender.Protect(buffer, 64, original.Length, out _), Is.EqualTo(IpsecStatus.Malformed));
        Assert.That(buffer.AsSpan(64).ToArray(), Is.EqualTo(original));

        // The same chain with an AH header after it, built by hand: refused before any MAC work.
        Assert.That(pair.Receiver.HeaderLengthIPv6, Is.EqualTo(32));
        byte[] withAh = new byte[original.Length + 32];
        original.AsSpan(0, 40 + 2048).CopyTo(withAh);
        original.AsSpan(40 + 2048).CopyTo(withAh.AsSpan(40 + 2048 + 32));
        withAh[40] = 51;
        withAh[40 + 2048] = 17;
        withAh[40 + 2048 + 1] = 6; // 32 bytes: the SA's own AH length, so only the bound can refuse it
        withAh[40 + 2048 + 7] = (byte)pair.Receiver.Spi;
        withAh[40 + 2048 + 6] = (byte)(pair.Receiver.Spi >> 8);
        withAh[40 + 2048 + 11] = 1;
        withAh[4] = (byte)((withAh.Length - 40) >> 8);
        withAh[5] = (byte)(withAh.Length - 40);
        Assert.That(pair.Unprotect(withAh).Status, Is.EqualTo(IpsecStatus.Malformed));
        Assert.That(pair.Receiver.Statistics.AuthenticationFailures, Is.Zero);
    }

    [TestCase(IPv6DestinationOptionsPlacement.BeforeSecurityHeader, 60)]
    [TestCase(IPv6DestinationOptionsPlacement.AfterSecurityHeader, 51)]
    public void DestinationOptionsGoWhereConfigured(IPv6DestinationOptionsPlacement placement, int afterHopByHop)
    {
        byte[] key = new byte[20];
        AhSecurityAssociationOptions Options() => new()
        {
            Spi = 0x4321,
            Integrity = IntegrityAlgorithm.HmacSha1_96,
            IntegrityKey = key,
            Mode = IpsecMode.Transport,
            DestinationOptionsPlacement = placement,
        };
        using var sender = new AhSecurityAssociation(Options());
        using var receiver = new AhSecurityAssociation(Options());
        byte[] original = AhTestPackets.IPv6([(0, AhTestPackets.OptionsHeader(0x3E)), (60, AhTestPackets.OptionsHeader(0x1E))]);
        byte[] buffer = new byte[sender.MaximumHeadroom + original.Length];
        original.CopyTo(buffer, sender.MaximumHeadroom);
        Assert.That(sender.Protect(buffer, sender.MaximumHeadroom, original.Length, out AhProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer[sent.Offset + 40], Is.EqualTo(afterHopByHop));
        Assert.That(receiver.Unprotect(buffer, sent.Offset, sent.Length, out AhProcessResult received), Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(received.Offset, received.Length).ToArray(), Is.EqualTo(original));
    }
}
