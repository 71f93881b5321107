using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>
/// The seeds of the randomised interop suite: a few fixed ones, each its own test case, and one fresh seed per test run,
/// drawn from <see cref="RandomNumberGenerator"/> and printed in the test log. <c>IPSEC_INTEROP_SEED</c> replaces the fresh
/// seed to reproduce a failure.
/// </summary>
public static class InteropSeed
{
    public const string EnvironmentVariable = "IPSEC_INTEROP_SEED";

    /// <summary>The name of the test case that runs the fresh seed (stable, so that test discovery sees the same cases).</summary>
    public const string FreshName = "fresh";

    private static readonly string[] s_fixed = ["1", "8", "4303", "20261126"];
    private static readonly Lazy<int> s_fresh = new(DrawFresh);
    private static int s_printed;

    /// <summary>The seed of this test run (or of <c>IPSEC_INTEROP_SEED</c>).</summary>
    public static int Fresh => s_fresh.Value;

    /// <summary>One case per fixed seed plus <see cref="FreshName"/>.</summary>
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (string seed in s_fixed)
        {
            yield return new TestCaseData(seed).SetArgDisplayNames("seed " + seed);
        }

        yield return new TestCaseData(FreshName).SetArgDisplayNames("fresh seed");
    }

    /// <summary>The seed a test case stands for; the fresh one is printed to the log with how to reproduce it.</summary>
    public static int Resolve(string name)
    {
        if (name != FreshName)
        {
            return int.Parse(name, CultureInfo.InvariantCulture);
        }

        int seed = Fresh;
        string line = $"interop seed: {seed} (reproduce with {EnvironmentVariable}={seed})";
        if (Interlocked.Exchange(ref s_printed, 1) == 0)
        {
            TestContext.Progress.WriteLine(line); // the console, with dotnet test --logger "console;verbosity=normal"
        }

        TestContext.Out.WriteLine(line); // the test's output, in the TRX file and under a failure
        return seed;
    }

    /// <summary>The text every assertion message of the suite carries.</summary>
    public static string Describe(int seed) => $"interop seed {seed} ({EnvironmentVariable}={seed} to reproduce)";

    private static int DrawFresh()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return int.Parse(fromEnvironment.Trim(), CultureInfo.InvariantCulture);
        }

        return RandomNumberGenerator.GetInt32(1, int.MaxValue);
    }
}
