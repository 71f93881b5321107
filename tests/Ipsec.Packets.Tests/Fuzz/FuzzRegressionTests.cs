using System.Text;
using Ipsec.Packets.Fuzz.Targets;
using Ipsec.Packets.Tool.SecurityAssociations;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Fuzz;

/// <summary>One test per crash the fuzzer found, with the input minimized by hand; named after what it found.</summary>
public class FuzzRegressionTests
{
    /// <summary>
    /// Found by AFL++ on the safile target (12.8 s in, with the xfrm dictionary): a line holding nothing but the
    /// " (288 bits)" that <c>ip -s</c> prints after a key was stripped to no tokens at all, and the SA-line dispatcher then
    /// read token 0 of the empty line (IndexOutOfRangeException instead of an SA file answer).
    /// </summary>
    [Test]
    public void XfrmLineOfOnlyAKeyLengthIsSkippedNotAnIndexOutOfRange()
    {
        const string Text =
            "src 192.0.2.1 dst 198.51.100.1\n" +
            "\tproto esp spi 0x00001001 reqid 1 mode tunnel\n" +
            "  (288 bits)  \n" +
            "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n";

        Assert.That(() => SaFileTarget.Process(Encoding.UTF8.GetBytes(Text)), Throws.Nothing);
        Assert.That(SaFileReader.Parse("sa.txt", Text), Has.Count.EqualTo(1), "the stray key length is ignored like any unknown line");
        Assert.That(() => SaFileReader.Parse("sa.txt", "(1 bits)\n"), Throws.TypeOf<SaFileException>().With.Message.Contains("no security association"));
    }
}
