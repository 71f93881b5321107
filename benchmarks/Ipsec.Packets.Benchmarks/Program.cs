using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Ipsec.Packets.Benchmarks.Scaling;

namespace Ipsec.Packets.Benchmarks;

/// <summary>
/// Runs the benchmarks (BenchmarkDotNet's command line). <c>--quick</c> (or IPSEC_BENCH_QUICK=1) keeps only the
/// parameter values a quick look needs: tunnel mode, 64- and 1,400-byte payloads, the smallest and largest SAD and window.
/// After a run including <see cref="ScalingBenchmarks"/> the scaling factors are printed. <c>--paired-scaling [rounds]</c>
/// runs <see cref="PairedScaling"/> instead of BenchmarkDotNet, <c>--paired-datagram [rounds]</c> runs
/// <see cref="DataPlane.PairedDatagramBatch"/>, <c>--paired-peers [rounds] [--only tunnel|64|512|1400|9000]</c> runs
/// <see cref="Peers.PairedPeers"/> (all of it, or only the tunnel comparison or one payload size).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int paired = Array.IndexOf(args, "--paired-scaling");
        if (paired >= 0)
        {
            int rounds = paired + 1 < args.Length && int.TryParse(args[paired + 1], out int n) ? n : 21;
            PairedScaling.Run(rounds);
            return 0;
        }

        int pairedPeers = Array.IndexOf(args, "--paired-peers");
        if (pairedPeers >= 0)
        {
            int rounds = pairedPeers + 1 < args.Length && int.TryParse(args[pairedPeers + 1], out int n) ? n : 31;
            int only = Array.IndexOf(args, "--only");
            Peers.PairedPeers.Run(rounds, only >= 0 && only + 1 < args.Length ? args[only + 1] : null);
            return 0;
        }

        int pairedDatagram = Array.IndexOf(args, "--paired-datagram");
        if (pairedDatagram >= 0)
        {
            int rounds = pairedDatagram + 1 < args.Length && int.TryParse(args[pairedDatagram + 1], out int n) ? n : 21;
            DataPlane.PairedDatagramBatch.Run(rounds);
            return 0;
        }

        bool quick = args.Contains("--quick") || Environment.GetEnvironmentVariable("IPSEC_BENCH_QUICK") == "1";
        IConfig config = DefaultConfig.Instance;
        if (quick)
        {
            config = config.AddFilter(new SimpleFilter(IsQuickCase));
        }

        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Where(a => a != "--quick").ToArray(), config).ToArray();
        PrintScaling(summaries);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    private static bool IsQuickCase(BenchmarkCase benchmark)
    {
        foreach (var parameter in benchmark.Parameters.Items)
        {
            bool keep = parameter.Name switch
            {
                "Mode" => Equals(parameter.Value, IpsecMode.Tunnel),
                "PayloadSize" => parameter.Value is 64 or 1400,
                "SaCount" => parameter.Value is 1_000 or 1_000_000,
                "WindowSize" => parameter.Value is 64 or 65536,
                _ => true,
            };
            if (!keep)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Scaling factor per row and payload size: time per packet with one thread over time per packet with two.</summary>
    private static void PrintScaling(IEnumerable<Summary> summaries)
    {
        var rows = new Dictionary<(string Method, object? Size), (double One, double Two)>();
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                BenchmarkCase benchmark = report.BenchmarkCase;
                if (benchmark.Descriptor.Type != typeof(ScalingBenchmarks) || report.ResultStatistics is null)
                {
                    continue;
                }

                var key = (benchmark.Descriptor.WorkloadMethodDisplayInfo, benchmark.Parameters["PayloadSize"]);
                rows.TryGetValue(key, out var times);
                double mean = report.ResultStatistics.Mean;
                times = (int)benchmark.Parameters["Threads"] == 1 ? (mean, times.Two) : (times.One, mean);
                rows[key] = times;
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("Scaling factor (time per packet with 1 thread / with 2 threads; 2.0 is perfect):");
        foreach (var ((method, size), (one, two)) in rows.OrderBy(r => r.Key.Method, StringComparer.Ordinal))
        {
            string factor = one > 0 && two > 0 ? (one / two).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {method}, {size} B: {factor}  ({one:F1} ns -> {two:F1} ns per packet)"));
        }
    }
}
