using System;
using System.Collections.Generic;
using System.Net;

namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>
/// Draws the SAs of one seed: every suite of a peer in every <see cref="InteropLayout"/> (so each seed covers every
/// combination), each with a random key size, keys, SPI, ESN on or off, NAT-T on or off, a starting sequence number
/// (small, random, or just below the 32-bit wrap, crossing it with ESN; the ESN high half often above 0) and two to four
/// packets of random sizes from 0 and 1 byte to 8000. TFC padding is off.
/// </summary>
public static class InteropSaGenerator
{
    public static List<InteropSa> Generate(int seed, IReadOnlyList<InteropSuite> suites)
    {
        var random = new Random(seed);
        var sas = new List<InteropSa>();
        foreach (InteropSuite suite in suites)
        {
            foreach (InteropLayout layout in Enum.GetValues<InteropLayout>())
            {
                sas.Add(Draw(random, sas.Count, suite, layout));
            }
        }

        return sas;
    }

    private static InteropSa Draw(Random random, int index, InteropSuite suite, InteropLayout layout)
    {
        ReadOnlySpan<int> keySizes = suite.Encryption.KeySizesInBits;
        int keyBits = keySizes[random.Next(keySizes.Length)];
        var encryptionKey = new byte[keyBits / 8 + suite.Encryption.SaltSize];
        random.NextBytes(encryptionKey);
        var integrityKey = new byte[suite.Integrity?.KeySize ?? 0];
        random.NextBytes(integrityKey);

        int count = random.Next(2, 5);
        bool esn = random.Next(2) == 0;
        ulong first = FirstSequence(random, esn, count);

        bool innerV6 = layout is InteropLayout.TransportV6 or InteropLayout.Tunnel6In4 or InteropLayout.Tunnel6In6;
        bool outerV6 = layout is InteropLayout.TransportV6 or InteropLayout.Tunnel4In6 or InteropLayout.Tunnel6In6;
        byte[] innerSource = Address(random, innerV6, inner: true);
        byte[] innerDestination = Address(random, innerV6, inner: true);
        bool transport = layout is InteropLayout.TransportV4 or InteropLayout.TransportV6;
        var packets = new List<InteropPacket>();
        for (int i = 0; i < count; i++)
        {
            int payload = PayloadLength(random);
            packets.Add(innerV6
                ? InteropPacket.IPv6(random, innerSource, innerDestination, payload)
                : InteropPacket.IPv4(random, innerSource, innerDestination, payload));
        }

        bool natT = random.Next(10) < 3;
        return new InteropSa
        {
            Index = index,
            Suite = suite,
            KeyBits = keyBits,
            EncryptionKey = encryptionKey,
            IntegrityKey = integrityKey,
            Spi = (uint)random.NextInt64(256, 1L << 32),
            Esn = esn,
            FirstSequence = first,
            Layout = layout,
            NatT = natT,
            NatSourcePort = (ushort)(random.Next(2) == 0 ? Ipsec.Packets.Wire.UdpEncapsulation.Port : random.Next(1024, 65536)),
            Source = new IPAddress(transport ? innerSource : Address(random, outerV6, inner: false)),
            Destination = new IPAddress(transport ? innerDestination : Address(random, outerV6, inner: false)),
            Packets = packets,
        };
    }

    /// <summary>The first sequence number of <paramref name="count"/> packets that stay within the sequence space.</summary>
    private static ulong FirstSequence(Random random, bool esn, int count)
    {
        const ulong wrap = 1UL << 32;
        switch (random.Next(3))
        {
            case 0:
                return (ulong)random.Next(1, 1000);
            case 1:
                ulong low = (ulong)random.NextInt64(1, (long)(wrap - (ulong)count));
                ulong high = esn ? (ulong)random.NextInt64(1, uint.MaxValue) : 0;
                return high << 32 | low;
            default:
                if (!esn)
                {
                    return wrap - (ulong)count;
                }

                // Crosses the 32-bit boundary after 1 to count-1 packets, so one low half is 0.
                ulong highHalf = random.Next(3) == 0 ? 0 : (ulong)random.NextInt64(1, uint.MaxValue - 1);
                return (highHalf << 32) + wrap - (ulong)random.Next(1, count);
        }
    }

    private static int PayloadLength(Random random) => random.Next(20) switch
    {
        < 2 => 0,
        < 4 => 1,
        < 10 => random.Next(2, 64),
        < 17 => random.Next(64, 1400),
        _ => random.Next(1400, 8000),
    };

    private static byte[] Address(Random random, bool v6, bool inner)
    {
        if (!v6)
        {
            return inner
                ? [10, (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(1, 255)]
                : random.Next(2) == 0 ? [192, 0, 2, (byte)random.Next(1, 255)] : [198, 51, 100, (byte)random.Next(1, 255)];
        }

        var address = new byte[16];
        random.NextBytes(address);
        address[0] = 0x20;
        address[1] = 0x01;
        address[2] = 0x0d;
        address[3] = 0xb8;
        address[4] = inner ? (byte)0x00 : (byte)0xff;
        return address;
    }
}
