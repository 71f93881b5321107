using System;
using System.Buffers.Binary;
using Ipsec.Packets.Tests.Support;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class IPv4Tests
{
    [Test]
    public void ParsesPlainIPv4TcpPacket()
    {
        // 45 00 0046 1c46 4000 40 06 321a c000020a c6336414
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Tcp);
        Assert.That(IPv4Packet.TryCreate(bytes, out IPv4Packet packet), Is.True);
        Assert.That(packet.HeaderLength, Is.EqualTo(20));
        Assert.That(packet.OptionsLength, Is.Zero);
        Assert.That(packet.Options.IsEmpty, Is.True);
        Assert.That(packet.Tos, Is.Zero);
        Assert.That(packet.TotalLength, Is.EqualTo(70));
        Assert.That(packet.Packet.Length, Is.EqualTo(70));
        Assert.That(packet.Identification, Is.EqualTo(0x1c46));
        Assert.That(packet.DontFragment, Is.True);
        Assert.That(packet.MoreFragments, Is.False);
        Assert.That(packet.ReservedFlagSet, Is.False);
        Assert.That(packet.FragmentOffset, Is.Zero);
        Assert.That(packet.IsFragment, Is.False);
        Assert.That(packet.TimeToLive, Is.EqualTo(64));
        Assert.That(packet.Protocol, Is.EqualTo(IPProtocol.Tcp));
        Assert.That(packet.HeaderChecksum, Is.EqualTo(0x321a));
        Assert.That(packet.IsChecksumValid, Is.True);
        Assert.That(packet.Source.ToString(), Is.EqualTo("192.0.2.10"));
        Assert.That(packet.Destination.ToString(), Is.EqualTo("198.51.100.20"));
        Assert.That(packet.Payload.Length, Is.EqualTo(50));
        Assert.That(packet.Payload[0], Is.EqualTo(0xc0));
    }

    [Test]
    public void ParsesIPv4WithOptionsAndWalksThem()
    {
        // 49 28 004c 2001 4000 40 06 855f ... options: 94 04 0000 | 07 0b 08 c0000201 00000000 | 00
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Options);
        Assert.That(IPv4Packet.TryCreate(bytes, out IPv4Packet packet), Is.True);
        Assert.That(packet.HeaderLength, Is.EqualTo(36));
        Assert.That(packet.OptionsLength, Is.EqualTo(16));
        Assert.That(packet.Dscp, Is.EqualTo(10));
        Assert.That(packet.Ecn, Is.Zero);
        Assert.That(packet.TotalLength, Is.EqualTo(76));
        Assert.That(packet.Identification, Is.EqualTo(0x2001));
        Assert.That(packet.IsChecksumValid, Is.True);
        Assert.That(packet.Payload.Length, Is.EqualTo(40));

        IPv4OptionReader reader = packet.GetOptionReader();
        Assert.That(reader.TryReadNext(out IPv4Option routerAlert), Is.True);
        Assert.That(routerAlert.Type, Is.EqualTo(0x94));
        Assert.That(routerAlert.IsCopied, Is.True);
        Assert.That(routerAlert.Number, Is.EqualTo(20));
        Assert.That(routerAlert.Offset, Is.Zero);
        Assert.That(routerAlert.Length, Is.EqualTo(4));
        Assert.That(routerAlert.Data.ToArray(), Is.EqualTo(new byte[] { 0, 0 }));
        Assert.That(reader.TryReadNext(out IPv4Option recordRoute), Is.True);
        Assert.That(recordRoute.Type, Is.EqualTo(7));
        Assert.That(recordRoute.IsCopied, Is.False);
        Assert.That(recordRoute.Class, Is.Zero);
        Assert.That(recordRoute.Offset, Is.EqualTo(4));
        Assert.That(recordRoute.Length, Is.EqualTo(11));
        Assert.That(recordRoute.Data[0], Is.EqualTo(8));
        Assert.That(reader.TryReadNext(out _), Is.False);
        Assert.That(reader.IsMalformed, Is.False);
        Assert.That(reader.TryReadNext(out _), Is.False);
    }

    [TestCase("", 0, false)]
    [TestCase("01010101", 4, false)]
    [TestCase("0001", 0, false)]
    [TestCase("01", 1, false)]
    [TestCase("8203aa", 1, false)]
    [TestCase("82", 0, true)]
    [TestCase("8201", 0, true)]
    [TestCase("8200", 0, true)]
    [TestCase("8205aaaa", 0, true)]
    [TestCase("01820500", 1, true)]
    [TestCase("0182030000", 2, false)]
    public void OptionReaderBoundsEveryLength(string hex, int expectedOptions, bool malformed)
    {
        byte[] options = WirePackets.Bytes(hex);
        var reader = new IPv4OptionReader(options);
        int count = 0;
        while (reader.TryReadNext(out IPv4Option option))
        {
            Assert.That(option.Offset + option.Length, Is.LessThanOrEqualTo(options.Length));
            count++;
        }

        Assert.That(count, Is.EqualTo(expectedOptions));
        Assert.That(reader.IsMalformed, Is.EqualTo(malformed));
    }

    [Test]
    public void AllowsTrailingBytesButCutsPacketAndPayloadAtTotalLength()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Tcp + "000000000000000000");
        Assert.That(IPv4Packet.TryCreate(bytes, out IPv4Packet packet), Is.True);
        Assert.That(packet.Packet.Length, Is.EqualTo(70));
        Assert.That(packet.Payload.Length, Is.EqualTo(50));
    }

    [TestCase(WirePackets.IPv4Tcp)]
    [TestCase(WirePackets.IPv4Options)]
    [TestCase(WirePackets.IPv4Udp)]
    [TestCase(WirePackets.IPv4NatTEsp)]
    public void RejectsEveryTruncation(string hex)
    {
        byte[] bytes = WirePackets.Bytes(hex);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.That(IPv4Packet.TryCreate(bytes.AsSpan(0, length), out IPv4Packet packet), Is.False, $"length {length}");
            Assert.That(packet.Packet.IsEmpty, Is.True);
            Assert.That(IPv4Header.TryRead(bytes.AsSpan(0, length), out IPv4Header header), Is.EqualTo(length >= (bytes[0] & 0xF) * 4));
            if (length < 20)
            {
                Assert.That(header, Is.EqualTo(default(IPv4Header)));
            }
        }

        Assert.That(IPv4Packet.TryCreate(bytes, out _), Is.True);
    }

    [TestCase(0x65, "version 6")]
    [TestCase(0x44, "IHL 4")]
    [TestCase(0x40, "IHL 0")]
    public void RejectsBadVersionOrIhl(int versionIhl, string why)
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Tcp);
        bytes[0] = (byte)versionIhl;
        Assert.That(IPv4Packet.TryCreate(bytes, out _), Is.False, why);
        Assert.That(IPv4Header.TryRead(bytes, out _), Is.False, why);
    }

    [TestCase(19)]
    [TestCase(0)]
    [TestCase(71)]
    public void RejectsTotalLengthBelowHeaderOrBeyondBuffer(int totalLength)
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Tcp);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)totalLength);
        Assert.That(IPv4Packet.TryCreate(bytes, out _), Is.False);
    }

    [TestCase(WirePackets.IPv4Tcp)]
    [TestCase(WirePackets.IPv4Options)]
    [TestCase(WirePackets.IPv4NatTEsp)]
    public void HeaderRoundTripsIntoPoisonedBuffer(string hex)
    {
        byte[] bytes = WirePackets.Bytes(hex);
        Assert.That(IPv4Header.TryRead(bytes, out IPv4Header header), Is.True);
        Assert.That(IPv4Packet.TryCreate(bytes, out IPv4Packet packet), Is.True);
        Assert.That(packet.ToHeader(), Is.EqualTo(header));

        byte[] output = WirePackets.Poisoned(header.HeaderLength + 4);
        Assert.That(header.TryWrite(output), Is.True);
        Assert.That(output.AsSpan(0, 20).ToArray(), Is.EqualTo(bytes.AsSpan(0, 20).ToArray()));
        for (int i = 20; i < output.Length; i++)
        {
            Assert.That(output[i], Is.EqualTo(0xA5), "options are the caller's to write; nothing past 20 is touched");
        }

        Assert.That(header.TryWrite(WirePackets.Poisoned(header.HeaderLength - 1)), Is.False);
    }

    [Test]
    public void BuildsHeaderFromFieldsAndChecksumVerifies()
    {
        var header = new IPv4Header
        {
            Dscp = 46,
            Ecn = 2,
            TotalLength = 84,
            Identification = 0xBEEF,
            DontFragment = true,
            MoreFragments = true,
            FragmentOffset = 8191,
            TimeToLive = 255,
            Protocol = IPProtocol.Esp,
            Source = IPv4Address.Parse("203.0.113.1"),
            Destination = IPv4Address.Parse("203.0.113.2"),
        };
        byte[] output = WirePackets.Poisoned(84);
        Assert.That(header.TryWrite(output), Is.True);
        IPv4HeaderEditor.UpdateChecksum(output);
        Assert.That(WirePackets.Bytes("45ba0054beef7fffff32"), Is.EqualTo(output.AsSpan(0, 10).ToArray()));
        Assert.That(IPv4Packet.TryCreate(output, out IPv4Packet packet), Is.True);
        Assert.That(packet.IsChecksumValid, Is.True);
        Assert.That(packet.IsFragment, Is.True);
        Assert.That(packet.FragmentOffsetBytes, Is.EqualTo(8191 * 8));
        Assert.That(packet.Dscp, Is.EqualTo(46));
        Assert.That(packet.Ecn, Is.EqualTo(2));
        Assert.That(header.Tos, Is.EqualTo(0xba));
        Assert.That(header.ToString(), Does.Contain("203.0.113.1 > 203.0.113.2"));
    }

    [Test]
    public void FieldLimitsThrowOnConstruction()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IPv4Header { Dscp = 64 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IPv4Header { Ecn = 4 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IPv4Header { FragmentOffset = 8192 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IPv4Header { HeaderLength = 16 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IPv4Header { HeaderLength = 64 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IPv4Header { HeaderLength = 22 });
        Assert.That(new IPv4Header { HeaderLength = 60 }.OptionsLength, Is.EqualTo(40));
        Assert.That(default(IPv4Header).HeaderLength, Is.EqualTo(20));
    }

    [Test]
    public void EditorRewritesFieldsAndKeepsChecksumValid()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Options);
        Span<byte> header = bytes.AsSpan(0, 36);
        IPv4HeaderEditor.SetProtocol(header, IPProtocol.Esp);
        IPv4HeaderEditor.SetTotalLength(header, 1400);
        IPv4HeaderEditor.SetTimeToLive(header, 1);
        IPv4HeaderEditor.SetIdentification(header, 0xFFFF);
        IPv4HeaderEditor.SetEcn(header, 3);
        IPv4HeaderEditor.SetDscp(header, 63);
        IPv4HeaderEditor.SetDontFragment(header, false);
        IPv4HeaderEditor.SetSource(header, IPv4Address.Parse("10.1.2.3"));
        IPv4HeaderEditor.SetDestination(header, IPv4Address.Parse("10.3.2.1"));

        Assert.That(InternetChecksum.IsValid(header), Is.True);
        Assert.That(IPv4Header.TryRead(header, out IPv4Header read), Is.True);
        Assert.That(read.Protocol, Is.EqualTo(IPProtocol.Esp));
        Assert.That(read.TotalLength, Is.EqualTo(1400));
        Assert.That(read.TimeToLive, Is.EqualTo(1));
        Assert.That(read.Identification, Is.EqualTo(0xFFFF));
        Assert.That(read.Ecn, Is.EqualTo(3));
        Assert.That(read.Dscp, Is.EqualTo(63));
        Assert.That(read.DontFragment, Is.False);
        Assert.That(read.Source.ToString(), Is.EqualTo("10.1.2.3"));
        Assert.That(read.Destination.ToString(), Is.EqualTo("10.3.2.1"));

        ushort incremental = read.HeaderChecksum;
        IPv4HeaderEditor.UpdateChecksum(header);
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(header[10..]), Is.EqualTo(incremental));
        header[10] = 0;
        header[11] = 0;
        Assert.That(WirePackets.ReferenceChecksum(header), Is.EqualTo(incremental));

        IPv4HeaderEditor.SetDontFragment(header, true);
        IPv4HeaderEditor.SetTos(header, 0);
        Assert.That(bytes[1], Is.Zero);
        Assert.That(bytes[6] & 0x40, Is.EqualTo(0x40));
    }

    [Test]
    public void EditorRejectsCallerMistakes()
    {
        Assert.Throws<ArgumentException>(() => IPv4HeaderEditor.SetProtocol(new byte[19], IPProtocol.Esp));
        Assert.Throws<ArgumentOutOfRangeException>(() => IPv4HeaderEditor.SetEcn(new byte[20], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => IPv4HeaderEditor.SetDscp(new byte[20], 64));
        byte[] header = WirePackets.Bytes(WirePackets.IPv4Options).AsSpan(0, 30).ToArray();
        Assert.Throws<ArgumentException>(() => IPv4HeaderEditor.UpdateChecksum(header));
    }

    [Test]
    public void NeverThrowsOnTruncatedOrBitFlippedInput()
    {
        byte[][] bases =
        {
            WirePackets.Bytes(WirePackets.IPv4Tcp), WirePackets.Bytes(WirePackets.IPv4Options),
            WirePackets.Bytes(WirePackets.IPv4OptionsAh), WirePackets.Bytes(WirePackets.IPv4NatTEsp),
        };
        var random = new Random(791);
        byte[] buffer = new byte[256];
        int accepted = 0, options = 0;
        for (int i = 0; i < 100_000; i++)
        {
            int length = Fuzz.Mutate(random, bases[i % bases.Length], buffer);
            ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
            IPv4Header.TryRead(input, out _);
            if (!IPv4Packet.TryCreate(input, out IPv4Packet packet))
            {
                continue;
            }

            accepted++;
            Assert.That(packet.HeaderLength, Is.InRange(20, 60));
            Assert.That(packet.Packet.Length, Is.EqualTo((int)packet.TotalLength).And.LessThanOrEqualTo(length));
            Assert.That(packet.Header.Length + packet.Payload.Length, Is.EqualTo(packet.Packet.Length));
            _ = packet.IsChecksumValid;
            _ = packet.ToHeader();
            IPv4OptionReader reader = packet.GetOptionReader();
            int steps = 0;
            while (reader.TryReadNext(out IPv4Option option))
            {
                Assert.That(option.Length, Is.GreaterThan(0));
                steps++;
                options++;
            }

            Assert.That(steps, Is.LessThanOrEqualTo(40));
        }

        Assert.That(accepted, Is.InRange(1000, 99_000));
        Assert.That(options, Is.Positive);
    }

    [Test]
    public void ViewReadWriteAndWalkDoNotAllocate()
    {
        byte[] bytes = WirePackets.Bytes(WirePackets.IPv4Options);
        byte[] output = new byte[64];
        long allocated = Allocations.Measure(() =>
        {
            IPv4Packet.TryCreate(bytes, out IPv4Packet packet);
            _ = packet.Source;
            _ = packet.IsChecksumValid;
            IPv4OptionReader reader = packet.GetOptionReader();
            while (reader.TryReadNext(out _))
            {
            }

            IPv4Header.TryRead(bytes, out IPv4Header header);
            header.TryWrite(output);
            IPv4HeaderEditor.SetTotalLength(output, 100);
            IPv4HeaderEditor.SetProtocol(output, IPProtocol.Esp);
            IPv4HeaderEditor.UpdateChecksum(output);
        });
        Assert.That(allocated, Is.Zero);
    }
}
