using System;
using System.Linq;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>The ESP contract, run over every algorithm configuration.</summary>
[Parallelizable(ParallelScope.All)]
public class EspContractTests
{
    private static byte[] Payload(int length, int seed)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        return payload;
    }

    private static byte[] ProtectOne(EspSecurityAssociation sender, byte[] payload, byte nextHeader = 6)
    {
        var packet = new byte[sender.GetProtectedLength(payload.Length, nextHeader)];
        Assert.That(sender.Protect(payload, nextHeader, packet, out int written), Is.EqualTo(IpsecStatus.Success));
        Assert.That(written, Is.EqualTo(packet.Length));
        return packet;
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void RoundTripsEveryPayloadSizeBetweenBuffersAndInPlace(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create();
        var packet = new byte[1600];
        var output = new byte[1600];
        for (int length = 0; length <= 1500; length++)
        {
            byte[] payload = Payload(length, length);
            byte nextHeader = (byte)(length % 2 == 0 ? 58 : 6);   // protocols without a length field: no TFC trimming applies

            // Between buffers.
            Assert.That(sender.Protect(payload, nextHeader, packet, out int written), Is.EqualTo(IpsecStatus.Success));
            Assert.That(written, Is.EqualTo(sender.GetProtectedLength(length, nextHeader)));
            Assert.That((written - sender.HeaderLength - sender.IcvSize) % config.Encryption.PaddingAlignment, Is.Zero, "alignment");
            Assert.That(receiver.Unprotect(packet.AsSpan(0, written), output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.Success), $"length {length}");
            Assert.That(result.PayloadLength, Is.EqualTo(length));
            Assert.That(result.NextHeader, Is.EqualTo(nextHeader));
            Assert.That(output.AsSpan(0, length).SequenceEqual(payload), Is.True, $"payload of length {length}");

            // In place: the payload sits at HeaderLength, and comes back at HeaderLength.
            payload.CopyTo(packet, sender.HeaderLength);
            Assert.That(sender.Protect(packet.AsSpan(sender.HeaderLength, length), nextHeader, packet, out written), Is.EqualTo(IpsecStatus.Success));
            Assert.That(receiver.Unprotect(packet.AsSpan(0, written), packet.AsSpan(receiver.HeaderLength), out result), Is.EqualTo(IpsecStatus.Success));
            Assert.That(packet.AsSpan(receiver.HeaderLength, result.PayloadLength).SequenceEqual(payload), Is.True, $"in place, length {length}");
        }

        Assert.That(sender.OutboundSequenceNumber, Is.EqualTo(3002UL));
        Assert.That(receiver.HighestInboundSequenceNumber, Is.EqualTo(3002UL));
        Assert.That(receiver.Statistics.PacketsUnprotected, Is.EqualTo(3002));
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.AuthenticatedCases))]
    public void AFlippedBitAtEveryBytePositionIsRejectedAndChangesNothing(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create();
        byte[] packet = ProtectOne(sender, Payload(100, 5));
        var output = new byte[packet.Length];
        for (int position = 0; position < packet.Length; position++)
        {
            byte[] forged = (byte[])packet.Clone();
            forged[position] ^= (byte)(1 << (position % 8));
            output.AsSpan().Fill(0xA5);
            IpsecStatus status = receiver.Unprotect(forged, output, out EspUnprotectResult result);
            IpsecStatus expected = position < 4 ? IpsecStatus.UnknownSpi : IpsecStatus.AuthenticationFailed;
            Assert.That(status, Is.EqualTo(expected).Or.EqualTo(IpsecStatus.Replayed), $"byte {position}");
            if (position >= 8)
            {
                Assert.That(status, Is.EqualTo(expected), $"byte {position}");
            }

            Assert.That(result.PayloadLength, Is.Zero);
            Assert.That(output.All(b => b == 0xA5), Is.True, "nothing written for a forged packet");
        }

        Assert.That(receiver.HighestInboundSequenceNumber, Is.Zero, "forgeries leave the window untouched");
        Assert.That(receiver.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.Success), "the genuine packet is still accepted");
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.AuthenticatedCases))]
    public void ReplayWrongKeyAndTruncationAreRejected(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create();
        using EspSecurityAssociation otherKey = config.Create(seed: 2);
        byte[] packet = ProtectOne(sender, Payload(64, 9));
        var output = new byte[packet.Length];

        Assert.That(otherKey.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.AuthenticationFailed));
        for (int length = 0; length < packet.Length; length++)
        {
            IpsecStatus status = receiver.Unprotect(packet.AsSpan(0, length), output, out _);
            Assert.That(status, Is.Not.EqualTo(IpsecStatus.Success), $"truncated to {length}");
        }

        Assert.That(receiver.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.Success));
        Assert.That(receiver.Unprotect(packet, output, out _), Is.EqualTo(IpsecStatus.Replayed));
        Assert.That(receiver.Statistics.ReplayDrops, Is.EqualTo(1));
        Assert.That(otherKey.Statistics.AuthenticationFailures, Is.EqualTo(1));
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void SequenceNumbersNeverWrap(EspConfiguration config)
    {
        ulong last = config.Esn ? ulong.MaxValue : uint.MaxValue;
        using EspSecurityAssociation sender = config.Create(lastSent: last - 1);
        byte[] payload = Payload(40, 3);
        var packet = new byte[200];
        Assert.That(sender.Protect(payload, 6, packet, out _), Is.EqualTo(IpsecStatus.Success));
        packet.AsSpan().Fill(0x5A);
        Assert.That(sender.Protect(payload, 6, packet, out int written), Is.EqualTo(IpsecStatus.SequenceExhausted));
        Assert.That(written, Is.Zero);
        Assert.That(packet.All(b => b == 0x5A), Is.True, "nothing written");
        Assert.That(sender.OutboundSequenceNumber, Is.EqualTo(last));
        Assert.That(sender.Statistics.SequenceExhaustedDrops, Is.EqualTo(1));
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void ExtendedSequenceNumbersCrossTheThirtyTwoBitBoundary(EspConfiguration config)
    {
        if (!config.Esn)
        {
            Assert.That(config.Create(lastSent: uint.MaxValue).Protect(new byte[8], 6, new byte[200], out _), Is.EqualTo(IpsecStatus.SequenceExhausted));
            return;
        }

        using EspSecurityAssociation sender = config.Create(lastSent: uint.MaxValue - 3);
        using EspSecurityAssociation receiver = config.Create(highestReceived: uint.MaxValue - 3);
        var packets = Enumerable.Range(0, 8).Select(i => ProtectOne(sender, Payload(50 + i, i))).ToArray();
        var output = new byte[200];

        // Deliver out of order across the boundary: every packet is accepted once, with its full 64-bit number.
        foreach (int i in new[] { 1, 0, 5, 3, 2, 7, 4, 6 })
        {
            Assert.That(receiver.Unprotect(packets[i], output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.Success), $"packet {i}");
            Assert.That(result.SequenceNumber, Is.EqualTo((ulong)uint.MaxValue - 2 + (ulong)i));
            Assert.That(output.AsSpan(0, result.PayloadLength).SequenceEqual(Payload(50 + i, i)), Is.True);
        }

        Assert.That(receiver.HighestInboundSequenceNumber, Is.EqualTo((1UL << 32) + 4));
        Assert.That(receiver.Unprotect(packets[2], output, out _), Is.EqualTo(IpsecStatus.Replayed));
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void ProtectAndUnprotectDoNotAllocate(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create(replayWindow: 0);
        byte[] payload = Payload(1400, 1);
        var packet = new byte[1600];
        var output = new byte[1600];
        int written = 0;
        Assert.That(Allocations.Measure(() => sender.Protect(payload, 4, packet, out written)), Is.Zero, "protect");
        byte[] valid = packet[..written];
        Assert.That(Allocations.Measure(() => receiver.Unprotect(valid, output, out _)), Is.Zero, "unprotect");
        byte[] forged = (byte[])valid.Clone();
        forged[^1] ^= 1;
        Assert.That(Allocations.Measure(() => receiver.Unprotect(forged, output, out _)), Is.Zero, "forged unprotect");
        Assert.That(Allocations.Measure(() => receiver.Unprotect(forged.AsSpan(0, 11), output, out _)), Is.Zero, "truncated unprotect");
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void CallerMistakesThrowArgumentExceptions(EspConfiguration config)
    {
        var packet = new byte[300];
        EspSecurityAssociation sa = config.Create();

        // A payload overlapping the destination anywhere but at HeaderLength.
        Assert.Throws<ArgumentException>(() => sa.Protect(packet.AsSpan(sa.HeaderLength + 1, 20), 6, packet, out _));
        Assert.Throws<ArgumentException>(() => sa.Unprotect(packet.AsSpan(0, 100), packet.AsSpan(3), out _));

        // A key one byte short.
        if (config.KeyBits > 0)
        {
            byte[] shortKey = config.EncryptionKey()[..^1];
            var ex = Assert.Throws<ArgumentException>(() => _ = new EspSecurityAssociation(new EspSecurityAssociationOptions
            {
                Spi = 0x1234, Encryption = config.Encryption, EncryptionKey = shortKey, Integrity = config.Integrity, IntegrityKey = config.IntegrityKey(),
            }));
            Assert.That(ex!.Message, Does.Contain("EncryptionKey"));
            Assert.That(ex.Message, Does.Not.Contain(Convert.ToHexString(shortKey)), "keys never appear in messages");
        }

        sa.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sa.Protect(new byte[10], 6, packet, out _));
        Assert.Throws<ObjectDisposedException>(() => sa.Unprotect(packet, new byte[300], out _));
        Assert.That(sa.ToString(), Does.Contain(config.Encryption.Name));
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void ATooSmallDestinationConsumesNoSequenceNumber(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        byte[] payload = Payload(77, 77);
        int needed = sender.GetProtectedLength(payload.Length, 6);
        Assert.That(sender.Protect(payload, 6, new byte[needed - 1], out int written), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        Assert.That(written, Is.Zero);
        Assert.That(sender.OutboundSequenceNumber, Is.Zero);
        byte[] packet = ProtectOne(sender, payload);
        using EspSecurityAssociation receiver = config.Create();
        Assert.That(receiver.Unprotect(packet, new byte[10], out _), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        Assert.That(receiver.HighestInboundSequenceNumber, Is.Zero);
        Assert.That(receiver.Unprotect(packet, new byte[packet.Length], out _), Is.EqualTo(IpsecStatus.Success));
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void DummyPacketsAreAuthenticatedCountedAndDropped(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create();
        var packet = new byte[200];
        Assert.That(sender.ProtectDummy(33, packet, out int written), Is.EqualTo(IpsecStatus.Success));
        var output = new byte[200];
        Assert.That(receiver.Unprotect(packet.AsSpan(0, written), output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.DummyPacket));
        Assert.That(result.PayloadLength, Is.Zero);
        Assert.That(output.All(b => b == 0), Is.True, "dummy payload cleared");
        Assert.That(receiver.Statistics.DummyPackets, Is.EqualTo(1));
        Assert.That(receiver.Unprotect(packet.AsSpan(0, written), output, out _), Is.EqualTo(IpsecStatus.Replayed), "dummies take a sequence number like any packet");
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void TfcPaddingIsAddedToSelfDescribingPayloadsAndRemovedOnReceive(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create(tfc: 512);
        using EspSecurityAssociation receiver = config.Create();

        // An inner IPv4 packet of 60 bytes (tunnel mode): its total length field tells the receiver where it ends.
        byte[] inner = Payload(60, 4);
        inner[0] = 0x45;
        inner[2] = 0;
        inner[3] = 60;
        byte[] packet = ProtectOne(sender, inner, nextHeader: 4);
        Assert.That(packet.Length, Is.GreaterThanOrEqualTo(sender.HeaderLength + 512 + 2 + sender.IcvSize));
        var output = new byte[packet.Length];
        Assert.That(receiver.Unprotect(packet, output, out EspUnprotectResult result), Is.EqualTo(IpsecStatus.Success));
        Assert.That(result.PayloadLength, Is.EqualTo(60));
        Assert.That(result.TfcPaddingLength, Is.EqualTo(512 - 60));
        Assert.That(output.AsSpan(0, 60).SequenceEqual(inner), Is.True);

        // A TCP segment has no length of its own: no TFC padding is added.
        byte[] tcp = ProtectOne(sender, Payload(60, 5), nextHeader: 6);
        Assert.That(tcp.Length, Is.LessThan(sender.HeaderLength + 60 + sender.MaximumTrailerLength + 1));
    }
}
