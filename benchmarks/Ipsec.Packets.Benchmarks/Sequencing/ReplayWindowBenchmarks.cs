using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Sequencing;

namespace Ipsec.Packets.Benchmarks.Sequencing;

/// <summary>
/// The anti-replay window (check before the ICV, accept after it) at 64 to 65,536 packets: sequence numbers in order,
/// out of order (a random permutation of each window-sized span, so every number is new and inside the window), and a
/// replayed number (rejected by the check). <see cref="PacketsPerInvoke"/> packets per invocation; the table reads one.
/// </summary>
[MemoryDiagnoser]
public class ReplayWindowBenchmarks
{
    public const int PacketsPerInvoke = 1024;

    private AntiReplayWindow _inOrder = null!;
    private AntiReplayWindow _outOfOrder = null!;
    private AntiReplayWindow _replayed = null!;
    private ulong _nextInOrder;
    private ulong _base;
    private int _position;
    private int[] _permutation = null!;

    [Params(64, 1024, 4096, 65536)]
    public int WindowSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _inOrder = new AntiReplayWindow(WindowSize);
        _outOfOrder = new AntiReplayWindow(WindowSize);
        _replayed = new AntiReplayWindow(WindowSize);
        _permutation = new int[WindowSize];
        for (int i = 0; i < WindowSize; i++)
        {
            _permutation[i] = i + 1;
        }

        new Random(17).Shuffle(_permutation);
        for (ulong s = 1; s <= (ulong)WindowSize; s++)
        {
            _replayed.TryAccept(s);
        }

        if (InOrder() != PacketsPerInvoke || OutOfOrder() != PacketsPerInvoke || Replayed() != 0)
        {
            throw new InvalidOperationException("the window refused a new sequence number or accepted a replayed one");
        }
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "in order: Check + TryAccept")]
    public int InOrder()
    {
        int accepted = 0;
        AntiReplayWindow window = _inOrder;
        ulong next = _nextInOrder;
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            ulong sequenceNumber = ++next;
            if (window.Check(sequenceNumber) && window.TryAccept(sequenceNumber))
            {
                accepted++;
            }
        }

        _nextInOrder = next;
        return accepted;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "out of order within the window: Check + TryAccept")]
    public int OutOfOrder()
    {
        int accepted = 0;
        AntiReplayWindow window = _outOfOrder;
        int[] permutation = _permutation;
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            ulong sequenceNumber = _base + (ulong)permutation[_position];
            if (window.Check(sequenceNumber) && window.TryAccept(sequenceNumber))
            {
                accepted++;
            }

            if (++_position == permutation.Length)
            {
                _position = 0;
                _base += (ulong)permutation.Length;
            }
        }

        return accepted;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "replayed: Check rejects")]
    public int Replayed()
    {
        int accepted = 0;
        AntiReplayWindow window = _replayed;
        int[] permutation = _permutation;
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            if (window.Check((ulong)permutation[i & (permutation.Length - 1)]))
            {
                accepted++;
            }
        }

        return accepted;
    }
}
