using System;
using System.Threading;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>
/// Long-lived worker threads that run one piece of work each per <see cref="Run"/>, so a multi-core benchmark measures the
/// work, not thread creation. Work is an <see cref="Action{T}"/> of the worker index, cached by the caller (no allocation).
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private Action<int>? _work;
    private volatile bool _stopping;

    public WorkerPool(int count)
    {
        _threads = new Thread[count];
        _start = new SemaphoreSlim[count];
        _done = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            int index = i;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"benchmark worker {i}" };
            _threads[i].Start();
        }
    }

    public int Count => _threads.Length;

    /// <summary>Runs <paramref name="work"/> on every worker at once and waits for all of them.</summary>
    public void Run(Action<int> work)
    {
        _work = work;
        _done.Reset(_threads.Length);
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }

        _done.Wait();
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        _done.Dispose();
        foreach (SemaphoreSlim start in _start)
        {
            start.Dispose();
        }
    }

    private void Loop(int index)
    {
        while (true)
        {
            _start[index].Wait();
            if (_stopping)
            {
                return;
            }

            _work!(index);
            _done.Signal();
        }
    }
}
