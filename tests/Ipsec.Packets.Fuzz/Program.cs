using System;
using System.IO;
using Ipsec.Packets.Fuzz.Seeds;
using Ipsec.Packets.Fuzz.Targets;
using SharpFuzz;

namespace Ipsec.Packets.Fuzz;

/// <summary>
/// <c>Ipsec.Packets.Fuzz TARGET</c> runs under afl-fuzz (the input on stdin, SharpFuzz's fork server);
/// <c>Ipsec.Packets.Fuzz replay TARGET FILE...</c> runs inputs once and prints the exception of any that crash;
/// <c>Ipsec.Packets.Fuzz generate-corpus DIRECTORY</c> writes the seed corpus.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "generate-corpus")
        {
            CorpusGenerator.Write(args[1]);
            return 0;
        }

        if (args.Length >= 3 && args[0] == "replay" && FuzzTargets.TryCreate(args[1], out IFuzzTarget? replayed))
        {
            return Replay(replayed, args.AsSpan(2));
        }

        if (args.Length == 1 && FuzzTargets.TryCreate(args[0], out IFuzzTarget? target))
        {
            Fuzzer.OutOfProcess.Run(stream => target.Run(ReadAll(stream)));
            return 0;
        }

        Console.Error.WriteLine($"usage: Ipsec.Packets.Fuzz {string.Join('|', FuzzTargets.Names)}");
        Console.Error.WriteLine($"       Ipsec.Packets.Fuzz replay {string.Join('|', FuzzTargets.Names)} FILE...");
        Console.Error.WriteLine("       Ipsec.Packets.Fuzz generate-corpus DIRECTORY");
        return 2;
    }

    private static int Replay(IFuzzTarget target, ReadOnlySpan<string> files)
    {
        int crashes = 0;
        foreach (string file in files)
        {
            byte[] input = File.ReadAllBytes(file);
#pragma warning disable CA1031 // Replay reports every exception the harness lets escape: each one is a crash.
            try
            {
                target.Run(input);
                Console.WriteLine($"{file}: no crash");
            }
            catch (Exception e)
            {
                crashes++;
                Console.WriteLine($"{file}: CRASH {e}");
            }
#pragma warning restore CA1031
        }

        return crashes == 0 ? 0 : 1;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
