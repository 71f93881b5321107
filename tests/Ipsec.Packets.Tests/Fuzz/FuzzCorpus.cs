using System;
using System.IO;

namespace Ipsec.Packets.Tests.Fuzz;

/// <summary>The committed seed corpus, tests/Ipsec.Packets.Fuzz/corpus/TARGET/, found from the repository root.</summary>
public static class FuzzCorpus
{
    public static string Directory
    {
        get
        {
            DirectoryInfo? dir = new(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ipsec.Packets.sln")))
            {
                dir = dir.Parent;
            }

            return dir is null
                ? throw new DirectoryNotFoundException("Cannot find the repository root (Ipsec.Packets.sln) above " + AppContext.BaseDirectory)
                : Path.Combine(dir.FullName, "tests", "Ipsec.Packets.Fuzz", "corpus");
        }
    }

    /// <summary>Every seed of a target, sorted by name.</summary>
    public static string[] Files(string target)
    {
        string[] files = System.IO.Directory.GetFiles(Path.Combine(Directory, target));
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }
}
