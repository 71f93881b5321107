using System;
using System.Buffers.Binary;
using System.Linq;
using System.Threading;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>
/// Unprotect's outcomes one by one: what a refused packet leaves behind (RFC 4303 §3.4: the SA as it was, the output
/// cleared, the drop counted), the padding check (§2.4), the malformed/truncated split, and the removal of TFC padding
/// (§2.4, §2.7) only where the payload's own length field can be trusted.
/// </summary>
public class EspUnprotectTests
{
    private static readonly EspConfiguration CbcOnly = new(EncryptionAlgorithm.AesCbc, 128, null);
    private static readonly EspConfiguration CbcSha1 = new(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha1_96);
    private static readonly EspConfiguration Gcm = new(EncryptionAlgorithm.AesGcm16, 128, null);

    private static byte[] Protect(EspSecurityAssociation sender, byte[] payload, byte nextHeader)
    {
        var packet = new byte[sender.GetProtectedLength(payload.Length, nextHeader)];
        Assert.That(sender.Protect(payload, nextHeader, packet, out int written), Is.EqualTo(IpsecStatus.Success));
        return packet.AsSpan(0, written).ToArray();
    }

    private static byte[] Poisoned(int length) => Enumerable.Repeat((byte)0xA5, length).ToArray();

    // AES-CBC without integrity: a bit flipped in the IV flips the same bit of the first plaintext block, so the padding
    // can be damaged without a key. The payload of 1 byte takes 13 bytes of padding: 1, 2, ..., 13, then 13 and 17.
    [TestCase(1, TestName = "a padding byte other than 1, 2, 3, ...")]
    [TestCase(13, TestName = "the last padding byte")]
    [TestCase(14, TestName = "a pad length larger than the encrypted part")]
    public void BadPaddingIsCountedClearsTheOutputAndLeavesTheSaAsItWas(int plaintextOffset)
    {
        using EspSecurityAssociation sender = CbcOnly.Create();
        using EspSecurityAssociation receiver = CbcOnly.Create();
        byte[] packet = Protect(sender, [0x42], 17);
        Assert.That(packet.Length, Is.EqualTo(8 + 16 + 16));
        byte[] damaged = (byte[])packet.Clone();
        damaged[8 + plaintextOffset] ^= plaintextOffset == 14 ? (byte)0xF0 : (byte)0x40;

        byte[] output = Poisoned(64);
        Assert.That(receiver.Unprotect(damaged, output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.BadPadding));
        Assert.That(result, Is.EqualTo(default(EspUnprotectResult)));
        Assert.That(output.AsSpan(0, 16).ToArray(), Is.All.EqualTo(0), "the decrypted bytes are cleared");
        Assert.That(output.AsSpan(16).ToArray(), Is.All.EqualTo(0xA5), "nothing beyond the encrypted part's length is written");
        Assert.That(receiver.Statistics.PaddingErrors, Is.EqualTo(1));
        Assert.That(receiver.Statistics.MalformedDrops, Is.Zero);
        Assert.That(receiver.Statistics.PacketsUnprotected, Is.Zero);
        Assert.That(receiver.HighestInboundSequenceNumber, Is.Zero, "the window is not updated");

        Assert.That(receiver.Unprotect(packet, output, out result), Is.EqualTo(IpsecStatus.Success), "the genuine packet, same sequence number");
        Assert.That(result.PayloadLength, Is.EqualTo(1));
        Assert.That(result.PadLength, Is.EqualTo(13));
        Assert.That(output[0], Is.EqualTo(0x42));
        Assert.That(receiver.Statistics.PaddingErrors, Is.EqualTo(1));
    }

    [Test]
    public void TheLoserOfAConcurrentDuplicateIsReplayedAndKeepsNoPlaintext()
    {
        // Two receivers race on the same packet: one is accepted, the other is Replayed, either by the check before the
        // cryptography (nothing written) or by the window update after it, when its output already held the plaintext:
        // then the output must be cleared (RFC 4303 §3.4.3: the window is updated only after the ICV verified, so a
        // duplicate can pass the first check). Races are repeated until the late path has been seen a few times or 3,000 rounds
        // have run (whether a round is lost late depends on the scheduler; the assertions hold either way).
        using EspSecurityAssociation sender = Gcm.Create();
        using EspSecurityAssociation receiver = Gcm.Create(replayWindow: 1 << 16);
        byte[] payload = Enumerable.Range(1, 1400).Select(i => (byte)i).ToArray();
        var outputs = new[] { new byte[1500], new byte[1500] };
        var statuses = new IpsecStatus[2];
        byte[] packet = [];
        bool stop = false;
        int late = 0;
        using var barrier = new Barrier(2);
        var other = new Thread(() =>
        {
            while (true)
            {
                barrier.SignalAndWait();
                if (Volatile.Read(ref stop))
                {
                    return;
                }

                statuses[1] = receiver.Unprotect(packet, outputs[1], out _);
                barrier.SignalAndWait();
            }
        });
        other.Start();
        try
        {
            for (int round = 0; round < 500 && late < 3; round++)
            {
                packet = Protect(sender, payload, 17);
                outputs[0].AsSpan().Fill(0xA5);
                outputs[1].AsSpan().Fill(0xA5);
                barrier.SignalAndWait();
                statuses[0] = receiver.Unprotect(packet, outputs[0], out _);
                barrier.SignalAndWait();

                Assert.That(statuses.Count(s => s == IpsecStatus.Success), Is.EqualTo(1), $"round {round}: exactly one is accepted");
                int loser = statuses[0] == IpsecStatus.Success ? 1 : 0;
                Assert.That(statuses[loser], Is.EqualTo(IpsecStatus.Replayed));
                byte[] output = outputs[loser];
                bool untouched = output.All(b => b == 0xA5);
                bool cleared = output.AsSpan(0, packet.Length - 8 - 8 - 16).ToArray().All(b => b == 0);
                Assert.That(untouched || cleared, Is.True, $"round {round}: the replayed packet's output holds no plaintext");
                late += untouched ? 0 : 1;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            barrier.SignalAndWait();
            other.Join();
        }

        Assert.That(receiver.Statistics.ReplayDrops, Is.GreaterThan(0));
        TestContext.Out.WriteLine($"duplicates refused after decryption: {late}");
    }

    [Test]
    public void APacketTooShortForTheSaIsTruncatedAndOneThatDoesNotFitItsBlocksIsMalformed()
    {
        using EspSecurityAssociation sender = CbcSha1.Create();
        using EspSecurityAssociation receiver = CbcSha1.Create();
        byte[] packet = Protect(sender, new byte[30], 6);   // 8 + 16 (IV) + 32 + 12 (ICV)
        Assert.That(packet.Length, Is.EqualTo(68));
        var output = new byte[packet.Length];
        int minimum = 8 + 16 + 2 + 12;
        long drops = 0;
        for (int length = 0; length < minimum; length++)
        {
            Assert.That(receiver.Unprotect(packet.AsSpan(0, length), output, out _), Is.EqualTo(IpsecStatus.Truncated), $"length {length}");
            Assert.That(receiver.Statistics.MalformedDrops, Is.EqualTo(++drops), "every refused packet is counted");
        }

        // Long enough for the SA, but the encrypted part is not whole AES blocks (RFC 4303 §2.4).
        foreach (int length in new[] { minimum, packet.Length - 1, packet.Length + 1, packet.Length - 16 + 8 })
        {
            byte[] odd = new byte[length];
            packet.AsSpan(0, Math.Min(length, packet.Length)).CopyTo(odd);
            Assert.That(receiver.Unprotect(odd, new byte[length], out _), Is.EqualTo(IpsecStatus.Malformed), $"length {length}");
            Assert.That(receiver.Statistics.MalformedDrops, Is.EqualTo(++drops));
        }

        Assert.That(receiver.Statistics.AuthenticationFailures, Is.Zero, "refused before any cryptography");
        Assert.That(receiver.Statistics.PaddingErrors, Is.Zero);
        Assert.That(receiver.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.Success));
        Assert.That(receiver.Statistics.MalformedDrops, Is.EqualTo(drops));
    }

    [Test]
    public void UnknownSpiReplayAndForgeriesAreNotCountedAsMalformed()
    {
        using EspSecurityAssociation sender = Gcm.Create();
        using EspSecurityAssociation receiver = Gcm.Create();
        using EspSecurityAssociation other = Gcm.Create(spi: 0x2000_0002);
        byte[] packet = Protect(sender, new byte[40], 6);
        var output = new byte[packet.Length];
        Assert.That(other.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.UnknownSpi));
        byte[] forged = (byte[])packet.Clone();
        forged[^1] ^= 1;
        Assert.That(receiver.Unprotect(forged, output, out _), Is.EqualTo(IpsecStatus.AuthenticationFailed));
        Assert.That(receiver.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.Success));
        Assert.That(receiver.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.Replayed));
        SecurityAssociationStatistics stats = receiver.Statistics;
        Assert.That((stats.MalformedDrops, stats.PaddingErrors, stats.AuthenticationFailures, stats.ReplayDrops, stats.PacketsUnprotected),
            Is.EqualTo((0L, 0L, 1L, 1L, 1L)));
        Assert.That(other.Statistics.MalformedDrops, Is.Zero);
    }

    /// <summary>A payload of <paramref name="length"/> bytes with <paramref name="first"/> first and a 16-bit length field.</summary>
    private static byte[] Payload(int length, byte first, int lengthOffset, int declared)
    {
        byte[] payload = new byte[length];
        new Random(length + declared).NextBytes(payload);
        payload[0] = first;
        if (lengthOffset + 2 <= length)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(lengthOffset), (ushort)declared);
        }

        return payload;
    }

    // Columns: next header, payload bytes, first byte, offset of the length field, declared length, the payload length
    // the receiver reports (the rest being TFC padding). A declared length is trusted only when it is at least the
    // protocol's minimum and at most what arrived; otherwise the whole payload is kept.
    [TestCase(4, 60, 0x45, 2, 20, 20, TestName = "IPv4: the minimum total length 20")]
    [TestCase(4, 60, 0x45, 2, 19, 60, TestName = "IPv4: a total length below 20 is not trusted")]
    [TestCase(4, 60, 0x45, 2, 60, 60, TestName = "IPv4: a total length equal to what arrived")]
    [TestCase(4, 60, 0x45, 2, 61, 60, TestName = "IPv4: a total length beyond what arrived is not trusted")]
    [TestCase(4, 60, 0x65, 2, 30, 60, TestName = "IPv4 next header but version 6: not trusted")]
    [TestCase(4, 60, 0x45, 2, 33, 33, TestName = "IPv4: a total length inside the payload")]
    [TestCase(4, 19, 0x45, 2, 10, 19, TestName = "IPv4: shorter than an IPv4 header")]
    [TestCase(4, 20, 0x45, 2, 20, 20, TestName = "IPv4: exactly a header")]
    [TestCase(41, 80, 0x60, 4, 1, 41, TestName = "IPv6: the minimum, 40 + 1")]
    [TestCase(41, 80, 0x60, 4, 0, 80, TestName = "IPv6: a payload length of 0 is not trusted")]
    [TestCase(41, 80, 0x60, 4, 40, 80, TestName = "IPv6: 40 + payload length equal to what arrived")]
    [TestCase(41, 80, 0x60, 4, 41, 80, TestName = "IPv6: 40 + payload length beyond what arrived is not trusted")]
    [TestCase(41, 80, 0x60, 4, 25, 65, TestName = "IPv6: 40 + payload length inside the payload")]
    [TestCase(41, 80, 0x45, 4, 25, 80, TestName = "IPv6 next header but version 4: not trusted")]
    [TestCase(41, 39, 0x60, 4, 0, 39, TestName = "IPv6: shorter than an IPv6 header")]
    [TestCase(41, 41, 0x60, 4, 1, 41, TestName = "IPv6: exactly a header and one byte")]
    [TestCase(17, 60, 0x13, 4, 8, 8, TestName = "UDP: the minimum length 8")]
    [TestCase(17, 60, 0x13, 4, 7, 60, TestName = "UDP: a length below 8 is not trusted")]
    [TestCase(17, 60, 0x13, 4, 60, 60, TestName = "UDP: a length equal to what arrived")]
    [TestCase(17, 60, 0x13, 4, 61, 60, TestName = "UDP: a length beyond what arrived is not trusted")]
    [TestCase(17, 60, 0x13, 4, 21, 21, TestName = "UDP: a length inside the payload")]
    [TestCase(17, 7, 0x13, 4, 6, 7, TestName = "UDP: shorter than a UDP header")]
    [TestCase(17, 8, 0x13, 4, 8, 8, TestName = "UDP: exactly a header")]
    [TestCase(6, 60, 0x45, 2, 20, 60, TestName = "TCP: no length of its own, never trimmed")]
    [TestCase(50, 60, 0x60, 4, 1, 60, TestName = "another protocol: never trimmed")]
    public void TfcPaddingIsRemovedOnlyByATrustworthySelfDescribedLength(
        int nextHeader, int length, int first, int lengthOffset, int declared, int expected)
    {
        using EspSecurityAssociation sender = Gcm.Create();
        using EspSecurityAssociation receiver = Gcm.Create();
        byte[] payload = Payload(length, (byte)first, lengthOffset, declared);
        byte[] packet = Protect(sender, payload, (byte)nextHeader);
        var output = new byte[packet.Length];
        Assert.That(receiver.Unprotect(packet, output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.NextHeader, Is.EqualTo(nextHeader));
        Assert.That(result.PayloadLength, Is.EqualTo(expected));
        Assert.That(result.TfcPaddingLength, Is.EqualTo(length - expected));
        Assert.That(output.AsSpan(0, expected).SequenceEqual(payload.AsSpan(0, expected)), Is.True);
        Assert.That(receiver.Statistics.BytesUnprotected, Is.EqualTo(expected), "the payload without TFC padding is counted");
    }

    [Test]
    public void TheDestinationNeedsExactlyTheEncryptedPartsLength()
    {
        // The documented need: the packet less header, IV and ICV; one byte less is refused before any cryptography.
        using EspSecurityAssociation sender = CbcSha1.Create();
        using EspSecurityAssociation receiver = CbcSha1.Create();
        byte[] packet = Protect(sender, new byte[30], 6);
        int encrypted = packet.Length - 8 - 16 - 12;
        Assert.That(receiver.Unprotect(packet, new byte[encrypted - 1], out _), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        Assert.That(receiver.Statistics.AuthenticationFailures + receiver.Statistics.MalformedDrops, Is.Zero);
        Assert.That(receiver.Unprotect(packet, new byte[encrypted], out EspUnprotectResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.PayloadLength, Is.EqualTo(30));
    }

    // RFC 4303 §2.7: TFC padding may be added only where the receiver can find the payload's end, i.e. after a payload
    // that carries its own length (IPv4, IPv6, UDP); the sender pads such payloads up to the configured length.
    [TestCase(4, 0x45, 2, 60, 0)]
    [TestCase(41, 0x60, 4, 60, -40)]
    [TestCase(17, 0x13, 4, 60, 0)]
    public void TfcPaddingIsAddedToEverySelfDescribingPayload(int nextHeader, int first, int lengthOffset, int length, int declaredDelta)
    {
        using EspSecurityAssociation sender = Gcm.Create(tfc: 300);
        using EspSecurityAssociation receiver = Gcm.Create();
        byte[] payload = Payload(length, (byte)first, lengthOffset, length + declaredDelta);
        byte[] packet = Protect(sender, payload, (byte)nextHeader);
        Assert.That(packet.Length, Is.GreaterThanOrEqualTo(8 + 8 + 300 + 2 + 16), "padded up to the TFC length");
        var output = new byte[packet.Length];
        Assert.That(receiver.Unprotect(packet, output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.PayloadLength, Is.EqualTo(length));
        Assert.That(result.TfcPaddingLength, Is.EqualTo(300 - length));
    }

    [TestCase(300, TestName = "a payload exactly the TFC length")]
    [TestCase(301, TestName = "a payload longer than the TFC length")]
    public void APayloadAtLeastTheTfcLengthIsNotPadded(int length)
    {
        using EspSecurityAssociation sender = Gcm.Create(tfc: 300);
        using EspSecurityAssociation plain = Gcm.Create();
        byte[] payload = Payload(length, 0x13, 4, length);
        Assert.That(Protect(sender, payload, 17).Length, Is.EqualTo(Protect(plain, payload, 17).Length));
    }

    [TestCase((byte)6)]
    [TestCase((byte)50)]
    [TestCase((byte)58)]
    public void APayloadWithoutItsOwnLengthIsNotPadded(byte nextHeader)
    {
        using EspSecurityAssociation sender = Gcm.Create(tfc: 300);
        using EspSecurityAssociation plain = Gcm.Create();
        byte[] payload = Payload(60, 0x45, 2, 60);
        Assert.That(Protect(sender, payload, nextHeader).Length, Is.EqualTo(Protect(plain, payload, nextHeader).Length));
    }
}
