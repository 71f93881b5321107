using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// Walks the managed object graph of an SA by reflection, through every object of the library's own types (and arrays
/// and delegates), and gathers the state that may hold key material: every array of numbers or vectors, and every
/// number field whose name says key, salt, nonce or mask. Independent of the library's own bookkeeping, so a key copy
/// nobody registered is found too.
/// </summary>
/// <remarks>
/// Objects of other assemblies are not entered: BouncyCastle's engines keep their key schedules in private arrays that
/// Dispose can only replace (by re-keying with zeros), and the BCL's keyed hashes hold the key in native memory.
/// </remarks>
internal static class OwnedSecrets
{
    /// <summary>Non-secret state that is expected to stay non-zero after Dispose, by declaring type and field name.</summary>
    private static readonly HashSet<string> NotSecret =
    [
        "EspProcessor._natOriginalSource",      // addresses
        "EspProcessor._natOriginalDestination",
        "OuterHeaderTemplate._source",          // tunnel endpoint addresses
        "OuterHeaderTemplate._destination",
    ];

    /// <summary>Types that hold no key material: shared algorithm descriptors, the replay window, counters.</summary>
    private static readonly HashSet<string> NotSecretTypes =
    [
        "EncryptionAlgorithm",
        "IntegrityAlgorithm",
        "AntiReplayWindow",
        "OutboundSequenceCounter",
        "SecurityAssociationCounters",
    ];

    public readonly record struct Secret(string Path, byte[] Bytes)
    {
        public bool IsZero => Bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0;
    }

    public static List<Secret> Collect(object root)
    {
        var found = new List<Secret>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, root.GetType().Name, found, visited);
        return found;
    }

    private static bool IsOurs(Type type) => type.Assembly == typeof(EspSecurityAssociation).Assembly;

    private static void Walk(object value, string path, List<Secret> found, HashSet<object> visited)
    {
        if (!visited.Add(value))
        {
            return;
        }

        Type type = value.GetType();
        if (value is Array array)
        {
            byte[]? bytes = AsBytes(array);
            if (bytes is not null)
            {
                found.Add(new Secret(path, bytes));
                return;
            }

            int i = 0;
            foreach (object? element in array)
            {
                if (element is not null && !element.GetType().IsValueType)
                {
                    Walk(element, $"{path}[{i}]", found, visited);
                }

                i++;
            }

            return;
        }

        if (value is Delegate function)
        {
            if (function.Target is not null)
            {
                Walk(function.Target, path + ".Target", found, visited);
            }

            return;
        }

        if (!IsOurs(type) || NotSecretTypes.Contains(type.Name))
        {
            return;
        }

        for (Type? t = type; t is not null && IsOurs(t); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                string name = $"{t.Name}.{field.Name}";
                if (NotSecret.Contains(name))
                {
                    continue;
                }

                object? fieldValue = field.GetValue(value);
                if (fieldValue is null)
                {
                    continue;
                }

                string fieldPath = $"{path}.{field.Name}";
                if (field.FieldType.IsPrimitive)
                {
                    string lower = field.Name.ToLowerInvariant();
                    if ((lower.Contains("key") || lower.Contains("salt") || lower.Contains("nonce") || lower.Contains("mask")) && !lower.Contains("size"))
                    {
                        found.Add(new Secret(fieldPath, ScalarBytes(fieldValue)));
                    }
                }
                else if (!field.FieldType.IsValueType || field.FieldType.IsArray)
                {
                    Walk(fieldValue, fieldPath, found, visited);
                }
            }
        }
    }

    private static byte[] ScalarBytes(object scalar) => scalar switch
    {
        uint u => BitConverter.GetBytes(u),
        ulong l => BitConverter.GetBytes(l),
        int i => BitConverter.GetBytes(i),
        long l => BitConverter.GetBytes(l),
        ushort s => BitConverter.GetBytes(s),
        byte b => [b],
        bool b => [b ? (byte)1 : (byte)0],
        _ => throw new InvalidOperationException("unexpected scalar " + scalar.GetType()),
    };

    private static byte[]? AsBytes(Array array) => array switch
    {
        byte[] b => (byte[])b.Clone(),
        uint[] u => MemoryMarshal.AsBytes(u.AsSpan()).ToArray(),
        int[] i => MemoryMarshal.AsBytes(i.AsSpan()).ToArray(),
        ulong[] l => MemoryMarshal.AsBytes(l.AsSpan()).ToArray(),
        ushort[] s => MemoryMarshal.AsBytes(s.AsSpan()).ToArray(),
        Vector128<byte>[] v => MemoryMarshal.AsBytes(v.AsSpan()).ToArray(),
        Vector128<ulong>[] v => MemoryMarshal.AsBytes(v.AsSpan()).ToArray(),
        Vector128<uint>[] v => MemoryMarshal.AsBytes(v.AsSpan()).ToArray(),
        _ => null,
    };
}
