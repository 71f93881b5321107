using System;

namespace Ipsec.Packets.Tests.Wire;

/// <summary>Real packets taken from Vectors/Data (esp-scapy.json, ah-scapy.json), made by Scapy 2.5.0.</summary>
internal static class WirePackets
{
    /// <summary>ah-scapy scapy-ah-v4-transport-sha1-96 plaintext: IPv4 (DF, TTL 64) / TCP, 70 bytes.</summary>
    public const string IPv4Tcp =
        "450000461c4640004006321ac000020ac6336414c00001bb010203040a0b0c0d5018ffff17620000455350206b6e6f776e2d616e737765722074657374207061796c6f61640a";

    /// <summary>ah-scapy scapy-ah-v4opts-transport-sha1-96 plaintext: IPv4 with Router Alert, Record Route, EOL options / TCP.</summary>
    public const string IPv4Options =
        "4928004c200140004006855fc000020ac633641494040000070b08c00002010000000000c0010050000000010000000150100400a37b0000414820776974682049507634206f7074696f6e73";

    /// <summary>ah-scapy scapy-ah-v4opts-transport-sha1-96 protected: IPv4 with options / AH (SPI 0xa006, seq 6) / TCP.</summary>
    public const string IPv4OptionsAh =
        "49280064200140004033851ac000020ac633641494040000070b08c00002010000000000060400000000a0060000000606d5bfc96545c8f5f362b6bec0010050000000010000000150100400a37b0000414820776974682049507634206f7074696f6e73";

    /// <summary>esp-scapy scapy-esp-v4-transport-aes-ctr-128-sha1 plaintext: IPv4 / UDP 5060 &gt; 5060.</summary>
    public const string IPv4Udp =
        "450000410bad0000401182adc000020ac633641413c413c4002dcfef404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364";

    /// <summary>esp-scapy scapy-esp-v4-natt-tunnel-aes-gcm16-128 protected: IPv4 / UDP 4500 &gt; 4500 (checksum 0) / ESP SPI 0x9001.</summary>
    public const string IPv4NatTEsp =
        "45000084077700004011faedcb007101cb007102119411940070000000009001000000010123456789abcdef222db9a88b4055a0363f2dcdeb220a56b733743573bf58c34d307d1f880f6a8fdaf703fd55d62860422ac3532a854520a21938cc1658ee2bfe43e1a5822f1ea6b99434a648d10409811cc9338c37013101c85e24fc653d67";

    /// <summary>
    /// ah-scapy scapy-ah-v6exthdr-transport-sha1-96 plaintext: IPv6 / Hop-by-Hop (Router Alert, 0x3e, PadN) /
    /// Destination Options (0x1e, PadN) / UDP 4000 &gt; 4001.
    /// </summary>
    public const string IPv6ExtUdp =
        "600000000043004020010db800010000000000000000001020010db80002000000000000000000203c01050200003e04112233440102000011011e06a1a2a3a4a5a60104000000000fa00fa10023111249507636207769746820657874656e73696f6e2068656164657273";

    /// <summary>ah-scapy scapy-ah-v6exthdr-transport-sha1-96 protected: the same with AH (SPI 0xb002, seq 2) after the destination options.</summary>
    public const string IPv6ExtAh =
        "60000000005b004020010db800010000000000000000001020010db80002000000000000000000203c01050200003e04112233440102000033011e06a1a2a3a4a5a6010400000000110400000000b00200000002eb9818687303af7b559ce27d0fa00fa10023111249507636207769746820657874656e73696f6e2068656164657273";

    /// <summary>esp-scapy scapy-esp-v6exthdr-transport-aes-gcm16-128 protected: the same with ESP after the destination options.</summary>
    public const string IPv6ExtEsp =
        "600000000068004020010db800010000000000000000001020010db80002000000000000000000203c01050200003e04112233440102000032011e06a1a2a3a4a5a60104000000000000600100000001a0a1a2a3a4a5a6a70ebcbe57d85a614b1ab2fa80d04587f763c46bb55f9554bfc15c6c07f34b4cd40f5ed556c7bb6f25939471061ce503218530b20db0c8f6d9";

    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    /// <summary>A buffer of <paramref name="length"/> bytes filled with 0xA5.</summary>
    public static byte[] Poisoned(int length)
    {
        byte[] buffer = new byte[length];
        buffer.AsSpan().Fill(0xA5);
        return buffer;
    }

    /// <summary>RFC 1071 the plain way: 16-bit big-endian words summed into a 32-bit integer, then folded.</summary>
    public static ushort ReferenceChecksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            uint word = (uint)data[i] << 8;
            if (i + 1 < data.Length)
            {
                word |= data[i + 1];
            }

            sum += word;
            while (sum > 0xFFFF)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
        }

        return (ushort)~sum;
    }
}
