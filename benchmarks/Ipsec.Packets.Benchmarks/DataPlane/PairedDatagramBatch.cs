using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace Ipsec.Packets.Benchmarks.DataPlane;

/// <summary>
/// The rows of <see cref="DatagramBatchBenchmarks"/> measured interleaved: every round runs each row once, in turn, so
/// load from other processes falls on all rows alike, and the medians over the rounds (and of the per-round ratios) are
/// reported. Run with <c>--paired-datagram [rounds]</c>; for a machine shared with other work, where BenchmarkDotNet's
/// sequential rows drift apart.
/// </summary>
public static class PairedDatagramBatch
{
    private const int CallsPerRound = 2_000;

    public static void Run(int rounds)
    {
        foreach (int size in new[] { 64, 1400 })
        {
            var bench = new DatagramBatchBenchmarks { PayloadSize = size };
            bench.Setup();
            var rows = new (string Name, Func<int> Body)[]
            {
                ("protect single", bench.ProtectSingle), ("protect batch", bench.ProtectBatch),
                ("unprotect single", bench.UnprotectSingle), ("unprotect batch", bench.UnprotectBatch),
            };
            var times = rows.Select(_ => new List<double>()).ToArray();
            for (int round = -2; round < rounds; round++)
            {
                for (int r = 0; r < rows.Length; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < CallsPerRound; i++)
                    {
                        if (rows[r].Body() != DatagramBatchBenchmarks.BatchSize)
                        {
                            throw new InvalidOperationException($"{rows[r].Name}: a packet failed");
                        }
                    }

                    double nsPerPacket = Stopwatch.GetElapsedTime(start).TotalNanoseconds / (CallsPerRound * DatagramBatchBenchmarks.BatchSize);
                    if (round >= 0)
                    {
                        times[r].Add(nsPerPacket);
                    }
                }
            }

            bench.Cleanup();
            for (int r = 0; r < rows.Length; r += 2)
            {
                double single = Median(times[r]);
                double batch = Median(times[r + 1]);
                double ratio = Median(times[r + 1].Zip(times[r], (b, s) => b / s).ToList());
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{size,5} B {rows[r].Name,-17} {single,8:F0} ns/packet | batch of 32 {batch,8:F0} ns/packet | batch/single (median of {rounds} paired rounds) {ratio:F2}"));
            }
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
