using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tests.Interop;
using Ipsec.Packets.Tool.Captures;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>
/// The tool against Scapy: Scapy encrypts packets and writes them with wrpcap (Ethernet pcap), the tool decrypts them;
/// the tool encrypts a capture, Scapy's rdpcap reads it and Scapy decrypts every packet; Scapy fragments large ESP-in-UDP
/// (IPv4) and tunnelled IPv6 ESP packets, the tool reassembles and decrypts them.
/// </summary>
[TestFixture]
public class ScapyToolInteropTests
{
    // Runs from stdin: argv[1] is the mode, the rest are paths. Scapy 2.5 writes a NAT-T UDP length of 8, fixed here.
    private const string Script = """
        import sys
        from scapy.all import Ether, IP, UDP, Raw, rdpcap, wrpcap
        from scapy.layers.ipsec import SecurityAssociation, ESP

        def sa(kind):
            if kind == 'gcm-tunnel':
                return SecurityAssociation(ESP, spi=0xc0de, crypt_algo='AES-GCM',
                    crypt_key=bytes.fromhex('000102030405060708090a0b0c0d0e0f10111213'),
                    tunnel_header=IP(src='192.0.2.1', dst='192.0.2.2'))
            if kind == 'gcm-natt':
                return SecurityAssociation(ESP, spi=0xc0de, crypt_algo='AES-GCM',
                    crypt_key=bytes.fromhex('000102030405060708090a0b0c0d0e0f10111213'),
                    tunnel_header=IP(src='192.0.2.1', dst='192.0.2.2'), nat_t_header=UDP(sport=4500, dport=4500))
            return SecurityAssociation(ESP, spi=0xc0de, crypt_algo='AES-CBC',
                crypt_key=bytes.fromhex('000102030405060708090a0b0c0d0e0f'), auth_algo='SHA2-256-128',
                auth_key=bytes.fromhex('000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f'))

        def fix(p):
            if UDP in p and p[UDP].dport == 4500:
                p[UDP].len = len(p[UDP])
                p[UDP].chksum = 0
            return IP(bytes(p))

        mode, kind = sys.argv[1], sys.argv[2]
        if mode == 'fragments':
            # Large packets through Scapy's own ESP, then Scapy's own fragmentation (IPv4: fragment; IPv6: fragment6),
            # the fragments of odd packets reversed.
            from scapy.layers.inet import fragment
            from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
            v6 = kind == 'gcm-tunnel-v6'
            if v6:
                s = SecurityAssociation(ESP, spi=0xc0de, crypt_algo='AES-GCM',
                    crypt_key=bytes.fromhex('000102030405060708090a0b0c0d0e0f10111213'),
                    tunnel_header=IPv6(src='2001:db8::1', dst='2001:db8::2'))
            else:
                s = sa('gcm-natt')
            plain = [IP(bytes(IP(src='10.0.0.1', dst='10.0.0.2') / UDP(sport=1000 + i, dport=53) / Raw(bytes((i + j) % 256 for j in range(2000 + i * 900))))) for i in range(6)]
            frames = []
            for i, p in enumerate(plain):
                if v6:
                    q = IPv6(bytes(s.encrypt(p)))
                    q = IPv6(bytes(IPv6(src=q.src, dst=q.dst, hlim=q.hlim) / IPv6ExtHdrFragment(id=0x100 + i) / q.payload))
                    pieces = fragment6(q, 1280)
                else:
                    q = fix(s.encrypt(p))
                    q.id = 0x100 + i
                    del q.chksum
                    pieces = fragment(IP(bytes(q)), fragsize=1480)
                if i % 2 == 1:
                    pieces = list(reversed(pieces))
                for f in pieces:
                    e = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02', type=0x86dd if v6 else 0x0800) / f
                    e.time = 1700000000 + i
                    frames.append(e)
            wrpcap(sys.argv[3], frames)
            with open(sys.argv[4], 'w') as f:
                f.write('\n'.join(bytes(p).hex() for p in plain))
        elif mode == 'make':
            plain = [IP(src='192.0.2.1' if kind == 'cbc-transport' else '10.0.0.1', dst='192.0.2.2' if kind == 'cbc-transport' else '10.0.0.2')
                     / UDP(sport=1000 + i, dport=53) / Raw(bytes(range(i * 7 % 256)) * 2) for i in range(20)]
            plain = [IP(bytes(p)) for p in plain]
            s = sa(kind)
            enc = [Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / fix(s.encrypt(p)) for p in plain]
            for i, p in enumerate(enc):
                p.time = 1700000000 + i * 0.25
            wrpcap(sys.argv[3], enc)
            with open(sys.argv[4], 'w') as f:
                f.write('\n'.join(bytes(p).hex() for p in plain))
        else:
            s = sa(kind)
            out = []
            for p in rdpcap(sys.argv[3]):
                out.append(bytes(s.decrypt(IP(bytes(p)))).hex())
            print('\n'.join(out))
        """;

    private const string SaHead = "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x0000c0de reqid 1 mode ";
    private const string Gcm = "\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n";
    private const string Cbc = "\tauth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 128\n\tenc cbc(aes) 0x000102030405060708090a0b0c0d0e0f\n";

    private static string SaText(string kind) => kind switch
    {
        "gcm-tunnel" => SaHead + "tunnel\n" + Gcm,
        "gcm-natt" => SaHead + "tunnel\n" + Gcm + "\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0\n",
        _ => SaHead + "transport\n" + Cbc,
    };

    private static (int, string, string) Python(params string[] args) =>
        PythonRunner.Run("- " + string.Join(' ', args), Script);

    [TestCase("gcm-tunnel")]
    [TestCase("gcm-natt")]
    [TestCase("cbc-transport")]
    public void ToolDecryptsScapyCapture(string kind)
    {
        PythonRunner.RequireScapy();
        string dir = ToolRunner.TempDirectory();
        try
        {
            string sa = Path.Combine(dir, "sa.txt");
            File.WriteAllText(sa, SaText(kind));
            (int code, _, string error) = Python("make", kind, Path.Combine(dir, "scapy.pcap"), Path.Combine(dir, "plain.hex"));
            Assert.That(code, Is.Zero, error);

            var run = ToolRunner.Run("decrypt", "--strict", "--sa", sa, Path.Combine(dir, "scapy.pcap"), Path.Combine(dir, "dec.pcap"));
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(run.Error, Does.Contain(": 20 decrypted\n"));
            string[] expected = File.ReadAllText(Path.Combine(dir, "plain.hex")).Split('\n');
            List<(CaptureRecord Record, byte[] Bytes)> decrypted = ToolEndToEndTests.ReadCapture(Path.Combine(dir, "dec.pcap"));
            Assert.That(decrypted, Has.Count.EqualTo(20));
            for (int i = 0; i < 20; i++)
            {
                Assert.That(System.Convert.ToHexStringLower(decrypted[i].Bytes), Is.EqualTo(expected[i]));
                Assert.That(decrypted[i].Record.Seconds, Is.EqualTo(1_700_000_000 + i / 4));
                Assert.That(decrypted[i].Record.Nanoseconds, Is.EqualTo((uint)(i % 4 * 250_000_000)));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("gcm-natt", 2)]
    [TestCase("gcm-tunnel-v6", 2)]
    public void ToolReassemblesAndDecryptsScapyFragments(string kind, int minimumFragmentsPerPacket)
    {
        PythonRunner.RequireScapy();
        string dir = ToolRunner.TempDirectory();
        try
        {
            string sa = Path.Combine(dir, "sa.txt");
            File.WriteAllText(sa, kind == "gcm-natt"
                ? SaText(kind)
                : "src 2001:db8::1 dst 2001:db8::2\n\tproto esp spi 0x0000c0de reqid 1 mode tunnel\n" + Gcm);
            (int code, _, string error) = Python("fragments", kind, Path.Combine(dir, "scapy.pcap"), Path.Combine(dir, "plain.hex"));
            Assert.That(code, Is.Zero, error);

            var run = ToolRunner.Run("decrypt", "--strict", "--sa", sa, Path.Combine(dir, "scapy.pcap"), Path.Combine(dir, "dec.pcap"));
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(run.Error, Does.Contain(": 6 decrypted\n").And.Contain(", 6 datagrams reassembled, 0 not reassembled\n"));
            Assert.That(ToolEndToEndTests.ReadCapture(Path.Combine(dir, "scapy.pcap")), Has.Count.AtLeast(6 * minimumFragmentsPerPacket));
            string[] expected = File.ReadAllText(Path.Combine(dir, "plain.hex")).Split('\n');
            List<(CaptureRecord Record, byte[] Bytes)> decrypted = ToolEndToEndTests.ReadCapture(Path.Combine(dir, "dec.pcap"));
            Assert.That(decrypted.ConvertAll(r => System.Convert.ToHexStringLower(r.Bytes)), Is.EqualTo(expected));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("gcm-tunnel")]
    [TestCase("gcm-natt")]
    [TestCase("cbc-transport")]
    public void ScapyDecryptsToolCapture(string kind)
    {
        PythonRunner.RequireScapy();
        string dir = ToolRunner.TempDirectory();
        try
        {
            string sa = Path.Combine(dir, "sa.txt");
            File.WriteAllText(sa, SaText(kind));
            var plain = new List<CaptureBuilder.Frame>();
            for (int i = 0; i < 10; i++)
            {
                byte[] payload = new byte[i * 13];
                new System.Random(i).NextBytes(payload);
                byte[] ip = kind == "cbc-transport"
                    ? CaptureBuilder.IPv4Udp("192.0.2.1", "192.0.2.2", 1000, 53, payload)
                    : CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, payload);
                plain.Add(new(1_700_000_000 + i, 0, CaptureBuilder.Link(1, ip)));
            }

            File.WriteAllBytes(Path.Combine(dir, "plain.pcap"), CaptureBuilder.Pcap(plain, 1));
            var run = ToolRunner.Run("encrypt", "--sa", sa, Path.Combine(dir, "plain.pcap"), Path.Combine(dir, "enc.pcap"));
            Assert.That(run.ExitCode, Is.Zero, run.Error);

            (int code, string output, string error) = Python("check", kind, Path.Combine(dir, "enc.pcap"));
            Assert.That(code, Is.Zero, error);
            string[] lines = output.Trim().Split('\n');
            Assert.That(lines, Has.Length.EqualTo(10));
            for (int i = 0; i < 10; i++)
            {
                byte[] expected = plain[i].Bytes[22..]; // after the Ethernet header and its two VLAN tags
                Assert.That(lines[i].Trim(), Is.EqualTo(System.Convert.ToHexStringLower(expected)));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
