using NUnit.Framework;

namespace Ipsec.Packets.Tests.Vectors;

public class VectorFileTests
{
    [TestCase("cipher-kat.json", 77)]
    [TestCase("mac-kat.json", 90)]
    [TestCase("esp-rfc.json", 22)]
    [TestCase("esp-scapy.json", 29)]
    [TestCase("ah-scapy.json", 14)]
    public void EveryVectorFileIsPresentAndComplete(string file, int count)
    {
        Assert.That(VectorFile.Load(file), Has.Count.EqualTo(count));
    }
}
