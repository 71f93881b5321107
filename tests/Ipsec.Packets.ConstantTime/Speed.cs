using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Crypto;

namespace Ipsec.Packets.ConstantTime;

/// <summary>
/// Rough per-call cost of the portable primitives (--speed): the median of nine timed runs of each row, rows interleaved
/// run by run so machine noise falls on all of them. Apart from the GHASH row, only internal entry points that have not
/// changed shape are used, so the file measures an older build too. Not a benchmark suite (that is BenchmarkDotNet's job). On Linux the
/// clock is this thread's CPU time, so time spent descheduled on a busy machine is not counted.
/// </summary>
internal static partial class Speed
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    private static double NowNs()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out Timespec t) == 0)
        {
            return t.Seconds * 1e9 + t.Nanoseconds;
        }

        return Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency);
    }

    public static void Run()
    {
        CryptoEngine.ForceSoftware = true;
        byte[] key = new byte[16];
        new Random(1).NextBytes(key);
        AesBlockCipher aes = AesBlockCipher.Create(key);
        GhashKey ghash = new GhashPortable(Vector128.Create(key)); // the README's "was" row came from GhashKey.Create(h, hardware: false) on the old build
        AeadTransform gcm = AeadFactory.Create(EncryptionAlgorithm.AesGcm16, new byte[20]);
        CipherTransform cbc = CipherFactory.Create(EncryptionAlgorithm.AesCbc, key);
        CipherTransform des = CipherFactory.Create(EncryptionAlgorithm.TripleDesCbc, new byte[24]);
        IntegrityTransform cmac = IntegrityFactory.Create(IntegrityAlgorithm.AesCmac96, key);
        byte[] input = new byte[1400], output = new byte[1400], tag = new byte[16], iv = new byte[16];

        (string Name, Action<int> Body)[] rows =
        [
            ("AES-128 CTR (portable)", n => aes.CtrXor(Vector128<byte>.Zero, input.AsSpan(0, n), output.AsSpan(0, n))),
            ("AES-128 CBC decrypt (portable)", n => aes.CbcDecrypt(Vector128<byte>.Zero, input.AsSpan(0, n), output.AsSpan(0, n))),
            ("GHASH (portable)", n => ghash.Compute(default, default, input.AsSpan(0, n))),
            ("AES-GCM-128 seal (portable)", n => gcm.Seal(iv.AsSpan(0, 8), iv.AsSpan(0, 8), default, input.AsSpan(0, n), output.AsSpan(0, n), tag)),
            ("AES-CBC-128 encrypt (portable)", n => cbc.Encrypt(iv, input.AsSpan(0, n), output.AsSpan(0, n))),
            ("AES-CMAC-96 (portable)", n =>
            {
                IntegrityContext context = cmac.Rent();
                context.Append(input.AsSpan(0, n));
                context.Finish(tag.AsSpan(0, 12));
                cmac.Return(context);
            }),
            ("3DES-CBC encrypt", n => des.Encrypt(iv.AsSpan(0, 8), input.AsSpan(0, n), output.AsSpan(0, n))),
        ];

        int[] sizes = [64, 1392];
        double[,,] samples = new double[rows.Length, sizes.Length, 9];
        for (int run = 0; run < 10; run++)
        {
            for (int r = 0; r < rows.Length; r++)
            {
                for (int s = 0; s < sizes.Length; s++)
                {
                    int n = sizes[s];
                    int iterations = Math.Max(20, 200_000 / n);
                    double start = NowNs();
                    for (int i = 0; i < iterations; i++)
                    {
                        rows[r].Body(n);
                    }

                    double ns = (NowNs() - start) / iterations;
                    if (run > 0)
                    {
                        samples[r, s, run - 1] = ns; // run 0 warms up
                    }
                }
            }
        }

        Console.WriteLine($"{"row",-34} {"64 B",10} {"1392 B",10}   (ns of thread CPU time per call, median of 9)");
        for (int r = 0; r < rows.Length; r++)
        {
            Console.WriteLine($"{rows[r].Name,-34} {Median(samples, r, 0),10:0} {Median(samples, r, 1),10:0}");
        }
    }

    private static double Median(double[,,] samples, int r, int s)
    {
        double[] values = new double[samples.GetLength(2)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = samples[r, s, i];
        }

        Array.Sort(values);
        return values[values.Length / 2];
    }
}
