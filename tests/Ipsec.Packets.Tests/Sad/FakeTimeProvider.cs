using System;
using System.Collections.Generic;
using System.Threading;

namespace Ipsec.Packets.Tests.Sad;

/// <summary>A manual clock: time moves only on <see cref="Advance"/>, which also fires the timers that fell due.</summary>
internal sealed class FakeTimeProvider : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<FakeTimer> _timers = new();
    private readonly DateTimeOffset _epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks = TimeSpan.TicksPerDay; // not zero, so that nothing can mistake the start for "unset"

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Volatile.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(Volatile.Read(ref _ticks));

    public void Advance(TimeSpan by)
    {
        List<FakeTimer> due = new();
        lock (_lock)
        {
            _ticks += by.Ticks;
            foreach (FakeTimer timer in _timers)
            {
                if (timer.DueTicks <= _ticks)
                {
                    due.Add(timer);
                }
            }
        }

        foreach (FakeTimer timer in due)
        {
            timer.Fire(_ticks);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_lock)
        {
            var timer = new FakeTimer(this, callback, state, _ticks + dueTime.Ticks, period.Ticks);
            _timers.Add(timer);
            return timer;
        }
    }

    public int ActiveTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count;
            }
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state, long dueTicks, long periodTicks) : ITimer
    {
        public long DueTicks { get; private set; } = dueTicks;

        public void Fire(long now)
        {
            while (DueTicks <= now)
            {
                DueTicks = periodTicks > 0 ? DueTicks + periodTicks : long.MaxValue;
                callback(state);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
            }
        }

        public System.Threading.Tasks.ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }
}
