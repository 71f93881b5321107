using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Ipsec.Packets.Tool.Captures;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

[TestFixture]
public class CaptureReaderTests
{
    private static readonly CaptureBuilder.Frame[] s_frames =
    [
        new(1_700_000_000, 123_456_000, Bytes(60, 1)),
        new(1_700_000_001, 999_999_000, Bytes(1514, 2)),
        new(1_700_000_002, 0, Bytes(1, 3)),
        new(1_700_000_003, 500_000_000, []),
    ];

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public async Task Pcap_BothResolutionsAndByteOrders(bool nanoseconds, bool bigEndian)
    {
        var frames = new List<CaptureBuilder.Frame>(s_frames);
        if (nanoseconds)
        {
            frames.Add(new(1_700_000_004, 123_456_789, Bytes(40, 4)));
        }

        byte[] file = CaptureBuilder.Pcap(frames, 1, nanoseconds, bigEndian);
        List<(CaptureRecord Record, byte[] Bytes)> read = await ReadAsync(file, trickle: false);
        AssertSame(frames, read, linkType: 1);
        Assert.That(await ReadAsync(file, trickle: true), Has.Count.EqualTo(frames.Count), "records split across pipe buffers");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Pcapng_InterfacesResolutionsSimplePacketsAndByteOrders(bool bigEndian)
    {
        var packets = new List<(int, CaptureBuilder.Frame)>
        {
            (0, new(1_700_000_000, 123_456_000, Bytes(60, 1))),
            (1, new(1_700_000_001, 123_456_789, Bytes(61, 2))),
            (2, new(1_700_000_002, 500_000_000, Bytes(62, 3))),
            (-1, new(0, 0, Bytes(63, 4))),
            (1, new(1_700_000_003, 1, Bytes(3, 5))),
        };
        byte[] file = CaptureBuilder.Pcapng([(1, null), (101, 9), (113, 0x80 | 30)], packets, bigEndian);
        foreach (bool trickle in new[] { false, true })
        {
            List<(CaptureRecord Record, byte[] Bytes)> read = await ReadAsync(file, trickle);
            Assert.That(read, Has.Count.EqualTo(5));
            Assert.Multiple(() =>
            {
                Assert.That(read[0].Record, Is.EqualTo(new CaptureRecord(1, 1_700_000_000, 123_456_000, 1, 60)));
                Assert.That(read[1].Record, Is.EqualTo(new CaptureRecord(2, 1_700_000_001, 123_456_789, 101, 61)));
                Assert.That(read[2].Record.LinkType, Is.EqualTo(113));
                Assert.That(read[2].Record.Seconds, Is.EqualTo(1_700_000_002));
                Assert.That(read[2].Record.Nanoseconds, Is.InRange(499_999_999u, 500_000_000u), "2^-30 s resolution");
                Assert.That(read[3].Record.LinkType, Is.EqualTo(1), "simple packet blocks belong to interface 0");
                Assert.That(read[3].Bytes, Is.EqualTo(packets[3].Item2.Bytes));
                Assert.That(read[4].Record.Nanoseconds, Is.EqualTo(1u));
                for (int i = 0; i < 5; i++)
                {
                    Assert.That(read[i].Bytes, Is.EqualTo(packets[i].Item2.Bytes));
                }
            });
        }
    }

    [Test]
    public async Task Pcapng_SectionsOfDifferentByteOrders_ResetInterfaces()
    {
        byte[] little = CaptureBuilder.Pcapng([(1, null)], [(0, s_frames[0])]);
        byte[] big = CaptureBuilder.Pcapng([(229, 9), (228, null)], [(1, s_frames[1]), (0, s_frames[2])], bigEndian: true);
        byte[] file = [.. little, .. big];
        List<(CaptureRecord Record, byte[] Bytes)> read = await ReadAsync(file, trickle: true);
        Assert.That(read, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(read[0].Record.LinkType, Is.EqualTo(1));
            Assert.That(read[1].Record, Is.EqualTo(new CaptureRecord(2, s_frames[1].Seconds, s_frames[1].Nanoseconds, 228, s_frames[1].Bytes.Length)));
            Assert.That(read[2].Record.LinkType, Is.EqualTo(229));
            Assert.That(read[2].Bytes, Is.EqualTo(s_frames[2].Bytes));
        });
    }

    [Test]
    public void Pcap_TruncatedAtEveryLength_NamesTheRecord()
    {
        byte[] file = CaptureBuilder.Pcap(s_frames[..2], 1);
        int secondRecord = 24 + 16 + 60;
        for (int cut = secondRecord + 1; cut < file.Length; cut++)
        {
            var error = Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync(file[..cut], trickle: false));
            Assert.That(error!.Message, Does.StartWith("in.pcap: record 2: truncated"));
        }

        for (int cut = 1; cut < 24; cut++)
        {
            var error = Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync(file[..cut], trickle: false));
            Assert.That(error!.Message, Does.StartWith("in.pcap: "));
            Assert.That(error.RecordNumber, Is.Zero);
        }
    }

    [Test]
    public void Pcapng_TruncatedAtEveryLength_NamesTheRecord()
    {
        byte[] file = CaptureBuilder.Pcapng([(101, null)], [(0, s_frames[0]), (0, s_frames[1])]);
        int lastBlock = file.Length - (32 + 1516);
        for (int cut = lastBlock + 1; cut < file.Length; cut++)
        {
            var error = Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync(file[..cut], trickle: false));
            Assert.That(error!.Message, Does.StartWith("in.pcap: record 2: truncated"));
        }
    }

    [Test]
    public void Corruption_NamesTheRecord()
    {
        byte[] pcap = CaptureBuilder.Pcap(s_frames, 1);
        byte[] hugeLength = (byte[])pcap.Clone();
        BitConverter.TryWriteBytes(hugeLength.AsSpan(24 + 16 + 60 + 8), 0x7FFFFFFF);
        Assert.That(Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync(hugeLength, false))!.Message,
            Is.EqualTo("in.pcap: record 2: corrupt: captured length 2147483647 exceeds 16777216 bytes"));

        byte[] badFraction = (byte[])pcap.Clone();
        BitConverter.TryWriteBytes(badFraction.AsSpan(24 + 4), 2_000_000);
        Assert.That(Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync(badFraction, false))!.Message, Does.StartWith("in.pcap: record 1: corrupt: timestamp"));

        byte[] pcapng = CaptureBuilder.Pcapng([(101, null)], [(0, s_frames[0]), (0, s_frames[1]), (0, s_frames[2])]);
        byte[] mismatched = (byte[])pcapng.Clone();
        mismatched[^1] ^= 0x10;
        Assert.That(Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync(mismatched, false))!.Message, Does.StartWith("in.pcap: record 3: corrupt: block of type 6"));

        byte[] badInterface = (byte[])pcapng.Clone();
        int firstEpb = pcapng.Length - (32 + 4) - (32 + 1516) - (32 + 60);
        BitConverter.TryWriteBytes(badInterface.AsSpan(firstEpb + 8), 5);
        Assert.That(Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync(badInterface, false))!.Message, Is.EqualTo("in.pcap: record 1: corrupt: packet on undeclared interface 5"));

        Assert.That(Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync([], false))!.Message, Is.EqualTo("in.pcap: empty file, not a pcap or pcapng capture"));
        Assert.That(Assert.ThrowsAsync<CaptureFormatException>(() => ReadAsync("GIF89a-not-a-capture"u8.ToArray(), false))!.Message, Does.Contain("unknown magic"));
    }

    [TestCase(0, "10.1.2.3")]
    [TestCase(1, "10.1.2.3")]
    [TestCase(12, "10.1.2.3")]
    [TestCase(14, "10.1.2.3")]
    [TestCase(101, "10.1.2.3")]
    [TestCase(113, "10.1.2.3")]
    [TestCase(228, "10.1.2.3")]
    [TestCase(276, "10.1.2.3")]
    [TestCase(0, "2001:db8::3")]
    [TestCase(1, "2001:db8::3")]
    [TestCase(101, "2001:db8::3")]
    [TestCase(113, "2001:db8::3")]
    [TestCase(229, "2001:db8::3")]
    [TestCase(276, "2001:db8::3")]
    public void LinkLayer_FindsTheIPPacket(int linkType, string destination)
    {
        byte[] ip = destination.Contains(':')
            ? CaptureBuilder.IPv6Udp("2001:db8::1", destination, 1, 2, [1, 2, 3])
            : CaptureBuilder.IPv4Udp("10.0.0.1", destination, 1, 2, [1, 2, 3]);
        byte[] frame = CaptureBuilder.Link(linkType, ip);
        Assert.That(LinkLayer.TryLocateIP(linkType, frame, out int offset), Is.True);
        Assert.That(frame[offset..], Is.EqualTo(ip));
    }

    [Test]
    public void LinkLayer_RejectsNonIP()
    {
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        Assert.Multiple(() =>
        {
            Assert.That(LinkLayer.TryLocateIP(1, arp, out _), Is.False);
            Assert.That(LinkLayer.TryLocateIP(1, arp[..13], out _), Is.False);
            Assert.That(LinkLayer.TryLocateIP(228, CaptureBuilder.IPv6Udp("::1", "::2", 1, 2, []), out _), Is.False);
            Assert.That(LinkLayer.TryLocateIP(147, new byte[40], out _), Is.False);
            Assert.That(LinkLayer.TryLocateIP(101, [], out _), Is.False);
        });
    }

    [Test]
    public void PcapWriter_OutputReadsBack()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, nanoseconds: true))
        {
            writer.Write(1_700_000_000, 123_456_789, Bytes(20, 7));
        }

        byte[] file = stream.ToArray();
        Assert.That(BitConverter.ToUInt32(file, 0), Is.EqualTo(0xA1B23C4Du));
        Assert.That(BitConverter.ToUInt32(file, 20), Is.EqualTo(101u));
        Assert.That(BitConverter.ToUInt32(file, 28), Is.EqualTo(123_456_789u));
        Assert.That(file[40..], Is.EqualTo(Bytes(20, 7)));
    }

    private static void AssertSame(List<CaptureBuilder.Frame> frames, List<(CaptureRecord Record, byte[] Bytes)> read, int linkType)
    {
        Assert.That(read, Has.Count.EqualTo(frames.Count));
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.That(read[i].Record, Is.EqualTo(new CaptureRecord(i + 1, frames[i].Seconds, frames[i].Nanoseconds, linkType, frames[i].Bytes.Length)));
            Assert.That(read[i].Bytes, Is.EqualTo(frames[i].Bytes));
        }
    }

    private static byte[] Bytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<List<(CaptureRecord, byte[])>> ReadAsync(byte[] file, bool trickle)
    {
        var sink = new RecordingSink();
        Stream stream = trickle ? new TrickleStream(file) : new MemoryStream(file);
        await CaptureReader.ReadAsync(stream, "in.pcap", sink);
        return sink.Records;
    }

    private sealed class RecordingSink : ICaptureSink
    {
        public List<(CaptureRecord, byte[])> Records { get; } = [];

        public void OnFrame(in CaptureRecord record, ReadOnlySpan<byte> frame) => Records.Add((record, frame.ToArray()));
    }

    /// <summary>Hands out at most 7 bytes per read so records straddle the pipe's segments.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 7)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, System.Threading.CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 7), cancellationToken);
    }
}
