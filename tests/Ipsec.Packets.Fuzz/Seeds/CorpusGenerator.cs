using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Text;
using Ipsec.Packets.Fuzz.Targets;

namespace Ipsec.Packets.Fuzz.Seeds;

/// <summary>
/// Writes the seed corpus (<c>corpus/{inbound,pcap,safile}/</c>): packets protected under the harness's fixed keys for
/// every SA of <see cref="InboundSaSpec.All"/> (so mutations start past the ICV check), a few near-misses, captures of those
/// packets in pcap and pcapng, and SA files describing the SAs. Small on purpose: AFL++ works best from a few short seeds.
/// </summary>
internal static class CorpusGenerator
{
    public static void Write(string directory)
    {
        IReadOnlyDictionary<string, byte[]> inbound = InboundSeeds();
        Write(directory, InboundTarget.TargetName, inbound);

        var packets = new List<byte[]> { inbound["valid-esp-gcm-tunnel-v4"], inbound["valid-esp-cbc-hmac-transport-v6"], inbound["valid-esp-natt-tunnel-v4"], inbound["valid-ah-sha256-transport-v4"] };
        byte[] pcap = CaptureFiles.RawPcap(packets, nanoseconds: false);
        Write(directory, PcapTarget.TargetName, new Dictionary<string, byte[]>
        {
            ["raw-microseconds.pcap"] = pcap,
            ["raw-nanoseconds.pcap"] = CaptureFiles.RawPcap(packets[..2], nanoseconds: true),
            ["ethernet-big-endian.pcap"] = CaptureFiles.EthernetPcapBigEndian(packets[1..]),
            ["two-interfaces.pcapng"] = CaptureFiles.Pcapng(packets, bigEndian: false),
            ["big-endian.pcapng"] = CaptureFiles.Pcapng(packets[2..], bigEndian: true),
            ["truncated-record.pcap"] = pcap[..(pcap.Length - 7)],
        });

        string xfrm = SaFiles.Xfrm(InboundSaSpec.All);
        Write(directory, SaFileTarget.TargetName, new Dictionary<string, byte[]>
        {
            ["harness-sas.xfrm"] = Encoding.UTF8.GetBytes(xfrm),
            ["harness-sas.json"] = Encoding.UTF8.GetBytes(SaFiles.Json(InboundSaSpec.All)),
            ["one-sa.xfrm"] = Encoding.UTF8.GetBytes(SaFiles.Xfrm(InboundSaSpec.All[..1])),
            ["one-sa-bare-array.json"] = Encoding.UTF8.GetBytes("[" + SaFiles.Json(InboundSaSpec.All[1..2]).Split('[', 2)[1].TrimEnd('\n', '}')),
            ["cbc-without-auth.xfrm"] = Encoding.UTF8.GetBytes(string.Join('\n', Array.FindAll(SaFiles.Xfrm(InboundSaSpec.All[1..2]).Split('\n'), line => !line.Contains("auth", StringComparison.Ordinal)))),
            ["short-key.json"] = Encoding.UTF8.GetBytes(SaFiles.Json(InboundSaSpec.All[..1]).Replace("\"key\": \"0x", "\"key\": \"0x00", StringComparison.Ordinal)),
        });
    }

    /// <summary>The inbound seeds by file name (without extension): valid packets per SA, then near-misses.</summary>
    public static IReadOnlyDictionary<string, byte[]> InboundSeeds()
    {
        var seeds = new Dictionary<string, byte[]>();
        foreach (InboundSaSpec spec in InboundSaSpec.All)
        {
            List<byte[]> sent = Protect(spec, count: spec.InitialSequenceNumber == 0 ? 1 : 17);
            seeds["valid-" + spec.Name] = sent[0];
            if (sent.Count > 1)
            {
                // The packet that crosses the 2^32 boundary (the sender started 16 or 8 below it).
                seeds["valid-" + spec.Name + "-after-wrap"] = sent[^1];
            }
        }

        byte[] gcm = seeds["valid-esp-gcm-tunnel-v4"];
        byte[] unknownSpi = (byte[])gcm.Clone();
        unknownSpi[20 + 3] ^= 0x40;
        seeds["unknown-spi-v4"] = unknownSpi;
        seeds["truncated-esp-v4"] = gcm[..36];
        byte[] flipped = (byte[])gcm.Clone();
        flipped[^1] ^= 1;
        seeds["bad-icv-v4"] = flipped;
        seeds["plain-udp-v6"] = SamplePackets.Udp(InboundSaSpec.All[1].Peer, InboundSaSpec.All[1].Local, 16, 0x55);
        byte[] keepalive = SamplePackets.Udp(InboundSaSpec.All[2].Peer, InboundSaSpec.All[2].Local, 1, 0xFF);
        keepalive[20] = 0x11;
        keepalive[21] = 0x94;
        keepalive[22] = 0x11;
        keepalive[23] = 0x94;
        seeds["natt-keepalive-v4"] = keepalive;
        return seeds;
    }

    /// <summary>Protects <paramref name="count"/> inner packets as the peer of <paramref name="spec"/>.</summary>
    private static List<byte[]> Protect(InboundSaSpec spec, int count)
    {
        var sent = new List<byte[]>();
        using var esp = spec.IsAh ? null : spec.CreateEspProcessor();
        using var ah = spec.IsAh ? spec.CreateAh() : null;
        for (int i = 0; i < count; i++)
        {
            byte[] inner = spec.Mode == IpsecMode.Tunnel
                ? SamplePackets.Udp(Host(spec.PeerNetwork, 5), Host(spec.LocalNetwork, 9), 24, (byte)i)
                : SamplePackets.Udp(spec.Peer, spec.Local, 24, (byte)i);
            var buffer = new byte[512];
            inner.CopyTo(buffer, 256);
            IpsecStatus status;
            int offset;
            int length;
            if (esp is not null)
            {
                status = esp.Protect(buffer, 256, inner.Length, out EspProcessResult result);
                (offset, length) = (result.Offset, result.Length);
            }
            else
            {
                status = ah!.Protect(buffer, 256, inner.Length, out AhProcessResult result);
                (offset, length) = (result.Offset, result.Length);
            }

            if (status != IpsecStatus.Success)
            {
                throw new InvalidOperationException($"{spec.Name}: protecting a seed failed with {status}");
            }

            sent.Add(buffer.AsSpan(offset, length).ToArray());
        }

        return sent;
    }

    private static IPAddress Host(IPNetwork network, byte host)
    {
        byte[] address = network.BaseAddress.GetAddressBytes();
        address[^1] = host;
        return new IPAddress(address);
    }

    private static void Write(string directory, string target, IReadOnlyDictionary<string, byte[]> files)
    {
        string folder = Path.Combine(directory, target);
        Directory.CreateDirectory(folder);
        foreach ((string name, byte[] bytes) in files)
        {
            File.WriteAllBytes(Path.Combine(folder, Path.HasExtension(name) ? name : name + ".bin"), bytes);
        }
    }
}
