using System.Collections.Generic;
using System.Net;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>Checks across the SAs of one file, the same for both formats.</summary>
internal static class SaFileChecks
{
    /// <summary>
    /// Refuses two SAs with the same protocol, SPI, source and destination: packets would find only one of them (with a
    /// wrong key first, every packet fails), so which one is meant must be settled in the file.
    /// </summary>
    /// <exception cref="SaFileException">At the second SA, naming both.</exception>
    public static void EnsureUnique(List<SaDefinition> sas)
    {
        var seen = new Dictionary<(byte Protocol, uint Spi, IPAddress Source, IPAddress Destination), SaDefinition>();
        foreach (SaDefinition sa in sas)
        {
            var key = (sa.Protocol, sa.Spi, sa.Source, sa.Destination);
            if (seen.TryGetValue(key, out SaDefinition? first))
            {
                string both = sa.Origin.JsonPath is null
                    ? $"lines {first.Origin.Where} and {sa.Origin.Where}"
                    : $"{first.Origin.Where} and {sa.Origin.Where}";
                throw sa.Origin.Error("spi", $"{sa.ProtocolName} spi 0x{sa.Spi:x8} {sa.Source} -> {sa.Destination} is defined twice ({both}): keep one");
            }

            seen.Add(key, sa);
        }
    }
}
