using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Ipsec.Packets.Tool;

/// <summary>
/// A progress line on stderr (records, bytes read, packets per second), redrawn in place at most every half second, and
/// only when stderr is a terminal: a redirected stderr (a log, a pipe, a test) never sees it. Cleared before the summary.
/// </summary>
internal sealed class Progress
{
    private const long RecordsBetweenClockReads = 1024;

    private readonly TextWriter? _error;
    private readonly long _intervalTicks;
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _nextCheck = RecordsBetweenClockReads;
    private long _lastDraw;
    private bool _shown;

    /// <summary>Progress on <paramref name="error"/> when it is the process's stderr and that is a terminal; otherwise silent.</summary>
    public Progress(TextWriter error)
        : this(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected, TimeSpan.FromMilliseconds(500))
    {
    }

    /// <summary>Progress on <paramref name="error"/> when <paramref name="isTerminal"/>, redrawn every <paramref name="interval"/>.</summary>
    public Progress(TextWriter error, bool isTerminal, TimeSpan interval)
    {
        _error = isTerminal ? error : null;
        _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _lastDraw = _start;
        if (interval <= TimeSpan.Zero)
        {
            _nextCheck = 0;
        }
    }

    /// <summary>Whether anything will ever be drawn.</summary>
    public bool IsEnabled => _error is not null;

    /// <summary>Called per record with the totals so far; cheap when there is nothing to draw.</summary>
    public void Report(long records, long bytes)
    {
        if (_error is null || records < _nextCheck)
        {
            return;
        }

        _nextCheck = _intervalTicks <= 0 ? records + 1 : records + RecordsBetweenClockReads;
        long now = Stopwatch.GetTimestamp();
        if (now - _lastDraw < _intervalTicks)
        {
            return;
        }

        _lastDraw = now;
        _shown = true;
        double seconds = Math.Max(Stopwatch.GetElapsedTime(_start, now).TotalSeconds, 1e-3);
        _error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{records:N0} packets, {bytes / 1048576.0:N1} MiB, {records / seconds:N0} packets/s\x1b[K"));
        _error.Flush();
    }

    /// <summary>Clears the line if one was drawn.</summary>
    public void Done()
    {
        if (_shown)
        {
            _error!.Write("\r\x1b[K");
            _shown = false;
        }
    }
}
