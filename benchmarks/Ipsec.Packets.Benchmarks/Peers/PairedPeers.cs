using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace Ipsec.Packets.Benchmarks.Peers;

/// <summary>
/// <c>--paired-peers [rounds]</c>: the rows of the ESP-layer peer benchmarks and of <see cref="TunnelOverheadBenchmarks"/>
/// measured interleaved, as issue #17 asks for its targets ("as ratios within one run"): per payload size every row runs
/// for about a millisecond in turn, the order rotating each round, so all rows of a round see the same host. Prints per
/// case the median time of each row and, per comparison, the median of the rounds' ratios with their range. On a shared
/// virtual machine BenchmarkDotNet's cases, minutes apart, move by tens of percent against each other; rows a few
/// milliseconds apart mostly move together.
/// </summary>
internal static class PairedPeers
{
    private const double SliceNanoseconds = 1_000_000;
    private const int WarmUpMilliseconds = 150;
    private static readonly int[] s_sizes = [64, 512, 1400, 9000];

    /// <summary>Runs every comparison, or only those <paramref name="only"/> names: <c>tunnel</c> or one payload size.</summary>
    public static void Run(int rounds, string? only)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Paired peers: {rounds} interleaved rounds per case, about 1 ms per row and round; ns per packet, medians; ratio = median of the rounds' ratios (range)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} processors, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine();
        Console.WriteLine("| suite | payload | ours protect | peer encrypt | protect ratio | ours unprotect | peer decrypt | unprotect ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int size in s_sizes)
        {
            if (only is not null && only != size.ToString(CultureInfo.InvariantCulture))
            {
                continue;
            }

            var gcm256 = new EspLayerAesGcm256PeerBenchmarks { PayloadSize = size };
            Measure("AES-GCM-256 vs libsodium", size, gcm256.Setup, gcm256.Cleanup, rounds,
                () => gcm256.EspLayerProtect(), () => gcm256.EspLayerUnprotect(), [() => gcm256.NSecEncrypt()], [() => gcm256.NSecDecrypt()]);
            var gcm128 = new EspLayerAesGcm128PeerBenchmarks { PayloadSize = size };
            Measure("AES-GCM-128 vs the BCL", size, gcm128.Setup, gcm128.Cleanup, rounds,
                () => gcm128.EspLayerProtect(), () => gcm128.EspLayerUnprotect(), [() => gcm128.BclEncrypt()], [() => gcm128.BclDecrypt()]);
            var chacha = new EspLayerChaCha20Poly1305PeerBenchmarks { PayloadSize = size };
            Measure("ChaCha20-Poly1305 vs the faster of libsodium and the BCL", size, chacha.Setup, chacha.Cleanup, rounds,
                () => chacha.EspLayerProtect(), () => chacha.EspLayerUnprotect(),
                [() => chacha.NSecEncrypt(), () => chacha.BclEncrypt()], [() => chacha.NSecDecrypt(), () => chacha.BclDecrypt()]);
        }

        Console.WriteLine();
        Console.WriteLine("| suite | payload | ours unprotect, valid | ours unprotect, forged (a flood) | forged / valid |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (int size in s_sizes)
        {
            if (only is not null && only != size.ToString(CultureInfo.InvariantCulture))
            {
                continue;
            }

            var gcm256 = new EspLayerAesGcm256PeerBenchmarks { PayloadSize = size };
            MeasurePair("AES-GCM-256", size, gcm256.Setup, gcm256.Cleanup, rounds, () => gcm256.EspLayerUnprotect(), () => gcm256.EspLayerUnprotectForged());
            var chacha = new EspLayerChaCha20Poly1305PeerBenchmarks { PayloadSize = size };
            MeasurePair("ChaCha20-Poly1305", size, chacha.Setup, chacha.Cleanup, rounds, () => chacha.EspLayerUnprotect(), () => chacha.EspLayerUnprotectForged());
        }

        if (only is not null && only != "tunnel")
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| comparison | payload | ESP layer | whole packet | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var tunnel = new TunnelOverheadBenchmarks { PayloadSize = 64 };
        tunnel.Setup();
        try
        {
            double[][] times = Interleave(rounds, [() => tunnel.EspLayerProtect(), () => tunnel.TunnelProtect()]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| AES-GCM-256 tunnel protect (EspProcessor) / ESP-layer protect | 64 B | {Median(times[0]):F0} | {Median(times[1]):F0} | {RatioText(times[1], times[0])} |"));
        }
        finally
        {
            tunnel.Cleanup();
        }
    }

    private static void Measure(
        string suite, int size, Action setup, Action cleanup, int rounds,
        Action protect, Action unprotect, Action[] peerEncrypt, Action[] peerDecrypt)
    {
        setup();
        try
        {
            var rows = new List<Action> { protect, unprotect };
            rows.AddRange(peerEncrypt);
            rows.AddRange(peerDecrypt);
            double[][] times = Interleave(rounds, rows.ToArray());
            double[] fastestEncrypt = FastestPerRound(times, 2, peerEncrypt.Length);
            double[] fastestDecrypt = FastestPerRound(times, 2 + peerEncrypt.Length, peerDecrypt.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {suite} | {size} B | {Median(times[0]):F0} | {Median(fastestEncrypt):F0} | {RatioText(times[0], fastestEncrypt)} | {Median(times[1]):F0} | {Median(fastestDecrypt):F0} | {RatioText(times[1], fastestDecrypt)} |"));
        }
        finally
        {
            cleanup();
        }
    }

    /// <summary>Two rows of ours interleaved: their medians and the median of the rounds' ratios (second / first).</summary>
    private static void MeasurePair(string suite, int size, Action setup, Action cleanup, int rounds, Action first, Action second)
    {
        setup();
        try
        {
            double[][] times = Interleave(rounds, [first, second]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {suite} | {size} B | {Median(times[0]):F0} | {Median(times[1]):F0} | {RatioText(times[1], times[0])} |"));
        }
        finally
        {
            cleanup();
        }
    }

    /// <summary>Per round, the fastest of <paramref name="count"/> rows from <paramref name="first"/> on.</summary>
    private static double[] FastestPerRound(double[][] times, int first, int count)
    {
        double[] fastest = new double[times[0].Length];
        for (int r = 0; r < fastest.Length; r++)
        {
            fastest[r] = double.MaxValue;
            for (int i = first; i < first + count; i++)
            {
                fastest[r] = Math.Min(fastest[r], times[i][r]);
            }
        }

        return fastest;
    }

    /// <summary>Nanoseconds per call of each row in each round (rows rotate their order by round), after a warm-up.</summary>
    private static double[][] Interleave(int rounds, Action[] rows)
    {
        // Warm up: run every row for a while, give the background JIT time to install the optimised code (tiered
        // compilation and PGO), run them again, then calibrate the calls per slice.
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (Action row in rows)
            {
                long start = Stopwatch.GetTimestamp();
                while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < WarmUpMilliseconds)
                {
                    Time(row, 1_000);
                }
            }

            Thread.Sleep(WarmUpMilliseconds);
        }

        var calls = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            calls[i] = Math.Max(50, (int)(SliceNanoseconds / Time(rows[i], 2_000)));
        }

        var times = new double[rows.Length][];
        for (int i = 0; i < rows.Length; i++)
        {
            times[i] = new double[rounds];
        }

        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < rows.Length; k++)
            {
                int i = (k + r) % rows.Length;
                times[i][r] = Time(rows[i], calls[i]);
            }
        }

        return times;
    }

    private static double Time(Action row, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            row();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
    }

    private static string RatioText(double[] ours, double[] peer)
    {
        var ratios = new double[ours.Length];
        for (int r = 0; r < ratios.Length; r++)
        {
            ratios[r] = ours[r] / peer[r];
        }

        Array.Sort(ratios);
        return string.Create(CultureInfo.InvariantCulture, $"**{Median(ratios):F2}** ({ratios[0]:F2}–{ratios[^1]:F2})");
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
