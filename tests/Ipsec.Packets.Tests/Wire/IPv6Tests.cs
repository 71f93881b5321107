using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class IPv6Tests
{
    [Test]
    public void ParsesFixedHeader()
    {
        // 6000 0000 | 0043 | 00 | 40 | 2001:db8:1::10 | 2001:db8:2::20
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtUdp);
        Assert.That(IPv6Packet.TryCreate(bytes, out IPv6Packet packet), Is.True);
        Assert.That(packet.TrafficClass, Is.Zero);
        Assert.That(packet.FlowLabel, Is.Zero);
        Assert.That(packet.PayloadLength, Is.EqualTo(0x43));
        Assert.That(packet.Packet.Length, Is.EqualTo(40 + 0x43));
        Assert.That(packet.Payload.Length, Is.EqualTo(0x43));
        Assert.That(packet.NextHeader, Is.EqualTo(IPProtocol.HopByHop));
        Assert.That(packet.HopLimit, Is.EqualTo(64));
        Assert.That(packet.Source.ToString(), Is.EqualTo("2001:db8:1::10"));
        Assert.That(packet.Destination.ToString(), Is.EqualTo("2001:db8:2::20"));
        Assert.That(packet.ToHeader().NextHeader, Is.EqualTo(IPProtocol.HopByHop));
    }

    [Test]
    public void HeaderValueRoundTripsIntoPoisonedBuffer()
    {
        var header = new IPv6Header
        {
            TrafficClass = 0xB9,
            FlowLabel = 0xABCDE,
            PayloadLength = 1234,
            NextHeader = IPProtocol.Esp,
            HopLimit = 255,
            Source = IPv6Address.Parse("2001:db8::1"),
            Destination = IPv6Address.Parse("2001:db8::2"),
        };
        byte[] output = WirePackets.Poisoned(41);
        Assert.That(header.TryWrite(output), Is.True);
        Assert.That(output[40], Is.EqualTo(0xA5));
        Assert.That(output.AsSpan(0, 8).ToArray(), Is.EqualTo(WirePackets.Bytes("6b9abcde04d232ff")));
        Assert.That(IPv6Header.TryRead(output, out IPv6Header read), Is.True);
        Assert.That(read, Is.EqualTo(header));
        Assert.That(read.Dscp, Is.EqualTo(0xB9 >> 2));
        Assert.That(read.Ecn, Is.EqualTo(1));
        Assert.That(header.TryWrite(new byte[39]), Is.False);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IPv6Header { FlowLabel = 0x100000 });
    }

    [TestCase(WirePackets.IPv6ExtUdp)]
    [TestCase(WirePackets.IPv6ExtAh)]
    [TestCase(WirePackets.IPv6ExtEsp)]
    public void RejectsEveryTruncation(string hex)
    {
        byte[] bytes = WirePackets.Bytes(hex);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.That(IPv6Packet.TryCreate(bytes.AsSpan(0, length), out IPv6Packet packet), Is.False, $"length {length}");
            Assert.That(packet.Packet.IsEmpty, Is.True);
            Assert.That(IPv6Header.TryRead(bytes.AsSpan(0, length), out _), Is.EqualTo(length >= 40));

            // The walker over a truncated chain stops without reading past the span.
            var walker = new IPv6ExtensionHeaderWalker(bytes.AsSpan(0, length));
            while (walker.TryNext(out IPv6ExtensionHeader header))
            {
                Assert.That(header.Offset + header.Length, Is.LessThanOrEqualTo(length));
            }

            Assert.That(walker.Status, Is.Not.EqualTo(IPv6ExtensionHeaderWalkStatus.InProgress));
        }

        bytes[0] = 0x40;
        Assert.That(IPv6Packet.TryCreate(bytes, out _), Is.False);
    }

    [Test]
    public void WalksHopByHopAndDestinationOptions()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtUdp);
        IPv6Packet.TryCreate(bytes, out IPv6Packet packet);
        IPv6ExtensionHeaderWalker walker = packet.GetExtensionHeaderWalker();
        Assert.That(walker.TryNext(out IPv6ExtensionHeader hbh), Is.True);
        Assert.That((hbh.Type, hbh.Offset, hbh.Length, hbh.NextHeaderFieldOffset, hbh.NextHeader),
            Is.EqualTo((IPProtocol.HopByHop, 40, 16, 6, IPProtocol.DestinationOptions)));
        Assert.That(walker.TryNext(out IPv6ExtensionHeader dst), Is.True);
        Assert.That((dst.Type, dst.Offset, dst.Length, dst.NextHeaderFieldOffset, dst.NextHeader),
            Is.EqualTo((IPProtocol.DestinationOptions, 56, 16, 40, IPProtocol.Udp)));
        Assert.That(walker.TryNext(out _), Is.False);
        Assert.That(walker.Status, Is.EqualTo(IPv6ExtensionHeaderWalkStatus.Complete));
        Assert.That(walker.UpperLayerProtocol, Is.EqualTo(IPProtocol.Udp));
        Assert.That(walker.UpperLayerOffset, Is.EqualTo(72));
        Assert.That(walker.UpperLayerNextHeaderFieldOffset, Is.EqualTo(56));
        Assert.That(walker.Count, Is.EqualTo(2));
        Assert.That(walker.TryNext(out _), Is.False);
    }

    [Test]
    public void WalksThroughAhAndStopsAtEsp()
    {
        byte[] ah = WirePackets.Bytes(WirePackets.IPv6ExtAh);
        var walker = new IPv6ExtensionHeaderWalker(ah);
        var types = new List<IPProtocol>();
        IPv6ExtensionHeader last = default;
        while (walker.TryNext(out IPv6ExtensionHeader header))
        {
            types.Add(header.Type);
            last = header;
        }

        Assert.That(types, Is.EqualTo(new[] { IPProtocol.HopByHop, IPProtocol.DestinationOptions, IPProtocol.Ah }));
        Assert.That((last.Offset, last.Length, last.NextHeaderFieldOffset, last.NextHeader), Is.EqualTo((72, 24, 56, IPProtocol.Udp)));
        Assert.That(walker.UpperLayerOffset, Is.EqualTo(96));

        byte[] esp = WirePackets.Bytes(WirePackets.IPv6ExtEsp);
        walker = new IPv6ExtensionHeaderWalker(esp);
        while (walker.TryNext(out _))
        {
        }

        Assert.That(walker.Status, Is.EqualTo(IPv6ExtensionHeaderWalkStatus.Complete));
        Assert.That(walker.UpperLayerProtocol, Is.EqualTo(IPProtocol.Esp));
        Assert.That(walker.UpperLayerOffset, Is.EqualTo(72));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(esp.AsSpan(72)), Is.EqualTo(0x6001u), "the SPI sits where the walker stopped");
    }

    [Test]
    public void InsertionPointMatchesLinuxAndScapyPlacement()
    {
        byte[] plain = WirePackets.Bytes(WirePackets.IPv6ExtUdp);
        Assert.That(IPv6InsertionPoint.TryFind(plain, out IPv6InsertionPoint point), Is.True);
        Assert.That((point.Offset, point.NextHeaderFieldOffset, point.NextHeader), Is.EqualTo((72, 56, IPProtocol.Udp)));

        // Scapy put AH and ESP exactly there: same bytes before, the pointed byte rewritten, AH carries the old value.
        foreach (string protectedHex in new[] { WirePackets.IPv6ExtAh, WirePackets.IPv6ExtEsp })
        {
            byte[] prot = WirePackets.Bytes(protectedHex);
            for (int i = 0; i < point.Offset; i++)
            {
                if (i is 4 or 5 || i == point.NextHeaderFieldOffset)
                {
                    continue;
                }

                Assert.That(prot[i], Is.EqualTo(plain[i]), $"byte {i}");
            }

            Assert.That(prot[point.NextHeaderFieldOffset], Is.AnyOf((byte)IPProtocol.Ah, (byte)IPProtocol.Esp));
        }

        Assert.That(WirePackets.Bytes(WirePackets.IPv6ExtAh)[72], Is.EqualTo((byte)point.NextHeader));

        Assert.That(IPv6InsertionPoint.TryFind(plain, out point, IPv6DestinationOptionsPlacement.AfterSecurityHeader), Is.True);
        Assert.That((point.Offset, point.NextHeaderFieldOffset, point.NextHeader), Is.EqualTo((56, 40, IPProtocol.DestinationOptions)));
    }

    [TestCase(new byte[] { }, 40, 6, 17, 40)]
    [TestCase(new byte[] { 0 }, 48, 40, 17, 48)]
    [TestCase(new byte[] { 60 }, 48, 40, 17, 40)]
    [TestCase(new byte[] { 60, 43 }, 56, 48, 17, 56)]
    [TestCase(new byte[] { 0, 60, 43, 44, 60 }, 80, 72, 17, 72)]
    [TestCase(new byte[] { 60, 44 }, 56, 48, 17, 56)]
    [TestCase(new byte[] { 0, 51 }, 48, 40, 51, 48)]
    [TestCase(new byte[] { 60, 60 }, 56, 48, 17, 40)]
    public void InsertionPointOverSyntheticChains(byte[] chain, int offset, int field, int nextHeader, int offsetWhenAfter)
    {
        byte[] packet = Chain(chain, IPProtocol.Udp);
        Assert.That(IPv6InsertionPoint.TryFind(packet, out IPv6InsertionPoint point), Is.True);
        Assert.That((point.Offset, point.NextHeaderFieldOffset, (int)point.NextHeader), Is.EqualTo((offset, field, nextHeader)));
        Assert.That(IPv6InsertionPoint.TryFind(packet, out point, IPv6DestinationOptionsPlacement.AfterSecurityHeader), Is.True);
        Assert.That(point.Offset, Is.EqualTo(offsetWhenAfter));
        Assert.That(packet[point.NextHeaderFieldOffset], Is.EqualTo((byte)point.NextHeader));
    }

    [Test]
    public void RejectsHopByHopNotFirstLoopsAndOverlongChains()
    {
        var walker = new IPv6ExtensionHeaderWalker(Chain(new byte[] { 60, 0 }, IPProtocol.Tcp));
        while (walker.TryNext(out _))
        {
        }

        Assert.That(walker.Status, Is.EqualTo(IPv6ExtensionHeaderWalkStatus.Malformed));

        byte[] many = Chain(Repeat(60, 40), IPProtocol.Tcp);
        walker = new IPv6ExtensionHeaderWalker(many);
        int count = 0;
        while (walker.TryNext(out _))
        {
            count++;
        }

        Assert.That(count, Is.EqualTo(IPv6ExtensionHeaderWalker.MaxHeaderCount));
        Assert.That(walker.Status, Is.EqualTo(IPv6ExtensionHeaderWalkStatus.TooManyHeaders));
        Assert.That(IPv6InsertionPoint.TryFind(many, out IPv6InsertionPoint none), Is.False);
        Assert.That(none.Offset, Is.Zero);

        // Hdr Ext Len that runs past the packet.
        byte[] truncated = Chain(new byte[] { 60 }, IPProtocol.Tcp);
        truncated[41] = 200;
        walker = new IPv6ExtensionHeaderWalker(truncated);
        Assert.That(walker.TryNext(out _), Is.False);
        Assert.That(walker.Status, Is.EqualTo(IPv6ExtensionHeaderWalkStatus.Truncated));
        Assert.That(IPv6InsertionPoint.TryFind(truncated, out _), Is.False);
    }

    [Test]
    public void StopsAfterNonFirstFragment()
    {
        byte[] packet = Chain(new byte[] { 44, 60 }, IPProtocol.Tcp);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(42), 185 << 3); // offset 1480 bytes
        var walker = new IPv6ExtensionHeaderWalker(packet);
        Assert.That(walker.TryNext(out IPv6ExtensionHeader fragment), Is.True);
        Assert.That(fragment.Type, Is.EqualTo(IPProtocol.Fragment));
        Assert.That(walker.TryNext(out _), Is.False);
        Assert.That(walker.Status, Is.EqualTo(IPv6ExtensionHeaderWalkStatus.Complete));
        Assert.That(walker.IsNonFirstFragment, Is.True);
        Assert.That(walker.UpperLayerOffset, Is.EqualTo(48));
    }

    [Test]
    public void WalksOptionsWithMayChangeBit()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtUdp);
        var reader = new IPv6OptionReader(bytes.AsSpan(40, 16));
        Assert.That(reader.TryReadNext(out IPv6Option routerAlert), Is.True);
        Assert.That((routerAlert.Type, routerAlert.Offset, routerAlert.Length, routerAlert.MayChangeEnRoute, routerAlert.IsPadding),
            Is.EqualTo(((byte)5, 2, 4, false, false)));
        Assert.That(routerAlert.Data.ToArray(), Is.EqualTo(new byte[] { 0, 0 }));
        Assert.That(reader.TryReadNext(out IPv6Option mutable), Is.True);
        Assert.That((mutable.Type, mutable.Offset, mutable.Length, mutable.MayChangeEnRoute, mutable.DataOffset),
            Is.EqualTo(((byte)0x3e, 6, 6, true, 8)));
        Assert.That(mutable.Data.ToArray(), Is.EqualTo(new byte[] { 0x11, 0x22, 0x33, 0x44 }));
        Assert.That(reader.TryReadNext(out IPv6Option padN), Is.True);
        Assert.That((padN.Type, padN.Offset, padN.Length, padN.IsPadding), Is.EqualTo(((byte)1, 12, 4, true)));
        Assert.That(reader.TryReadNext(out _), Is.False);
        Assert.That(reader.IsMalformed, Is.False);

        reader = new IPv6OptionReader(bytes.AsSpan(56, 16));
        Assert.That(reader.TryReadNext(out IPv6Option first), Is.True);
        Assert.That((first.Type, first.Length, first.MayChangeEnRoute, first.UnrecognizedAction), Is.EqualTo(((byte)0x1e, 8, false, 0)));
        Assert.That(reader.TryReadNext(out IPv6Option pad), Is.True);
        Assert.That((pad.Offset, pad.Length), Is.EqualTo((10, 6)));
        Assert.That(reader.TryReadNext(out _), Is.False);
    }

    [TestCase("3a00000000000000", 6, false)]
    [TestCase("3a00010400000000", 1, false)]
    [TestCase("3a00c2040000ffff", 1, false)]
    [TestCase("3a00010500000000", 0, true)]
    [TestCase("3a000000000001", 4, true)]
    [TestCase("3a0000000000ff00", 5, false)]
    [TestCase("3a0000000000ff01", 4, true)]
    public void OptionReaderBoundsEveryLength(string hex, int expectedOptions, bool malformed)
    {
        byte[] header = WirePackets.Bytes(hex);
        var reader = new IPv6OptionReader(header);
        int count = 0;
        while (reader.TryReadNext(out IPv6Option option))
        {
            Assert.That(option.Offset + option.Length, Is.LessThanOrEqualTo(header.Length));
            count++;
        }

        Assert.That(count, Is.EqualTo(expectedOptions));
        Assert.That(reader.IsMalformed, Is.EqualTo(malformed));
    }

    [Test]
    public void EditorRewritesFields()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtUdp);
        IPv6HeaderEditor.SetPayloadLength(bytes, 0x5b);
        IPv6HeaderEditor.SetNextHeader(bytes, IPProtocol.Esp);
        IPv6HeaderEditor.SetHopLimit(bytes, 1);
        IPv6HeaderEditor.SetTrafficClass(bytes, 0xFF);
        IPv6HeaderEditor.SetFlowLabel(bytes, 0x12345);
        IPv6HeaderEditor.SetEcn(bytes, 1);
        IPv6HeaderEditor.SetDscp(bytes, 0);
        Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(WirePackets.Bytes("60112345005b3201")));
        Assert.Throws<ArgumentException>(() => IPv6HeaderEditor.SetHopLimit(new byte[39], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => IPv6HeaderEditor.SetFlowLabel(bytes, 0x100000));
        Assert.Throws<ArgumentOutOfRangeException>(() => IPv6HeaderEditor.SetEcn(bytes, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => IPv6HeaderEditor.SetDscp(bytes, 64));
    }

    [Test]
    public void NeverThrowsOnTruncatedOrBitFlippedInput()
    {
        byte[][] bases =
        {
            WirePackets.Bytes(WirePackets.IPv6ExtUdp), WirePackets.Bytes(WirePackets.IPv6ExtAh),
            WirePackets.Bytes(WirePackets.IPv6ExtEsp), Chain(new byte[] { 0, 60, 43, 44, 60, 51 }, IPProtocol.Tcp),
        };
        var random = new Random(8200);
        byte[] buffer = new byte[256];
        int accepted = 0, complete = 0, options = 0;
        for (int i = 0; i < 100_000; i++)
        {
            int length = Fuzz.Mutate(random, bases[i % bases.Length], buffer);
            ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
            IPv6Header.TryRead(input, out _);
            if (!IPv6Packet.TryCreate(input, out IPv6Packet packet))
            {
                continue;
            }

            accepted++;
            Assert.That(packet.Packet.Length, Is.EqualTo(40 + packet.PayloadLength));
            IPv6ExtensionHeaderWalker walker = packet.GetExtensionHeaderWalker();
            while (walker.TryNext(out IPv6ExtensionHeader header))
            {
                Assert.That(header.Offset + header.Length, Is.LessThanOrEqualTo(packet.Packet.Length));
                if (header.Type is IPProtocol.HopByHop or IPProtocol.DestinationOptions)
                {
                    var reader = new IPv6OptionReader(packet.Packet.Slice(header.Offset, header.Length));
                    while (reader.TryReadNext(out IPv6Option option))
                    {
                        Assert.That(option.Offset + option.Length, Is.LessThanOrEqualTo(header.Length));
                        options++;
                    }
                }
            }

            Assert.That(walker.Count, Is.LessThanOrEqualTo(IPv6ExtensionHeaderWalker.MaxHeaderCount));
            complete += walker.Status == IPv6ExtensionHeaderWalkStatus.Complete ? 1 : 0;
            if (IPv6InsertionPoint.TryFind(packet.Packet, out IPv6InsertionPoint point))
            {
                Assert.That(point.Offset, Is.InRange(40, packet.Packet.Length));
                Assert.That(packet.Packet[point.NextHeaderFieldOffset], Is.EqualTo((byte)point.NextHeader));
            }
        }

        Assert.That(accepted, Is.InRange(1000, 99_000));
        Assert.That(complete, Is.InRange(1000, accepted - 1));
        Assert.That(options, Is.Positive);
    }

    [Test]
    public void ViewWalkersAndWritesDoNotAllocate()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv6ExtAh);
        byte[] output = new byte[40];
        long allocated = Allocations.Measure(() =>
        {
            IPv6Packet.TryCreate(bytes, out IPv6Packet packet);
            _ = packet.Destination;
            IPv6ExtensionHeaderWalker walker = packet.GetExtensionHeaderWalker();
            while (walker.TryNext(out IPv6ExtensionHeader header))
            {
                var reader = new IPv6OptionReader(bytes.AsSpan(header.Offset, header.Length));
                while (reader.TryReadNext(out _))
                {
                }
            }

            IPv6InsertionPoint.TryFind(bytes, out _);
            IPv6Header.TryRead(bytes, out IPv6Header value);
            value.TryWrite(output);
            IPv6HeaderEditor.SetPayloadLength(output, 10);
            IPv6HeaderEditor.SetFlowLabel(output, 5);
        });
        Assert.That(allocated, Is.Zero);
    }

    private static byte[] Repeat(byte value, int count)
    {
        byte[] array = new byte[count];
        array.AsSpan().Fill(value);
        return array;
    }

    /// <summary>An IPv6 packet with 8-byte extension headers of the given types (AH as 12+4 bytes), then 8 bytes of upper layer.</summary>
    internal static byte[] Chain(byte[] types, IPProtocol upper)
    {
        var bytes = new List<byte>();
        byte[] fixedHeader = new byte[40];
        fixedHeader[0] = 0x60;
        fixedHeader[7] = 64;
        bytes.AddRange(fixedHeader);
        for (int i = 0; i < types.Length; i++)
        {
            byte next = i + 1 < types.Length ? types[i + 1] : (byte)upper;
            if (types[i] == (byte)IPProtocol.Ah)
            {
                bytes.AddRange(new byte[] { next, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0 });
            }
            else
            {
                // Hdr Ext Len 0 (8 bytes) with a PadN option filling it; fragment: offset 0, M 0.
                bytes.AddRange(types[i] == (byte)IPProtocol.Fragment
                    ? new byte[] { next, 0, 0, 0, 0, 0, 0, 1 }
                    : new byte[] { next, 0, 1, 4, 0, 0, 0, 0 });
            }
        }

        bytes.AddRange(new byte[8]);
        byte[] packet = bytes.ToArray();
        packet[6] = types.Length > 0 ? types[0] : (byte)upper;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        return packet;
    }
}
