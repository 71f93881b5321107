using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Ipsec.Packets.Tool;

/// <summary>A records-read counter on stderr, redrawn at most every half second, only when stderr is a terminal.</summary>
internal sealed class Progress
{
    private readonly TextWriter? _error;
    private long _nextCheck = 4096;
    private long _lastTimestamp = Stopwatch.GetTimestamp();
    private bool _shown;

    public Progress(TextWriter error) =>
        _error = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected ? error : null;

    public void Report(long records)
    {
        if (_error is null || records < _nextCheck)
        {
            return;
        }

        _nextCheck = records + 4096;
        long now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalMilliseconds >= 500)
        {
            _lastTimestamp = now;
            _shown = true;
            _error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{records:N0} records"));
        }
    }

    public void Done()
    {
        if (_shown)
        {
            _error!.Write("\r\x1b[K");
        }
    }
}
