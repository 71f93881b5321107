using System;
using System.Buffers.Binary;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class UdpTests
{
    [Test]
    public void ParsesIPv4UdpAndVerifiesChecksum()
    {
        // UDP at 20: 13c4 13c4 002d cfef
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Udp);
        IPv4Packet.TryCreate(bytes, out IPv4Packet ip);
        Assert.That(UdpDatagram.TryCreate(ip.Payload, out UdpDatagram udp), Is.True);
        Assert.That((udp.SourcePort, udp.DestinationPort, udp.Length, udp.Checksum), Is.EqualTo(((ushort)5060, (ushort)5060, (ushort)45, (ushort)0xcfef)));
        Assert.That(udp.Payload.Length, Is.EqualTo(37));
        Assert.That(udp.Payload[0], Is.EqualTo(0x40));
        Assert.That(udp.IsChecksumValid(ip.Source, ip.Destination), Is.True);
        Assert.That(udp.IsChecksumValid(ip.Destination, IPv4Address.Parse("198.51.100.21")), Is.False);
        Assert.That(UdpChecksum.Compute(ip.Source, ip.Destination, udp.Datagram), Is.EqualTo(ReferenceIPv4(ip.Source, ip.Destination, udp.Datagram)));
        Assert.That(UdpChecksum.Compute(ip.Source, ip.Destination, udp.Datagram), Is.EqualTo(0xcfef));
    }

    [Test]
    public void ParsesIPv6UdpAfterExtensionHeadersAndVerifiesChecksum()
    {
        // UDP at 72: 0fa0 0fa1 0023 1112
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtUdp);
        IPv6Packet.TryCreate(bytes, out IPv6Packet ip);
        Assert.That(UdpDatagram.TryCreate(ip.Packet[72..], out UdpDatagram udp), Is.True);
        Assert.That((udp.SourcePort, udp.DestinationPort, udp.Length, udp.Checksum), Is.EqualTo(((ushort)4000, (ushort)4001, (ushort)35, (ushort)0x1112)));
        Assert.That(udp.IsChecksumValid(ip.Source, ip.Destination), Is.True);
        Assert.That(UdpChecksum.Compute(ip.Source, ip.Destination, udp.Datagram), Is.EqualTo(ReferenceIPv6(ip.Source, ip.Destination, udp.Datagram)));

        byte[] zeroed = udp.Datagram.ToArray();
        zeroed[6] = 0;
        zeroed[7] = 0;
        Assert.That(UdpChecksum.IsValid(ip.Source, ip.Destination, zeroed), Is.False, "zero is invalid in IPv6");
        Assert.That(UdpChecksum.IsValid(ip.Source, ip.Destination, zeroed, allowZeroChecksum: true), Is.True);
        UdpChecksum.Write(ip.Source, ip.Destination, zeroed);
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(zeroed.AsSpan(6)), Is.EqualTo(0x1112));
    }

    [Test]
    public void NatTraversalDatagramHasNoChecksumAndCarriesEsp()
    {
        // UDP at 20: 1194 1194 0070 0000, then SPI 00009001
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4NatTEsp);
        IPv4Packet.TryCreate(bytes, out IPv4Packet ip);
        Assert.That(UdpDatagram.TryCreate(ip.Payload, out UdpDatagram udp), Is.True);
        Assert.That((udp.SourcePort, udp.DestinationPort), Is.EqualTo(((ushort)UdpEncapsulation.Port, (ushort)UdpEncapsulation.Port)));
        Assert.That(udp.Length, Is.EqualTo(112));
        Assert.That(udp.Checksum, Is.Zero);
        Assert.That(udp.IsChecksumValid(ip.Source, ip.Destination), Is.True, "zero means no checksum in IPv4");
        Assert.That(UdpEncapsulation.Classify(udp.Payload), Is.EqualTo(UdpEncapsulatedKind.Esp));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(udp.Payload), Is.EqualTo(0x9001u));
    }

    [Test]
    public void ChecksumMatchesReferenceOnRandomDatagramsAndNeverWritesZero()
    {
        var random = new Random(768);
        byte[] buffer = new byte[600];
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(8, buffer.Length);
            Span<byte> datagram = buffer.AsSpan(0, length);
            random.NextBytes(datagram);
            var s4 = new IPv4Address((uint)random.NextInt64(0, 1L << 32));
            var d4 = new IPv4Address((uint)random.NextInt64(0, 1L << 32));
            var s6 = new IPv6Address((ulong)random.NextInt64(), (ulong)random.NextInt64());
            var d6 = new IPv6Address((ulong)random.NextInt64(), (ulong)random.NextInt64());
            ushort c4 = UdpChecksum.Compute(s4, d4, datagram);
            Assert.That(c4, Is.EqualTo(ReferenceIPv4(s4, d4, datagram)));
            Assert.That(UdpChecksum.Compute(s6, d6, datagram), Is.EqualTo(ReferenceIPv6(s6, d6, datagram)));
            UdpChecksum.Write(s4, d4, datagram);
            Assert.That(UdpChecksum.IsValid(s4, d4, datagram), Is.True);
            UdpChecksum.Write(s6, d6, datagram);
            Assert.That(UdpChecksum.IsValid(s6, d6, datagram), Is.True);
            datagram[random.Next(0, length)] ^= (byte)(1 << random.Next(8));
            Assert.That(UdpChecksum.IsValid(s6, d6, datagram), Is.False, "a single bit flip is always detected");
        }

        // A datagram whose sum is all ones: the checksum is sent as 0xFFFF, not 0.
        byte[] crafted = new byte[10];
        var zero = default(IPv4Address);
        BinaryPrimitives.WriteUInt16BigEndian(crafted.AsSpan(4), 10);
        ushort partial = ReferenceIPv4(zero, zero, crafted);
        BinaryPrimitives.WriteUInt16BigEndian(crafted.AsSpan(8), partial); // the data now cancels the sum
        Assert.That(UdpChecksum.Compute(zero, zero, crafted), Is.EqualTo(0xFFFF));
        crafted[6] = 0xFF;
        crafted[7] = 0xFF;
        Assert.That(UdpChecksum.IsValid(zero, zero, crafted), Is.True);
    }

    [Test]
    public void HeaderRoundTripsIntoPoisonedBufferAndRejectsTruncation()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Udp).AsSpan(20).ToArray();
        Assert.That(UdpHeader.TryRead(bytes, out UdpHeader header), Is.True);
        Assert.That(header, Is.EqualTo(new UdpHeader(5060, 5060, 45, 0xcfef)));
        byte[] output = WirePackets.Poisoned(9);
        Assert.That(header.TryWrite(output), Is.True);
        Assert.That(output.AsSpan(0, 8).ToArray(), Is.EqualTo(bytes.AsSpan(0, 8).ToArray()));
        Assert.That(output[8], Is.EqualTo(0xA5));
        Assert.That(header.TryWrite(new byte[7]), Is.False);
        Assert.That(header.ToString(), Does.Contain("5060 > 5060"));

        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.That(UdpDatagram.TryCreate(bytes.AsSpan(0, length), out UdpDatagram udp), Is.False, $"length {length}");
            Assert.That(udp.Datagram.IsEmpty, Is.True);
            Assert.That(UdpHeader.TryRead(bytes.AsSpan(0, length), out _), Is.EqualTo(length >= 8));
        }

        byte[] padded = new byte[bytes.Length + 5];
        bytes.CopyTo(padded, 0);
        Assert.That(UdpDatagram.TryCreate(padded, out UdpDatagram cut), Is.True);
        Assert.That(cut.Datagram.Length, Is.EqualTo(45));
        Assert.That(cut.ToHeader(), Is.EqualTo(header));

        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), 7);
        Assert.That(UdpDatagram.TryCreate(bytes, out _), Is.False, "Length below 8");
        Assert.Throws<ArgumentException>(() => UdpChecksum.Compute(default(IPv4Address), default, new byte[7]));
        Assert.That(UdpChecksum.IsValid(default(IPv4Address), default, new byte[7]), Is.False);
    }

    [TestCase("ff", UdpEncapsulatedKind.NatKeepalive)]
    [TestCase("fe", UdpEncapsulatedKind.Malformed)]
    [TestCase("", UdpEncapsulatedKind.Malformed)]
    [TestCase("ffff", UdpEncapsulatedKind.Malformed)]
    [TestCase("000000", UdpEncapsulatedKind.Malformed)]
    [TestCase("00000000", UdpEncapsulatedKind.IkeNonEspMarker)]
    [TestCase("00000000e0b5a7c6a1a8e2f30000000000000000212022080000000000000100", UdpEncapsulatedKind.IkeNonEspMarker)]
    [TestCase("00009001", UdpEncapsulatedKind.Malformed)]
    [TestCase("00009001000000", UdpEncapsulatedKind.Malformed)]
    [TestCase("0000900100000001", UdpEncapsulatedKind.Esp)]
    [TestCase("ff00000000000001", UdpEncapsulatedKind.Esp)]
    public void ClassifiesNatTraversalPayloads(string hex, UdpEncapsulatedKind expected)
    {
        Assert.That(UdpEncapsulation.Classify(WirePackets.Bytes(hex)), Is.EqualTo(expected));
    }

    [Test]
    public void NeverThrowsOnTruncatedOrBitFlippedInput()
    {
        byte[][] bases =
        {
            WirePackets.Bytes(WirePackets.IPv4Udp).AsSpan(20).ToArray(), WirePackets.Bytes(WirePackets.IPv4NatTEsp).AsSpan(20).ToArray(),
            WirePackets.Bytes(WirePackets.IPv6ExtUdp).AsSpan(72).ToArray(),
            WirePackets.Bytes("119411940009ffffff"), // NAT-keepalive
            WirePackets.Bytes("1194119400280000" + "00000000" + "e0b5a7c6a1a8e2f30000000000000000212022080000000000000100"), // IKE
        };
        var random = new Random(3948);
        byte[] buffer = new byte[256];
        var src = IPv4Address.Parse("192.0.2.10");
        var dst = IPv4Address.Parse("198.51.100.20");
        int accepted = 0;
        var kinds = new int[4];
        for (int i = 0; i < 100_000; i++)
        {
            int length = Fuzz.Mutate(random, bases[i % bases.Length], buffer);
            ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
            UdpHeader.TryRead(input, out _);
            if (UdpDatagram.TryCreate(input, out UdpDatagram udp))
            {
                accepted++;
                Assert.That(udp.Datagram.Length, Is.EqualTo((int)udp.Length).And.LessThanOrEqualTo(length));
                _ = udp.IsChecksumValid(src, dst);
                kinds[(int)UdpEncapsulation.Classify(udp.Payload)]++;
            }
        }

        Assert.That(accepted, Is.InRange(1000, 99_000));
        Assert.That(kinds, Has.All.Positive);
    }

    [Test]
    public void ViewChecksumAndClassifyDoNotAllocate()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtUdp);
        byte[] output = new byte[8];
        long allocated = Allocations.Measure(() =>
        {
            IPv6Packet.TryCreate(bytes, out IPv6Packet ip);
            UdpDatagram.TryCreate(ip.Packet[72..], out UdpDatagram udp);
            _ = udp.IsChecksumValid(ip.Source, ip.Destination);
            UdpHeader.TryRead(udp.Datagram, out UdpHeader header);
            header.TryWrite(output);
            UdpEncapsulation.Classify(udp.Payload);
        });
        Assert.That(allocated, Is.Zero);
    }

    private static ushort ReferenceIPv4(IPv4Address source, IPv4Address destination, ReadOnlySpan<byte> datagram)
    {
        byte[] pseudo = new byte[12 + datagram.Length];
        source.WriteTo(pseudo);
        destination.WriteTo(pseudo.AsSpan(4));
        pseudo[9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)datagram.Length);
        datagram.CopyTo(pseudo.AsSpan(12));
        pseudo[12 + 6] = 0;
        pseudo[12 + 7] = 0;
        ushort checksum = WirePackets.ReferenceChecksum(pseudo);
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }

    private static ushort ReferenceIPv6(IPv6Address source, IPv6Address destination, ReadOnlySpan<byte> datagram)
    {
        byte[] pseudo = new byte[40 + datagram.Length];
        source.WriteTo(pseudo);
        destination.WriteTo(pseudo.AsSpan(16));
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)datagram.Length);
        pseudo[39] = 17;
        datagram.CopyTo(pseudo.AsSpan(40));
        pseudo[40 + 6] = 0;
        pseudo[40 + 7] = 0;
        ushort checksum = WirePackets.ReferenceChecksum(pseudo);
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }
}
