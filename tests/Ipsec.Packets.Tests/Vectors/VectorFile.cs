using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Ipsec.Packets.Tests.Vectors;

/// <summary>
/// Loads the verified known-answer vectors that the repository carries in <c>tests/Ipsec.Packets.Tests/Vectors/Data/</c>
/// (copied from the project's shared vector set; provenance in that folder's README.md and each vector's <c>notes</c>),
/// from the copy beside the test assembly, or from the folder named by the IPSEC_VECTORS_DIR environment variable.
/// Nothing outside the repository is read.
/// </summary>
public static class VectorFile
{
    private static readonly Dictionary<string, IReadOnlyList<Vector>> s_cache = new();

    public static string Directory
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable("IPSEC_VECTORS_DIR");
            if (!string.IsNullOrEmpty(overridden))
            {
                return overridden;
            }

            return Path.Combine(AppContext.BaseDirectory, "Vectors", "Data");
        }
    }

    /// <summary>Every vector of a file such as <c>cipher-kat.json</c>.</summary>
    public static IReadOnlyList<Vector> Load(string fileName)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(fileName, out IReadOnlyList<Vector>? vectors))
            {
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, fileName)));
                var list = new List<Vector>();
                foreach (JsonElement element in doc.RootElement.GetProperty("vectors").EnumerateArray())
                {
                    list.Add(new Vector(element.Clone()));
                }

                vectors = list;
                s_cache[fileName] = vectors;
            }

            return vectors;
        }
    }

    /// <summary>NUnit TestCaseSource helper: one case per vector, named by its id.</summary>
    public static IEnumerable<NUnit.Framework.TestCaseData> Cases(string fileName, Func<Vector, bool>? filter = null)
    {
        foreach (Vector v in Load(fileName))
        {
            if (filter is null || filter(v))
            {
                yield return new NUnit.Framework.TestCaseData(v).SetName(v.Id);
            }
        }
    }
}

/// <summary>One vector: typed accessors over its JSON fields.</summary>
public sealed class Vector
{
    private readonly JsonElement _element;

    public Vector(JsonElement element) => _element = element;

    public string Id => Str("id");

    public bool Has(string name) =>
        _element.TryGetProperty(name, out JsonElement e) && e.ValueKind != JsonValueKind.Null &&
        !(e.ValueKind == JsonValueKind.String && e.GetString()!.Length == 0);

    public string Str(string name) =>
        _element.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";

    public byte[] Hex(string name) => Convert.FromHexString(Str(name));

    public ulong ULong(string name) => _element.GetProperty(name).GetUInt64();

    public int Int(string name) => _element.GetProperty(name).GetInt32();

    public bool Bool(string name) => _element.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.True;

    public override string ToString() => Id;
}
