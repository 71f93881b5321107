using System.Collections.Generic;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Internal;

/// <summary>
/// The zero-allocation contract holds in a Debug build too (what an IDE's test runner builds): the library never calls
/// <c>RuntimeHelpers.CreateSpan</c>, which a <c>ReadOnlySpan&lt;ulong&gt;</c> (or any element wider than a byte)
/// literal compiles to and which unoptimised code runs as a real, allocating call (72 bytes per call in GHASH's
/// reduction table, measured). Byte literals compile to a direct reference to the data and are fine.
/// </summary>
public class UnoptimisedCodeTests
{
    [Test]
    public void TheLibraryHasNoWideConstantSpanLiterals()
    {
        using var stream = File.OpenRead(typeof(EspSecurityAssociation).Assembly.Location);
        using var pe = new PEReader(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        var callers = new List<string>();
        foreach (MemberReferenceHandle handle in metadata.MemberReferences)
        {
            MemberReference member = metadata.GetMemberReference(handle);
            if (metadata.GetString(member.Name) == "CreateSpan" && member.Parent.Kind == HandleKind.TypeReference
                && metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)member.Parent).Name) == "RuntimeHelpers")
            {
                callers.Add(metadata.GetString(member.Name));
            }
        }

        Assert.That(callers, Is.Empty, "a ReadOnlySpan<T> literal with T wider than a byte: use a static readonly array");
        Assert.That(metadata.MemberReferences.Count, Is.GreaterThan(0), "the reader saw the library's member references");
    }
}
