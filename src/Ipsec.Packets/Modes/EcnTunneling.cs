namespace Ipsec.Packets.Modes;

/// <summary>
/// ECN across a tunnel, RFC 6040 normal mode. Codepoints as in the IP header's two low TOS / traffic-class bits:
/// Not-ECT 0, ECT(1) 1, ECT(0) 2, CE 3.
/// </summary>
internal static class EcnTunneling
{
    public const byte NotEct = 0;
    public const byte Ect1 = 1;
    public const byte Ect0 = 2;
    public const byte Ce = 3;

    /// <summary>The outer ECN field at encapsulation (§4.1, normal mode): the inner value, except CE becomes ECT(0).</summary>
    public static byte Encapsulate(byte innerEcn) => innerEcn == Ce ? Ect0 : innerEcn;

    /// <summary>The inner ECN field after decapsulation (§4.2, Figure 4).</summary>
    /// <returns>False when the packet must be dropped: CE on the outer header of a Not-ECT inner packet.</returns>
    public static bool TryDecapsulate(byte innerEcn, byte outerEcn, out byte resultEcn)
    {
        if (innerEcn == NotEct)
        {
            resultEcn = NotEct;
            return outerEcn != Ce;
        }

        resultEcn = innerEcn switch
        {
            Ce => Ce,
            _ when outerEcn == Ce => Ce,
            Ect0 when outerEcn == Ect1 => Ect1,
            _ => innerEcn,
        };
        return true;
    }
}
