using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace Ipsec.Packets.Tests.Arm64;

/// <summary>
/// Runs the linked NUnit tests in-process through NUnit's own framework runner (what NUnitLite wraps), so the tests run
/// wherever the runtime runs, QEMU user emulation included. Prints every failure and skip with its reason, then one line
/// <c>N passed, N failed</c>; exits 1 when a test failed or none ran.
/// </summary>
/// <remarks>
/// Arguments: <c>--exclude TEXT</c> (repeatable) leaves out the tests whose full name contains TEXT; <c>--labels</c>
/// prints each test's name and outcome as it finishes.
/// </remarks>
public static class Program
{
    public static int Main(string[] args)
    {
        List<string> excluded = [];
        bool labels = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--exclude" when i + 1 < args.Length:
                    excluded.Add(args[++i]);
                    break;
                case "--labels":
                    labels = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'; use --exclude TEXT (repeatable) and --labels");
                    return 2;
            }
        }

        Console.WriteLine($"{RuntimeDescription()}; excluded: {(excluded.Count == 0 ? "nothing" : string.Join(", ", excluded))}");
        Stopwatch clock = Stopwatch.StartNew();
        NUnitTestAssemblyRunner runner = new(new DefaultTestAssemblyBuilder());
        runner.Load(typeof(Program).Assembly, new Dictionary<string, object>());
        Listener listener = new(Console.Out, labels);
        runner.Run(listener, new ExcludeFilter(excluded));
        Console.WriteLine($"duration: {clock.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine($"{listener.Passed} passed, {listener.Failed} failed" + (listener.Skipped > 0 ? $", {listener.Skipped} skipped" : ""));
        return listener.Failed == 0 && listener.Passed > 0 ? 0 : 1;
    }

    private static string RuntimeDescription() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} on " +
        $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, " +
        $"{Assembly.GetExecutingAssembly().GetName().Name}";

    /// <summary>
    /// Counts test cases (not suites) by outcome and prints failures and skips to <paramref name="output"/>, the process's
    /// own standard output (NUnit redirects <see cref="Console.Out"/> into the running test's output).
    /// </summary>
    private sealed class Listener(TextWriter output, bool labels) : ITestListener
    {
        public int Passed { get; private set; }

        public int Failed { get; private set; }

        public int Skipped { get; private set; }

        public void TestStarted(ITest test)
        {
        }

        public void TestFinished(ITestResult result)
        {
            if (result.Test.IsSuite)
            {
                // A fixture whose setup failed reports its children as failed one by one; nothing to add here.
                return;
            }

            switch (result.ResultState.Status)
            {
                case TestStatus.Passed:
                    Passed++;
                    break;
                case TestStatus.Skipped:
                case TestStatus.Inconclusive:
                    Skipped++;
                    output.WriteLine($"SKIPPED {result.FullName}: {result.Message}");
                    break;
                default:
                    Failed++;
                    output.WriteLine($"FAILED {result.FullName}: {result.Message}");
                    output.WriteLine(result.StackTrace);
                    break;
            }

            if (labels)
            {
                output.WriteLine($"{result.ResultState.Status,-12} {result.FullName}");
            }
        }

        public void TestOutput(TestOutput output)
        {
        }

        public void SendMessage(TestMessage message)
        {
        }
    }

    /// <summary>Matches every test whose full name contains none of the excluded texts.</summary>
    private sealed class ExcludeFilter(List<string> excluded) : TestFilter
    {
        public override bool Match(ITest test)
        {
            foreach (string text in excluded)
            {
                if (test.FullName.Contains(text, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        public override TNode AddToXml(TNode parentNode, bool recursive) => parentNode.AddElement("exclude-filter");
    }
}
