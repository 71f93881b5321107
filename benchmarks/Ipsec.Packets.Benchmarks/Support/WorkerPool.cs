using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>
/// Runs one piece of work on each of <see cref="Count"/> threads at once: the calling thread is worker 0, the others are
/// long-lived threads, so a multi-core benchmark measures the work, not thread creation or wake-ups. Between runs a worker
/// spins for a millisecond (back-to-back invocations never wait for a sleeping vCPU to be woken, which costs tens of
/// microseconds on a virtual machine), then sleeps, so an idle pool does not take a core from other measurements. With a
/// count of one no thread is started at all. Work is an <see cref="Action{T}"/> of the worker index, cached by the caller
/// (no allocation).
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly Flags _flags;
    private Action<int>? _work;
    private volatile bool _stopping;

    public WorkerPool(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _threads = new Thread[count - 1];
        _wake = new SemaphoreSlim[count];
        _flags = new Flags(count);
        for (int i = 1; i < count; i++)
        {
            int index = i;
            _wake[i] = new SemaphoreSlim(0);
            _threads[i - 1] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"benchmark worker {i}" };
            _threads[i - 1].Start();
        }
    }

    public int Count { get; }

    /// <summary>Runs <paramref name="work"/> on every worker at once (the caller as worker 0) and waits for all of them.</summary>
    public void Run(Action<int> work)
    {
        _work = work;
        Volatile.Write(ref _flags.Done, 0);
        Interlocked.Increment(ref _flags.Generation);
        WakeSleepers();
        work(0);
        SpinWait spin = default;
        while (Volatile.Read(ref _flags.Done) != Count - 1)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Interlocked.Increment(ref _flags.Generation);
        WakeSleepers();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        for (int i = 1; i < Count; i++)
        {
            _wake[i].Dispose();
        }
    }

    private void WakeSleepers()
    {
        for (int i = 1; i < Count; i++)
        {
            if (Interlocked.Exchange(ref _flags.Sleeping(i), 0) == 1)
            {
                _wake[i].Release();
            }
        }
    }

    private void Loop(int index)
    {
        long seen = 0; // the generation before the first Run, whenever this thread starts
        while (true)
        {
            long generation;
            long idleSince = Stopwatch.GetTimestamp();
            while ((generation = Volatile.Read(ref _flags.Generation)) == seen)
            {
                if (Stopwatch.GetTimestamp() - idleSince < SpinTicks)
                {
                    Thread.SpinWait(20);
                    continue;
                }

                // Announce the sleep, then look again: either Run sees the flag and releases us, or we see its generation.
                Interlocked.Exchange(ref _flags.Sleeping(index), 1);
                if (Volatile.Read(ref _flags.Generation) == seen || Interlocked.Exchange(ref _flags.Sleeping(index), 0) == 0)
                {
                    // Either nothing new yet, or Run already took the flag and released (or will release) the semaphore.
                    _wake[index].Wait();
                }

                idleSince = Stopwatch.GetTimestamp();
            }

            seen = generation;
            if (_stopping)
            {
                return;
            }

            _work!(index);
            Interlocked.Increment(ref _flags.Done);
        }
    }

    /// <summary>The shared counters, each on its own cache line; one sleeping flag per worker, a line apart.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class Flags(int count)
    {
        private const int LineInts = 16;

        [FieldOffset(64)]
        public long Generation;

        [FieldOffset(128)]
        public int Done;

        [FieldOffset(0)]
        private readonly int[] _sleeping = new int[(count + 1) * LineInts];

        public ref int Sleeping(int index) => ref _sleeping[index * LineInts];
    }
}
