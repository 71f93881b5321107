using Ipsec.Packets.Modes;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>RFC 6040 normal mode, transcribed from its §4.1 and Figure 4 (§4.2).</summary>
public class EcnTunnelingTests
{
    // Not-ECT 0, ECT(1) 1, ECT(0) 2, CE 3.
    [TestCase(0, 0)]
    [TestCase(1, 1)]
    [TestCase(2, 2)]
    [TestCase(3, 2)]
    public void EncapsulationCopiesEcnButResetsCeToEct0(int inner, int outer)
    {
        Assert.That(EcnTunneling.Encapsulate((byte)inner), Is.EqualTo((byte)outer));
    }

    // Figure 4: rows are the arriving inner header, columns the arriving outer header; -1 is "drop".
    [TestCase(0, 0, 0)]
    [TestCase(0, 2, 0)]
    [TestCase(0, 1, 0)]
    [TestCase(0, 3, -1)]
    [TestCase(2, 0, 2)]
    [TestCase(2, 2, 2)]
    [TestCase(2, 1, 1)]
    [TestCase(2, 3, 3)]
    [TestCase(1, 0, 1)]
    [TestCase(1, 2, 1)]
    [TestCase(1, 1, 1)]
    [TestCase(1, 3, 3)]
    [TestCase(3, 0, 3)]
    [TestCase(3, 2, 3)]
    [TestCase(3, 1, 3)]
    [TestCase(3, 3, 3)]
    public void DecapsulationFollowsFigure4(int inner, int outer, int expected)
    {
        bool kept = EcnTunneling.TryDecapsulate((byte)inner, (byte)outer, out byte result);
        Assert.That(kept, Is.EqualTo(expected >= 0));
        if (expected >= 0)
        {
            Assert.That(result, Is.EqualTo((byte)expected));
        }
    }
}
