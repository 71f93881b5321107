using System;
using System.Collections.Generic;
using System.Text;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>
/// Bytes as an SA file (UTF-8; <c>ip xfrm state</c> text or the tool's JSON) through <see cref="SaFileReader.Parse"/>,
/// then every SA built as the decrypt command builds it (<see cref="SaDefinition.CreateProcessor"/> or
/// <see cref="SaDefinition.CreateAh"/>) and described. <see cref="SaFileException"/> is the documented answer to a bad
/// file or an SA the library refuses; any other exception is a crash.
/// </summary>
internal sealed class SaFileTarget : IFuzzTarget
{
    public const string TargetName = "safile";

    public string Name => TargetName;

    public void Run(ReadOnlySpan<byte> input) => Process(input);

    /// <summary>Reads the SA file and keys every SA.</summary>
    /// <returns>The SAs built, or -1 when the file or an SA was refused with the documented exception.</returns>
    public static int Process(ReadOnlySpan<byte> input)
    {
        string text = Encoding.UTF8.GetString(input);
        try
        {
            List<SaDefinition> definitions = SaFileReader.Parse("fuzz.sa", text);
            foreach (SaDefinition definition in definitions)
            {
                _ = definition.ToString();
                if (definition.IsEsp)
                {
                    definition.CreateProcessor().Dispose();
                }
                else
                {
                    definition.CreateAh().Dispose();
                }
            }

            return definitions.Count;
        }
        catch (SaFileException)
        {
            return -1;
        }
    }
}
