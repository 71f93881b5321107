using System;
using System.Diagnostics;
using System.Globalization;

namespace Ipsec.Packets.Benchmarks.Scaling;

/// <summary>
/// <c>--paired-scaling [rounds]</c>: the rows of <see cref="ScalingBenchmarks"/> measured as interleaved pairs, one thread
/// then two threads (then two then one, alternately), a few invocations each, so both halves of a pair see the same host.
/// Prints per row the median scaling factor over the rounds with its range, and the median time per packet. A noisy
/// virtual machine moves whole cases run minutes apart; a pair a fraction of a second long it mostly moves together.
/// </summary>
internal static class PairedScaling
{
    private const int InvocationsPerHalf = 4;
    private const int WarmUpInvocations = 3;

    private static readonly (string Name, Func<ScalingBenchmarks, int> Run)[] Rows =
    [
        (ScalingBenchmarks.ProtectOwnSaRow, b => b.ProtectOwnSa()),
        (ScalingBenchmarks.ProtectSharedSaRow, b => b.ProtectSharedSa()),
        (ScalingBenchmarks.UnprotectOwnSaRow, b => b.UnprotectOwnSa()),
        (ScalingBenchmarks.UnprotectSharedSaRow, b => b.UnprotectSharedSa()),
        (ScalingBenchmarks.AesNiControlRow, b => b.AesNiCtrOwnKey()),
        (ScalingBenchmarks.BclControlRow, b => b.BclEncryptOwnKey()),
    ];

    public static void Run(int rounds)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Paired scaling, AES-GCM-128 tunnel, {ScalingBenchmarks.PacketsPerInvoke} packets per invocation, {InvocationsPerHalf} invocations per half, {rounds} pairs per row"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} processors, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine();
        Console.WriteLine("| Row | Payload | Scaling (median) | Range | 1 thread, ns/packet | 2 threads, ns/packet |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (int payloadSize in new[] { 64, 1400 })
        {
            var one = new ScalingBenchmarks { Threads = 1, PayloadSize = payloadSize };
            var two = new ScalingBenchmarks { Threads = 2, PayloadSize = payloadSize };
            one.Setup();
            two.Setup();
            try
            {
                foreach (var (name, run) in Rows)
                {
                    MeasureRow(name, payloadSize, one, two, run, rounds);
                }
            }
            finally
            {
                one.Cleanup();
                two.Cleanup();
            }
        }
    }

    private static void MeasureRow(string name, int payloadSize, ScalingBenchmarks one, ScalingBenchmarks two, Func<ScalingBenchmarks, int> run, int rounds)
    {
        for (int i = 0; i < WarmUpInvocations; i++)
        {
            run(one);
            run(two);
        }

        var factors = new double[rounds];
        var oneTimes = new double[rounds];
        var twoTimes = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            // Alternate which half goes first, so a drift within a pair does not favour either.
            if (r % 2 == 0)
            {
                oneTimes[r] = NanosecondsPerPacket(one, run);
                twoTimes[r] = NanosecondsPerPacket(two, run);
            }
            else
            {
                twoTimes[r] = NanosecondsPerPacket(two, run);
                oneTimes[r] = NanosecondsPerPacket(one, run);
            }

            factors[r] = oneTimes[r] / twoTimes[r];
        }

        Array.Sort(factors);
        Array.Sort(oneTimes);
        Array.Sort(twoTimes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {payloadSize} B | {Median(factors):F2} | {factors[0]:F2}–{factors[^1]:F2} | {Median(oneTimes):F1} | {Median(twoTimes):F1} |"));
    }

    private static double NanosecondsPerPacket(ScalingBenchmarks benchmark, Func<ScalingBenchmarks, int> run)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < InvocationsPerHalf; i++)
        {
            if (run(benchmark) != ScalingBenchmarks.PacketsPerInvoke)
            {
                throw new InvalidOperationException("a packet failed");
            }
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / (InvocationsPerHalf * (double)ScalingBenchmarks.PacketsPerInvoke);
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
