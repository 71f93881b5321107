using System;
using System.Buffers;
using System.Collections.Generic;

namespace Ipsec.Packets.Tests.Streams;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s to exercise frames split across segments.</summary>
public static class SequenceBuilder
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    public static ReadOnlySequence<byte> Split(byte[] data, IReadOnlyList<int> cuts)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        foreach (int cut in cuts)
        {
            pieces.Add(data.AsMemory(start, cut - start));
            start = cut;
        }

        pieces.Add(data.AsMemory(start));
        var first = new Segment(pieces[0], 0);
        Segment last = first;
        for (int i = 1; i < pieces.Count; i++)
        {
            last = last.Append(pieces[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> Bytewise(byte[] data)
    {
        var cuts = new List<int>();
        for (int i = 1; i < data.Length; i++)
        {
            cuts.Add(i);
        }

        return data.Length == 0 ? ReadOnlySequence<byte>.Empty : Split(data, cuts);
    }
}
