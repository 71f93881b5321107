using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace Ipsec.Packets.Tests.Crypto.Residue;

/// <summary>One place a secret was found.</summary>
internal readonly record struct ResidueHit(string Pattern, ulong Address, string Region);

/// <summary>A readable, writable mapping of this process (from /proc/self/maps).</summary>
internal readonly record struct MemoryRegion(ulong Start, ulong End, string Name)
{
    public bool Contains(ulong address) => address >= Start && address < End;
}

/// <summary>
/// Searches this process's memory for secrets on Linux: every readable and writable mapping in /proc/self/maps (the
/// managed heap, native heaps, thread stacks, anonymous memory), read through /proc/self/mem in 1 MiB pieces that
/// overlap by the longest pattern. Special mappings ([vvar], [vsyscall], [vdso]) are skipped, and so is any range the
/// kernel refuses to read. The read buffer is native memory, zeroed after use.
/// </summary>
internal static unsafe class ProcessMemoryScanner
{
    private const int ChunkSize = 1 << 20;

    public static List<MemoryRegion> WritableRegions()
    {
        var regions = new List<MemoryRegion>();
        foreach (string line in File.ReadAllLines("/proc/self/maps"))
        {
            string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string perms = parts[1];
            string name = parts.Length > 5 ? parts[5].Trim() : "";
            if (perms[0] != 'r' || perms[1] != 'w' || name is "[vvar]" or "[vsyscall]" or "[vdso]" or "[vvar_vclock]")
            {
                continue;
            }

            string[] range = parts[0].Split('-');
            regions.Add(new MemoryRegion(
                ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                name.Length == 0 ? "anonymous" : name));
        }

        return regions;
    }

    /// <summary>The mapping that holds <paramref name="address"/> (for example this thread's stack).</summary>
    public static MemoryRegion RegionOf(ulong address)
    {
        foreach (MemoryRegion region in WritableRegions())
        {
            if (region.Contains(address))
            {
                return region;
            }
        }

        throw new InvalidOperationException("no writable mapping holds the address");
    }

    /// <summary>Every occurrence of every pattern in <paramref name="regions"/>.</summary>
    public static List<ResidueHit> Scan(IReadOnlyList<MaskedPattern> patterns, IReadOnlyList<MemoryRegion> regions)
    {
        var hits = new List<ResidueHit>();
        int overlap = 0;
        foreach (MaskedPattern pattern in patterns)
        {
            overlap = Math.Max(overlap, pattern.Length - 1);
        }

        byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)(ChunkSize + overlap));
        Span<byte> anchor = stackalloc byte[4];
        try
        {
            using var mem = new FileStream("/proc/self/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            foreach (MemoryRegion region in regions)
            {
                for (ulong start = region.Start; start < region.End; start += ChunkSize)
                {
                    int length = (int)Math.Min((ulong)(ChunkSize + overlap), region.End - start);
                    var chunk = new Span<byte>(buffer, length);
                    int read;
                    try
                    {
                        mem.Position = (long)start;
                        read = ReadFully(mem, chunk);
                    }
                    catch (IOException)
                    {
                        continue;
                    }

                    chunk = chunk.Slice(0, read);
                    foreach (MaskedPattern pattern in patterns)
                    {
                        pattern.Anchor(anchor);
                        int offset = 0;
                        while (offset + pattern.Length <= chunk.Length)
                        {
                            int found = chunk.Slice(offset, chunk.Length - offset).IndexOf(anchor);
                            if (found < 0 || offset + found + pattern.Length > chunk.Length)
                            {
                                break;
                            }

                            int at = offset + found;

                            // A hit that starts in the overlap is counted by the next chunk.
                            if (at < ChunkSize && pattern.MatchesAt(chunk.Slice(at)))
                            {
                                hits.Add(new ResidueHit(pattern.Name, start + (ulong)at, region.Name));
                            }

                            offset = at + 1;
                        }
                    }
                }
            }
        }
        finally
        {
            anchor.Clear();
            NativeMemory.Clear(buffer, (nuint)(ChunkSize + overlap));
            NativeMemory.Free(buffer);
        }

        return hits;
    }

    private static int ReadFully(FileStream stream, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = stream.Read(destination.Slice(total));
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
