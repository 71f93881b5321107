using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading;

namespace Ipsec.Packets.ConstantTime;

/// <summary>
/// A dudect-style timing check of the portable (non-AES-NI) AES, GHASH and 3DES. Each measurement times one call with
/// Stopwatch.GetTimestamp; the class of each measurement (0: a fixed secret block, 1: a fresh random one) is drawn at
/// random, so drift and noise fall on both classes alike; Welch's t-test compares the classes, uncropped and cropped at
/// dudect's percentiles. |t| below 4.5 over the run is the pass mark. Usage:
///   ConstantTime [--measurements N]            the library's portable primitives (N timed calls each, default 1,000,000)
///   ConstantTime --control [--measurements N]  deliberately leaky controls, to show the harness sees a leak
///   ConstantTime --speed                       rough ns per call of the portable paths at 64 and 1,392 bytes
/// The last line is "max |t| = X". Exit code 0 when every primitive stays below 4.5 (or, with --control, when the
/// controls reach it).
/// </summary>
internal static class Program
{
    private const double Threshold = 4.5;
    private const int ChunkSize = 1 << 16;

    private static int Main(string[] args)
    {
        if (Array.IndexOf(args, "--speed") >= 0)
        {
            Speed.Run();
            return 0;
        }

        bool control = Array.IndexOf(args, "--control") >= 0;
        int measurements = 1_000_000;
        int at = Array.IndexOf(args, "--measurements");
        if (at >= 0 && at + 1 < args.Length)
        {
            measurements = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
        }

        byte[] key = RandomNumberGenerator.GetBytes(16);
        Target[] targets = control
            ? [new LeakyTable(), new BouncyCastleAes(key), new EarlyExitTagCheck()]
            : [new PortableAesEncrypt(key), new PortableAesDecrypt(RandomNumberGenerator.GetBytes(32)), new PortableGhash(RandomNumberGenerator.GetBytes(16)),
               new PortableTripleDes(RandomNumberGenerator.GetBytes(24)), new TagCheck()];

        Console.WriteLine($"{measurements:N0} timed calls per target (both classes together), Stopwatch resolution {1e9 / Stopwatch.Frequency:0.#} ns");
        double max = 0;
        bool ok = true;
        foreach (Target target in targets)
        {
            var clock = Stopwatch.StartNew();
            (double t, long n, int cropping, double meanNs) = Measure(target, measurements);
            max = Math.Max(max, t);
            bool pass = control ? t >= Threshold : t < Threshold;
            ok &= pass;
            Console.WriteLine(
                $"{target.Name}: |t| = {t:0.00} (cropping {cropping}), {n:N0} measurements, {meanNs:0} ns per call, {clock.Elapsed.TotalSeconds:0.0} s: " +
                (control ? (pass ? "leak detected" : "LEAK NOT DETECTED") : (pass ? "no leak detected" : "LEAK")));
        }

        Console.WriteLine($"max |t| = {max:0.00}");
        return ok ? 0 : 1;
    }

    private static (double T, long N, int Cropping, double MeanNs) Measure(Target target, int measurements)
    {
        byte[] fixedBlock = RandomNumberGenerator.GetBytes(16);
        target.UseFixedBlock(fixedBlock);
        byte[] inputs = new byte[16 * ChunkSize];
        byte[] classes = new byte[ChunkSize];
        long[] times = new long[ChunkSize];
        ulong sink = 0;

        // Warm up until the JIT has settled on optimised code, then take the cropping percentiles from a first chunk.
        for (int round = 0; round < 3; round++)
        {
            Prepare(fixedBlock, inputs, classes);
            sink += Run(target, inputs, times);
            Thread.Sleep(100);
        }

        Prepare(fixedBlock, inputs, classes);
        sink += Run(target, inputs, times);
        var test = new WelchTest(times, 100);
        long total = 0;
        double sum = 0;
        while (total < measurements)
        {
            Prepare(fixedBlock, inputs, classes);
            sink += Run(target, inputs, times);
            int n = (int)Math.Min(ChunkSize, measurements - total);
            for (int i = 0; i < n; i++)
            {
                test.Add(classes[i], times[i]);
                sum += times[i];
            }

            total += n;
        }

        GC.KeepAlive(sink);
        (double t, long count, int cropping) = test.Result();
        return (t, count, cropping, sum / total * 1e9 / Stopwatch.Frequency);
    }

    /// <summary>Draws a class per measurement and fills its input: the fixed block, or random bytes.</summary>
    private static void Prepare(byte[] fixedBlock, byte[] inputs, byte[] classes)
    {
        RandomNumberGenerator.Fill(classes);
        RandomNumberGenerator.Fill(inputs);
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] &= 1;
            if (classes[i] == 0)
            {
                fixedBlock.CopyTo(inputs, 16 * i);
            }
        }
    }

    private static ulong Run(Target target, byte[] inputs, long[] times)
    {
        ulong sink = 0;
        ReadOnlySpan<byte> all = inputs;
        for (int i = 0; i < times.Length; i++)
        {
            ReadOnlySpan<byte> secret = all.Slice(16 * i, 16);
            long start = Stopwatch.GetTimestamp();
            sink += target.Run(secret);
            times[i] = Stopwatch.GetTimestamp() - start;
        }

        return sink;
    }
}
