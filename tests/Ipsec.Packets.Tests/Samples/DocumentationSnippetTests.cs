using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Ipsec.Packets.Tool.SecurityAssociations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Samples;

/// <summary>
/// Every C# block of README.md and of the two package READMEs is a whole program: compiled here with Roslyn against the
/// library (warnings are errors, nullable on), run, and its output compared line by line with its <c>// prints:</c>
/// comments. JSON SA examples are read by the tool's own JSON reader. The documents are copied into the test output
/// (Docs/) by the project file, so nothing outside the repository is read.
/// </summary>
[NonParallelizable]   // a block prints through Console, which is redirected while it runs
public class DocumentationSnippetTests
{
    private static readonly string[] Documents = ["README.md", "Ipsec.Packets.PACKAGE.md", "Ipsec.Packets.Tool.PACKAGE.md"];

    /// <summary>A fenced code block: its document, the line its fence opens on, its language and its text.</summary>
    public sealed record CodeBlock(string Document, int Line, string Language, string Code)
    {
        public override string ToString() => $"{Document}:{Line}";
    }

    public static string DocumentPath(string name) => Path.Combine(AppContext.BaseDirectory, "Docs", name);

    /// <summary>The fenced blocks of a document; a fence may be indented (inside a list), and its indentation is removed.</summary>
    public static List<CodeBlock> ExtractBlocks(string document, string text)
    {
        var blocks = new List<CodeBlock>();
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = Regex.Match(lines[i], @"^(\s*)```(\w+)\s*$");
            if (!open.Success)
            {
                continue;
            }

            int indent = open.Groups[1].Length;
            var code = new List<string>();
            int j = i + 1;
            for (; j < lines.Length && lines[j].Trim() != "```"; j++)
            {
                code.Add(lines[j].Length >= indent && string.IsNullOrWhiteSpace(lines[j][..indent]) ? lines[j][indent..] : lines[j].TrimStart());
            }

            Assert.That(j, Is.LessThan(lines.Length), $"{document}:{i + 1}: the code block is never closed");
            blocks.Add(new CodeBlock(document, i + 1, open.Groups[2].Value, string.Join('\n', code)));
            i = j;
        }

        return blocks;
    }

    private static IEnumerable<CodeBlock> Blocks(string language) =>
        Documents.SelectMany(d => ExtractBlocks(d, File.ReadAllText(DocumentPath(d)))).Where(b => b.Language == language);

    public static IEnumerable<TestCaseData> CSharpBlocks() =>
        Blocks("csharp").Select(b => new TestCaseData(b).SetName($"CSharpBlockCompilesAndPrintsWhatItSays({b})"));

    public static IEnumerable<TestCaseData> JsonBlocks() =>
        Blocks("json").Select(b => new TestCaseData(b).SetName($"JsonSaExampleIsReadByTheTool({b})"));

    /// <summary>The <c>// prints: ...</c> comments of a block, in order: what it must write to the console.</summary>
    public static List<string> ExpectedOutput(string code) =>
        Regex.Matches(code, @"//\s*prints:\s*(.*?)\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();

    [Test]
    public void TheReadmeShowsTheWholePacketPathInOneBlock()
    {
        List<CodeBlock> blocks = ExtractBlocks("README.md", File.ReadAllText(DocumentPath("README.md"))).Where(b => b.Language == "csharp").ToList();
        Assert.That(blocks, Has.Count.GreaterThanOrEqualTo(3));
        string[] setup =
        [
            "new SecurityAssociationDatabase(", "new SecurityPolicyDatabase(", "new SecurityPolicy(", "TrafficSelector", "EspProcessor",
            ".SwitchOutbound(", "new IpsecPacketProcessor(", ".ProcessOutbound(", ".ProcessInbound(",
        ];
        Assert.That(blocks.Any(b => setup.All(b.Code.Contains)), Is.True, "one block wires SAD, SPD and IpsecPacketProcessor end to end");
    }

    [Test]
    public void BlocksAreExtractedWithTheirIndentationRemoved()
    {
        const string text = "# t\n```csharp\nint a = 1;\n```\n- item:\n  ```json\n  { \"x\": 1 }\n  ```\n";
        List<CodeBlock> blocks = ExtractBlocks("t.md", text);
        Assert.That(blocks.Select(b => (b.Line, b.Language, b.Code)), Is.EqualTo(new[] { (2, "csharp", "int a = 1;"), (6, "json", "{ \"x\": 1 }") }));
        Assert.That(ExpectedOutput("Console.WriteLine(1);   // prints: 1\n// prints: two words \nx();"), Is.EqualTo(new[] { "1", "two words" }));
    }

    /// <summary>A package page (nuget.org) resolves no relative link, so the packed READMEs have absolute links or none.</summary>
    [TestCase("Ipsec.Packets.PACKAGE.md")]
    [TestCase("Ipsec.Packets.Tool.PACKAGE.md")]
    public void PackageReadmesHaveNoRelativeLinks(string document)
    {
        string text = File.ReadAllText(DocumentPath(document));
        var targets = Regex.Matches(text, @"\]\(\s*<?([^)\s>]+)").Select(m => m.Groups[1].Value)
            .Concat(Regex.Matches(text, @"^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value))
            .Concat(Regex.Matches(text, @"(?:href|src)\s*=\s*[""']([^""']+)").Select(m => m.Groups[1].Value));
        Assert.That(targets.Where(t => !Regex.IsMatch(t, "^https?://")), Is.Empty);
        Assert.That(text, Does.StartWith("# Ipsec.Packets"));
    }

    [TestCaseSource(nameof(CSharpBlocks))]
    public void CSharpBlockCompilesAndPrintsWhatItSays(CodeBlock block)
    {
        List<string> expected = ExpectedOutput(block.Code);
        Assert.That(expected, Is.Not.Empty, $"{block}: a block says what it prints with '// prints: ...' comments");

        byte[] image = Compile(block);
        var context = new AssemblyLoadContext(block.ToString(), isCollectible: true);
        var output = new StringWriter();
        TextWriter console = Console.Out;
        try
        {
            Assembly program = context.LoadFromStream(new MemoryStream(image));
            MethodInfo main = program.EntryPoint!;
            Console.SetOut(output);
            main.Invoke(null, main.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        catch (TargetInvocationException e)
        {
            Assert.Fail($"{block} threw {e.InnerException}\noutput so far:\n{output}");
        }
        finally
        {
            Console.SetOut(console);
            context.Unload();
        }

        List<string> printed = output.ToString().ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.That(printed, Is.EqualTo(expected), $"{block} printed:\n{output}");
    }

    [TestCaseSource(nameof(JsonBlocks))]
    public void JsonSaExampleIsReadByTheTool(CodeBlock block)
    {
        // The examples abbreviate keys ("0x...", "0x<key+salt>"); each becomes a key of the length its algorithm takes.
        var keyBytes = new Dictionary<string, int>
        {
            ["rfc4106(gcm(aes))"] = 20, ["rfc4309(ccm(aes))"] = 19, ["rfc7539esp(chacha20,poly1305)"] = 36, ["rfc4543(gcm(aes))"] = 20,
            ["cbc(aes)"] = 16, ["rfc3686(ctr(aes))"] = 20, ["cbc(des3_ede)"] = 24,
            ["hmac(sha1)"] = 20, ["hmac(sha256)"] = 32, ["hmac(sha384)"] = 48, ["hmac(sha512)"] = 64, ["hmac(md5)"] = 16,
            ["xcbc(aes)"] = 16, ["cmac(aes)"] = 16,
        };
        string json = Regex.Replace(block.Code, @"""name""\s*:\s*""([^""]+)""\s*,\s*""key""\s*:\s*""0x(?:\.\.\.|<[^>""]*>)""", m =>
        {
            Assert.That(keyBytes.TryGetValue(m.Groups[1].Value, out int length), Is.True, $"{block}: no key length for {m.Groups[1].Value}");
            return $"\"name\": \"{m.Groups[1].Value}\", \"key\": \"0x{new string('5', 2 * length)}\"";
        });

        List<SaDefinition> sas = JsonSaReader.Parse(block.ToString(), json);
        int objects = Regex.Matches(block.Code, @"""spi""\s*:").Count;
        Assert.That(sas, Has.Count.EqualTo(objects).And.Count.GreaterThan(0));
        Assert.That(sas.All(sa => sa.Spi >= 256 && (sa.Encryption is not null || sa.Integrity is not null)), Is.True);
    }

    private static byte[] Compile(CodeBlock block)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(block.Code, new CSharpParseOptions(LanguageVersion.Latest), path: block.ToString());
        var compilation = CSharpCompilation.Create(
            "Snippet_" + Regex.Replace(block.ToString(), @"\W", "_"),
            [tree],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        string[] problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToArray();
        Assert.That(problems, Is.Empty, $"{block} does not compile as given");
        Assert.That(result.Success, Is.True);
        return image.ToArray();
    }

    /// <summary>The runtime's assemblies (what the test host runs on) and the library, as a consumer compiles against.</summary>
    private static readonly Lazy<List<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetDirectoryName(p) == Path.GetDirectoryName(typeof(object).Assembly.Location))
            .ToList();
        paths.Add(typeof(EspSecurityAssociation).Assembly.Location);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    });
}
