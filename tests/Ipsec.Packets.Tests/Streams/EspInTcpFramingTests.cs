using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Threading.Tasks;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Streams;

public class EspInTcpFramingTests
{
    private sealed record Expected(EspInTcpFrameKind Kind, byte[] Payload);

    /// <summary>A stream written by hand from RFC 8229 §3–4 (not by the writer under test), and the frames it holds.</summary>
    private static (byte[] Stream, List<Expected> Frames) HandMadeStream(bool prefix, int seed)
    {
        var random = new Random(seed);
        var bytes = new List<byte>();
        var frames = new List<Expected>();
        if (prefix)
        {
            bytes.AddRange("IKETCP"u8.ToArray());
        }

        foreach (int kind in new[] { 0, 1, 2, 0, 0, 1, 0, 2, 0 })
        {
            byte[] body;
            switch (kind)
            {
                case 0:
                    body = new byte[random.Next(8, 300)];
                    random.NextBytes(body);
                    body[0] |= 0x80; // non-zero SPI
                    bytes.Add((byte)((body.Length + 2) >> 8));
                    bytes.Add((byte)(body.Length + 2));
                    bytes.AddRange(body);
                    frames.Add(new Expected(EspInTcpFrameKind.Esp, body));
                    break;
                case 1:
                    body = new byte[random.Next(28, 200)];
                    random.NextBytes(body);
                    bytes.Add((byte)((body.Length + 6) >> 8));
                    bytes.Add((byte)(body.Length + 6));
                    bytes.AddRange(new byte[4]);
                    bytes.AddRange(body);
                    frames.Add(new Expected(EspInTcpFrameKind.Ike, body));
                    break;
                default:
                    bytes.AddRange(new byte[] { 0x00, 0x03, 0xFF });
                    frames.Add(new Expected(EspInTcpFrameKind.Keepalive, []));
                    break;
            }
        }

        return (bytes.ToArray(), frames);
    }

    private static List<Expected> ReadAll(EspInTcpFrameReader reader, ref ReadOnlySequence<byte> buffer, out EspInTcpReadStatus last)
    {
        var frames = new List<Expected>();
        while ((last = reader.TryReadFrame(ref buffer, out EspInTcpFrame frame)) == EspInTcpReadStatus.Frame)
        {
            frames.Add(new Expected(frame.Kind, frame.Payload.ToArray()));
        }

        return frames;
    }

    private static void AssertFrames(List<Expected> actual, List<Expected> expected)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.That(actual[i].Kind, Is.EqualTo(expected[i].Kind), $"frame {i}");
            Assert.That(actual[i].Payload, Is.EqualTo(expected[i].Payload), $"frame {i}");
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void OneByteSegmentsGiveEveryFrameWhole(bool prefix)
    {
        (byte[] stream, List<Expected> expected) = HandMadeStream(prefix, 1);
        ReadOnlySequence<byte> buffer = SequenceBuilder.Bytewise(stream);
        List<Expected> frames = ReadAll(new EspInTcpFrameReader(prefix), ref buffer, out EspInTcpReadStatus last);
        AssertFrames(frames, expected);
        Assert.That(last, Is.EqualTo(EspInTcpReadStatus.NeedMoreData));
        Assert.That(buffer.Length, Is.Zero);
    }

    [Test]
    public void EverySplitPointOfTheStreamGivesTheSameFrames()
    {
        (byte[] stream, List<Expected> expected) = HandMadeStream(true, 2);
        for (int cut = 1; cut < stream.Length; cut++)
        {
            ReadOnlySequence<byte> buffer = SequenceBuilder.Split(stream, [cut]);
            AssertFrames(ReadAll(new EspInTcpFrameReader(true), ref buffer, out _), expected);
        }
    }

    [Test]
    public void ReadsThatStopAtEveryByteResumeWhereTheyLeftOff()
    {
        // The stream arrives incrementally: after each new byte the reader sees only what has arrived.
        (byte[] stream, List<Expected> expected) = HandMadeStream(true, 3);
        var reader = new EspInTcpFrameReader(true);
        var frames = new List<Expected>();
        int consumed = 0;
        for (int arrived = 0; arrived <= stream.Length; arrived++)
        {
            var buffer = new ReadOnlySequence<byte>(stream, consumed, arrived - consumed);
            frames.AddRange(ReadAll(reader, ref buffer, out EspInTcpReadStatus status));
            Assert.That(status, Is.EqualTo(EspInTcpReadStatus.NeedMoreData));
            consumed = arrived - (int)buffer.Length;
        }

        AssertFrames(frames, expected);
        Assert.That(consumed, Is.EqualTo(stream.Length));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(64)]
    [TestCase(4096)]
    public async Task APipeFedInChunksDeliversEveryFrame(int chunk)
    {
        (byte[] stream, List<Expected> expected) = HandMadeStream(true, chunk);
        var pipe = new Pipe();
        Task writing = Task.Run(async () =>
        {
            for (int i = 0; i < stream.Length; i += chunk)
            {
                await pipe.Writer.WriteAsync(stream.AsMemory(i, Math.Min(chunk, stream.Length - i)));
            }

            await pipe.Writer.CompleteAsync();
        });

        var reader = new EspInTcpFrameReader(true);
        var frames = new List<Expected>();
        while (true)
        {
            ReadResult result = await pipe.Reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            frames.AddRange(ReadAll(reader, ref buffer, out _));
            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                Assert.That(buffer.Length, Is.Zero, "no partial frame left at the end");
                break;
            }
        }

        await writing;
        AssertFrames(frames, expected);
    }

    [Test]
    public void WhatTheWriterWritesTheReaderReads()
    {
        var output = new ArrayBufferWriter<byte>();
        byte[] esp = Enumerable.Range(1, 100).Select(i => (byte)i).ToArray();
        byte[] ike = Enumerable.Range(0, 40).Select(i => (byte)(i * 3)).ToArray();
        EspInTcpFrameWriter.WriteStreamPrefix(output);
        EspInTcpFrameWriter.WriteEsp(output, esp);
        EspInTcpFrameWriter.WriteIke(output, ike);
        byte[] stream = output.WrittenSpan.ToArray();
        Assert.That(Convert.ToHexString(stream, 0, 8), Is.EqualTo("494B45544350" + "0066"), "prefix, then length 102");
        Assert.That(Convert.ToHexString(stream, 108, 6), Is.EqualTo("002E00000000"), "length 46 and the non-ESP marker");
        var buffer = new ReadOnlySequence<byte>(stream);
        List<Expected> frames = ReadAll(new EspInTcpFrameReader(true), ref buffer, out _);
        AssertFrames(frames, [new Expected(EspInTcpFrameKind.Esp, esp), new Expected(EspInTcpFrameKind.Ike, ike)]);
    }

    [TestCase("0000")]
    [TestCase("0001")]
    [TestCase("0002")]
    [TestCase("0004")]
    [TestCase("0006")]
    [TestCase("000300")]
    public void AnImpossibleLengthEndsTheStream(string hex)
    {
        var reader = new EspInTcpFrameReader(false);
        var buffer = new ReadOnlySequence<byte>(Convert.FromHexString(hex + "00000000000000000000"));
        Assert.That(reader.TryReadFrame(ref buffer, out _), Is.EqualTo(EspInTcpReadStatus.BadLength));
        var good = new ReadOnlySequence<byte>(Convert.FromHexString("0003ff"));
        Assert.That(reader.TryReadFrame(ref good, out _), Is.EqualTo(EspInTcpReadStatus.BadLength), "framing is lost for good");
    }

    [Test]
    public void AWrongPrefixEndsTheStreamAndAPartialOneWaits()
    {
        var reader = new EspInTcpFrameReader(true);
        var partial = new ReadOnlySequence<byte>("IKE"u8.ToArray());
        Assert.That(reader.TryReadFrame(ref partial, out _), Is.EqualTo(EspInTcpReadStatus.NeedMoreData));
        Assert.That(partial.Length, Is.EqualTo(3), "nothing consumed");
        var wrong = new ReadOnlySequence<byte>("IKEUDP"u8.ToArray());
        Assert.That(new EspInTcpFrameReader(true).TryReadFrame(ref wrong, out _), Is.EqualTo(EspInTcpReadStatus.BadStreamPrefix));
        var early = new ReadOnlySequence<byte>("IX"u8.ToArray());
        Assert.That(new EspInTcpFrameReader(true).TryReadFrame(ref early, out _), Is.EqualTo(EspInTcpReadStatus.BadStreamPrefix));
    }

    [Test]
    public void WriterRefusesWhatCannotBeFramed()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => EspInTcpFrameWriter.WriteEsp(output, new byte[20]), "zero SPI");
        Assert.Throws<ArgumentException>(() => EspInTcpFrameWriter.WriteEsp(output, new byte[] { 1, 2, 3 }));
        Assert.Throws<ArgumentException>(() => EspInTcpFrameWriter.WriteIke(output, new byte[65530]));
        Assert.Throws<ArgumentException>(() => EspInTcpFrameWriter.WriteIke(output, []));
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [Test]
    public async Task TheWriterIsHeldBackUntilTheReaderConsumes()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512, useSynchronizationContext: false));
        byte[] esp = new byte[2000];
        esp[0] = 1;
        EspInTcpFrameWriter.WriteEsp(pipe.Writer, esp);
        ValueTask<FlushResult> flush = pipe.Writer.FlushAsync();
        Assert.That(flush.IsCompleted, Is.False, "the pipe is over its threshold until the frame is consumed");

        ReadResult read = await pipe.Reader.ReadAsync();
        ReadOnlySequence<byte> buffer = read.Buffer;
        Assert.That(new EspInTcpFrameReader(false).TryReadFrame(ref buffer, out EspInTcpFrame frame), Is.EqualTo(EspInTcpReadStatus.Frame));
        Assert.That(frame.Payload.Length, Is.EqualTo(2000));
        pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        FlushResult flushed = await flush;
        Assert.That(flushed.IsCanceled, Is.False);
    }

    [Test]
    public void ReadingFramesDoesNotAllocate()
    {
        (byte[] stream, _) = HandMadeStream(false, 9);
        ReadOnlySequence<byte> split = SequenceBuilder.Split(stream, [1, 5, 100, 101, 400]);
        var reader = new EspInTcpFrameReader(false);
        long bytes = Allocations.Measure(() =>
        {
            ReadOnlySequence<byte> buffer = split;
            while (reader.TryReadFrame(ref buffer, out _) == EspInTcpReadStatus.Frame)
            {
            }
        });
        Assert.That(bytes, Is.Zero);
    }
}
