namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>
/// The harness's keys: a fixed function of the SPI, so the corpus generator and the harness agree and valid protected
/// packets in the corpus reach the code behind the ICV check. Public knowledge, never used outside the harness.
/// </summary>
internal static class FixedKeys
{
    /// <summary>The key of <paramref name="length"/> bytes for one purpose (1 encryption, 2 integrity) of an SA.</summary>
    public static byte[] For(uint spi, int length, byte purpose)
    {
        var key = new byte[length];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)((spi * 31) + (uint)(i * 7) + (purpose * 101u));
        }

        return key;
    }
}
