using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Ipsec.Packets.Fuzz.Targets;

namespace Ipsec.Packets.Fuzz.Seeds;

/// <summary>The harness's SAs as SA files: <c>ip -s xfrm state</c> text and the tool's JSON.</summary>
internal static class SaFiles
{
    /// <summary>The SAs as <c>ip -s xfrm state</c> prints them (ESN SAs with the esn context block).</summary>
    public static string Xfrm(IEnumerable<InboundSaSpec> specs)
    {
        var text = new StringBuilder();
        foreach (InboundSaSpec spec in specs)
        {
            string mode = spec.Mode == IpsecMode.Tunnel ? "tunnel" : "transport";
            Line(text, $"src {spec.Peer} dst {spec.Local}");
            Line(text, $"\tproto {(spec.IsAh ? "ah" : "esp")} spi 0x{spec.Spi:x8}({spec.Spi}) reqid 1 mode {mode}");
            Line(text, $"\treplay-window 0 flag af-unspec{(spec.Esn ? " esn" : string.Empty)}");
            if (spec.Encryption is { IsAead: true } aead)
            {
                byte[] key = FixedKeys.For(spec.Spi, (spec.KeyBits / 8) + aead.SaltSize, 1);
                Line(text, $"\taead {aead.LinuxName} {Hex(key)} ({key.Length * 8} bits) {aead.IcvSize * 8}");
            }
            else if (spec.Encryption is { } cipher)
            {
                Line(text, $"\tenc {cipher.LinuxName} {Hex(FixedKeys.For(spec.Spi, (spec.KeyBits / 8) + cipher.SaltSize, 1))}");
            }

            if (spec.Integrity is { } integrity)
            {
                Line(text, $"\tauth-trunc {integrity.LinuxName} {Hex(FixedKeys.For(spec.Spi, integrity.KeySize, 2))} {integrity.IcvSize * 8}");
            }

            if (spec.UdpEncapsulation)
            {
                Line(text, $"\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0");
            }

            ulong seq = spec.InitialSequenceNumber;
            if (spec.Esn)
            {
                Line(text, $"\tanti-replay esn context:");
                Line(text, $"\t seq-hi 0x{seq >> 32:x}, seq 0x{seq & 0xFFFF_FFFF:x}, oseq-hi 0x0, oseq 0x0");
                Line(text, $"\t replay_window 128, bitmap-length 4");
            }
            else
            {
                Line(text, $"\tanti-replay context: seq 0x{seq:x}, oseq 0x0, bitmap 0x00000000");
            }

            Line(text, $"\tsel src 0.0.0.0/0 dst 0.0.0.0/0 uid 0");
        }

        return text.ToString();
    }

    /// <summary>The SAs in the tool's JSON format.</summary>
    public static string Json(IEnumerable<InboundSaSpec> specs)
    {
        var sas = new List<string>();
        foreach (InboundSaSpec spec in specs)
        {
            var fields = new List<string>
            {
                Invariant($"\"src\": \"{spec.Peer}\""),
                Invariant($"\"dst\": \"{spec.Local}\""),
                Invariant($"\"proto\": \"{(spec.IsAh ? "ah" : "esp")}\""),
                Invariant($"\"spi\": \"0x{spec.Spi:x8}\""),
                Invariant($"\"mode\": \"{(spec.Mode == IpsecMode.Tunnel ? "tunnel" : "transport")}\""),
            };
            if (spec.Encryption is { IsAead: true } aead)
            {
                fields.Add(Invariant($"\"aead\": {{\"name\": \"{aead.LinuxName}\", \"key\": \"{Hex(FixedKeys.For(spec.Spi, (spec.KeyBits / 8) + aead.SaltSize, 1))}\", \"icvBits\": {aead.IcvSize * 8}}}"));
            }
            else if (spec.Encryption is { } cipher)
            {
                fields.Add(Invariant($"\"enc\": {{\"name\": \"{cipher.LinuxName}\", \"key\": \"{Hex(FixedKeys.For(spec.Spi, (spec.KeyBits / 8) + cipher.SaltSize, 1))}\"}}"));
            }

            if (spec.Integrity is { } integrity)
            {
                fields.Add(Invariant($"\"auth\": {{\"name\": \"{integrity.LinuxName}\", \"key\": \"{Hex(FixedKeys.For(spec.Spi, integrity.KeySize, 2))}\", \"truncBits\": {integrity.IcvSize * 8}}}"));
            }

            if (spec.UdpEncapsulation)
            {
                fields.Add("\"encap\": {\"type\": \"espinudp\", \"sport\": 4500, \"dport\": 4500}");
            }

            if (spec.Esn)
            {
                fields.Add("\"esn\": true");
                fields.Add(Invariant($"\"seqHi\": {spec.InitialSequenceNumber >> 32}"));
            }

            fields.Add(Invariant($"\"seq\": {spec.InitialSequenceNumber & 0xFFFF_FFFF}"));
            fields.Add("\"replayWindow\": 128");
            sas.Add("    {" + string.Join(", ", fields) + "}");
        }

        return "{\n  \"sas\": [\n" + string.Join(",\n", sas) + "\n  ]\n}\n";
    }

    private static void Line(StringBuilder text, FormattableString line) => text.Append(Invariant(line)).Append('\n');

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Hex(byte[] key) => "0x" + Convert.ToHexStringLower(key);
}
