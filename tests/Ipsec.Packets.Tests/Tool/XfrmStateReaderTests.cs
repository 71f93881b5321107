using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tool.SecurityAssociations;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

[TestFixture]
public class XfrmStateReaderTests
{
    // `ip -s xfrm state` as iproute2 6.x prints it: tabs, decimal SPIs in brackets, lifetime and stats blocks.
    private const string StatsDump =
        "src 192.0.2.1 dst 192.0.2.2\n" +
        "\tproto esp spi 0xc0ffee01(3237998081) reqid 1(0x00000001) mode tunnel\n" +
        "\treplay-window 0 seq 0x00000000 flag af-unspec esn (0x00100010)\n" +
        "\taead rfc4106(gcm(aes)) 0x00112233445566778899aabbccddeeff01020304 (160 bits) 128\n" +
        "\tanti-replay esn context:\n" +
        "\t seq-hi 0x1, seq 0x10, oseq-hi 0x2, oseq 0x20\n" +
        "\t replay_window 128, bitmap-length 4\n" +
        "\t 00000000 00000000 00000000 0000ffff \n" +
        "\tlifetime config:\n" +
        "\t  limit: soft (INF)(bytes), hard (INF)(bytes)\n" +
        "\t  limit: soft (INF)(packets), hard (INF)(packets)\n" +
        "\t  expire add: soft 0(sec), hard 0(sec)\n" +
        "\t  expire use: soft 0(sec), hard 0(sec)\n" +
        "\tlifetime current:\n" +
        "\t  1234(bytes), 12(packets)\n" +
        "\t  add 2026-11-26 10:00:00 use 2026-11-26 10:00:01\n" +
        "\tstats:\n" +
        "\t  replay-window 0 replay 0 failed 0\n" +
        "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 uid 0\n" +
        "\tlastused 2026-11-26 10:00:01\n" +
        "\tif_id 0x7\n" +
        "\tdir in\n" +
        "\toffload dev eth0 dir in mode crypto\n" +
        "src 2001:db8::1 dst 2001:db8::2\n" +
        "    proto esp spi 0x00001234(4660) reqid 2 mode transport\n" +
        "    replay-window 64 flag af-unspec\n" +
        "    auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128\n" +
        "    enc cbc(aes) 0x0f0e0d0c0b0a09080706050403020100\n" +
        "    encap type espinudp sport 4500 dport 4501 addr 0.0.0.0\n" +
        "    anti-replay context: seq 0x5, oseq 0x9, bitmap 0x0000001f\n" +
        "    sel src ::/0 dst ::/0\n" +
        "src 198.51.100.1 dst 198.51.100.2\n" +
        "\tproto ah spi 0x00000300 reqid 3 mode transport\n" +
        "\treplay-window 32\n" +
        "\tauth-trunc hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314 96\n";

    [Test]
    public void StatsDump_EveryField()
    {
        List<SaDefinition> sas = SaFileReader.Parse("sa.txt", StatsDump);
        Assert.That(sas, Has.Count.EqualTo(3));

        SaDefinition gcm = sas[0];
        Assert.Multiple(() =>
        {
            Assert.That(gcm.Source, Is.EqualTo(IPAddress.Parse("192.0.2.1")));
            Assert.That(gcm.Destination, Is.EqualTo(IPAddress.Parse("192.0.2.2")));
            Assert.That(gcm.Protocol, Is.EqualTo(50));
            Assert.That(gcm.Spi, Is.EqualTo(0xc0ffee01u));
            Assert.That(gcm.Mode, Is.EqualTo(IpsecMode.Tunnel));
            Assert.That(gcm.ExtendedSequenceNumbers, Is.True);
            Assert.That(gcm.ReplayWindowSize, Is.EqualTo(128));
            Assert.That(gcm.Encryption, Is.SameAs(EncryptionAlgorithm.AesGcm16));
            Assert.That(gcm.EncryptionKey, Has.Length.EqualTo(20));
            Assert.That(gcm.EncryptionKey[0], Is.EqualTo(0x00));
            Assert.That(gcm.EncryptionKey[19], Is.EqualTo(0x04));
            Assert.That(gcm.Integrity, Is.Null);
            Assert.That(gcm.UdpEncapsulated, Is.False);
            Assert.That(gcm.InboundSequenceNumber, Is.EqualTo(0x1_0000_0010UL));
            Assert.That(gcm.OutboundSequenceNumber, Is.EqualTo(0x2_0000_0020UL));
            Assert.That(gcm.Location, Is.EqualTo("1"));
        });

        SaDefinition cbc = sas[1];
        Assert.Multiple(() =>
        {
            Assert.That(cbc.IsIPv6, Is.True);
            Assert.That(cbc.Spi, Is.EqualTo(0x1234u));
            Assert.That(cbc.Mode, Is.EqualTo(IpsecMode.Transport));
            Assert.That(cbc.ReplayWindowSize, Is.EqualTo(64));
            Assert.That(cbc.ExtendedSequenceNumbers, Is.False);
            Assert.That(cbc.Encryption, Is.SameAs(EncryptionAlgorithm.AesCbc));
            Assert.That(cbc.Integrity, Is.SameAs(IntegrityAlgorithm.HmacSha2_256_128));
            Assert.That(cbc.IntegrityKey, Has.Length.EqualTo(32));
            Assert.That(cbc.EncapsulationSourcePort, Is.EqualTo(4500));
            Assert.That(cbc.EncapsulationDestinationPort, Is.EqualTo(4501));
            Assert.That(cbc.InboundSequenceNumber, Is.EqualTo(5UL));
            Assert.That(cbc.OutboundSequenceNumber, Is.EqualTo(9UL));
            Assert.That(cbc.Location, Is.EqualTo("24"));
        });

        SaDefinition ah = sas[2];
        Assert.Multiple(() =>
        {
            Assert.That(ah.Protocol, Is.EqualTo(51));
            Assert.That(ah.IsEsp, Is.False);
            Assert.That(ah.Integrity, Is.SameAs(IntegrityAlgorithm.HmacSha1_96));
            Assert.That(ah.Encryption, Is.Null);
        });
    }

    [Test]
    public void ShortEncapForm_AndDefaults()
    {
        const string text = "src 10.0.0.1 dst 10.0.0.2\n proto esp spi 4660 mode tunnel\n enc rfc3686(ctr(aes)) 0x000102030405060708090a0b0c0d0e0f10111213\n auth hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314\n encap espinudp 4500 4500 0.0.0.0\n";
        SaDefinition sa = SaFileReader.Parse("sa.txt", text)[0];
        Assert.Multiple(() =>
        {
            Assert.That(sa.Spi, Is.EqualTo(4660u));
            Assert.That(sa.Encryption, Is.SameAs(EncryptionAlgorithm.AesCtr));
            Assert.That(sa.Integrity, Is.SameAs(IntegrityAlgorithm.HmacSha1_96));
            Assert.That(sa.EncapsulationDestinationPort, Is.EqualTo(4500));
            Assert.That(sa.InboundSequenceNumber, Is.Zero);
            Assert.That(sa.OutboundSequenceNumber, Is.Zero);
        });
    }

    [TestCase("aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 64", "ENCR_AES_GCM_8")]
    [TestCase("aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 96", "ENCR_AES_GCM_12")]
    [TestCase("aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128", "ENCR_AES_GCM_16")]
    [TestCase("aead rfc4309(ccm(aes)) 0x0102030405060708090a0b0c0d0e0f10111213 64", "ENCR_AES_CCM_8")]
    [TestCase("aead rfc4309(ccm(aes)) 0x0102030405060708090a0b0c0d0e0f10111213 96", "ENCR_AES_CCM_12")]
    [TestCase("aead rfc4309(ccm(aes)) 0x0102030405060708090a0b0c0d0e0f10111213 128", "ENCR_AES_CCM_16")]
    [TestCase("aead rfc7539esp(chacha20,poly1305) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00010203 128", "ENCR_CHACHA20_POLY1305")]
    [TestCase("aead rfc4543(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128", "ENCR_NULL_AUTH_AES_GMAC")]
    public void AeadNames(string line, string expected)
    {
        SaDefinition sa = SaFileReader.Parse("sa.txt", "src 10.0.0.1 dst 10.0.0.2\n\tproto esp spi 0x1000 mode tunnel\n\t" + line + "\n")[0];
        Assert.That(sa.Encryption!.Name, Is.EqualTo(expected));
        using EspProcessor processor = sa.CreateProcessor();
        Assert.That(processor.SecurityAssociation.Encryption.Name, Is.EqualTo(expected));
    }

    [TestCase("enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f", "ENCR_AES_CBC")]
    [TestCase("enc rfc3686(ctr(aes)) 0x000102030405060708090a0b0c0d0e0f10111213", "ENCR_AES_CTR")]
    [TestCase("enc cbc(des3_ede) 0x000102030405060708090a0b0c0d0e0f1011121314151617", "ENCR_3DES")]
    [TestCase("enc ecb(cipher_null) ", "ENCR_NULL")]
    [TestCase("enc ecb(cipher_null) 0x", "ENCR_NULL")]
    public void CipherNames(string line, string expected)
    {
        SaDefinition sa = SaFileReader.Parse("sa.txt", "src 10.0.0.1 dst 10.0.0.2\n\tproto esp spi 0x1000 mode tunnel\n\tauth-trunc hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314 96\n\t" + line + "\n")[0];
        Assert.That(sa.Encryption!.Name, Is.EqualTo(expected));
        using EspProcessor processor = sa.CreateProcessor();
        Assert.That(processor.SecurityAssociation.Encryption.Name, Is.EqualTo(expected));
    }

    [TestCase("auth-trunc hmac(md5) 0x000102030405060708090a0b0c0d0e0f 96", "AUTH_HMAC_MD5_96")]
    [TestCase("auth hmac(md5) 0x000102030405060708090a0b0c0d0e0f", "AUTH_HMAC_MD5_96")]
    [TestCase("auth-trunc hmac(sha1) 0x000102030405060708090a0b0c0d0e0f10111213 96", "AUTH_HMAC_SHA1_96")]
    [TestCase("auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 128", "AUTH_HMAC_SHA2_256_128")]
    [TestCase("auth-trunc hmac(sha384) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 192", "AUTH_HMAC_SHA2_384_192")]
    [TestCase("auth hmac(sha384) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f", "AUTH_HMAC_SHA2_384_192")]
    [TestCase("auth-trunc hmac(sha512) 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 256", "AUTH_HMAC_SHA2_512_256")]
    [TestCase("auth-trunc xcbc(aes) 0x000102030405060708090a0b0c0d0e0f 96", "AUTH_AES_XCBC_96")]
    [TestCase("auth-trunc cmac(aes) 0x000102030405060708090a0b0c0d0e0f 96", "AUTH_AES_CMAC_96")]
    public void IntegrityNames(string line, string expected)
    {
        SaDefinition sa = SaFileReader.Parse("sa.txt", "src 10.0.0.1 dst 10.0.0.2\n\tproto esp spi 0x1000 mode tunnel\n\t" + line + "\n\tenc cbc(aes) 0x000102030405060708090a0b0c0d0e0f\n")[0];
        Assert.That(sa.Integrity!.Name, Is.EqualTo(expected));
        using EspProcessor processor = sa.CreateProcessor();
        Assert.That(processor.SecurityAssociation.Integrity!.Name, Is.EqualTo(expected));
    }

    private const string Head = "src 10.0.0.1 dst 10.0.0.2\n";
    private const string Proto = "\tproto esp spi 0x1000 mode tunnel\n";
    private const string Gcm = "\taead rfc4106(gcm(aes)) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7 128\n";

    [TestCase("proto esp spi 0x1000\n", "sa.txt:1: proto: expected an SA starting with 'src ADDRESS dst ADDRESS'")]
    [TestCase("src 10.0.0.1 dst\n", "sa.txt:1: dst: value missing")]
    [TestCase("src 10.0.0.1 dst 2001:db8::1\n", "sa.txt:1: dst: source and destination are of different address families")]
    [TestCase("src 10.0.0.300 dst 10.0.0.1\n", "sa.txt:1: src: '10.0.0.300' is not an IPv4 or IPv6 address")]
    [TestCase(Head + "\tproto esp spi 0xZZ mode tunnel\n" + Gcm, "sa.txt:2: spi: '0xZZ' is not a number")]
    [TestCase(Head + "\tproto esp spi 0x00001234(4661) mode tunnel\n" + Gcm, "sa.txt:2: spi: '0x00001234(4661)' is not a number")]
    [TestCase(Head + "\tproto esp spi 0x10 mode tunnel\n" + Gcm, "sa.txt:2: spi: SPIs 0 to 255 are reserved")]
    [TestCase(Head + "\tproto esp spi 0x100000000 mode tunnel\n" + Gcm, "sa.txt:2: spi: '0x100000000' is not a number")]
    [TestCase(Head + "\tproto comp spi 0x1000 mode tunnel\n", "sa.txt:2: proto: 'comp' is not supported")]
    [TestCase(Head + "\tproto esp spi 0x1000 mode beet\n" + Gcm, "sa.txt:2: mode: 'beet' is not supported")]
    [TestCase(Head + "\tproto esp mode tunnel\n" + Gcm, "sa.txt:2: spi: missing")]
    [TestCase(Head + Gcm, "sa.txt:1: proto: missing")]
    [TestCase(Head + Proto, "sa.txt:1: enc: an ESP SA needs")]
    [TestCase(Head + Proto + "\taead rfc4106(gcm(aes)) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7 112\n", "sa.txt:3: aead: ICV length 112 bits is not one of 64, 96, 128")]
    [TestCase(Head + Proto + "\taead rfc9999(foo) 0x5ec7e7 128\n", "sa.txt:3: aead: unsupported AEAD algorithm 'rfc9999(foo)'")]
    [TestCase(Head + Proto + "\taead rfc4106(gcm(aes)) 5ec7e75ec7e7 128\n", "sa.txt:3: aead: key is not 0x followed by an even number of hex digits")]
    [TestCase(Head + Proto + "\taead rfc4106(gcm(aes)) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ecZ 128\n", "sa.txt:3: aead: key is not 0x")]
    [TestCase(Head + Proto + "\taead rfc4106(gcm(aes)) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec 128\n", "sa.txt:3: aead: key is not 0x")]
    [TestCase(Head + Proto + "\taead rfc4106(gcm(aes)) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7\n", "sa.txt:3: aead: value missing")]
    [TestCase(Head + Proto + "\tenc blowfish 0x5ec7e75ec7e75ec7e75ec7e75ec7e75e\n", "sa.txt:3: enc: unsupported encryption algorithm 'blowfish'")]
    [TestCase(Head + Proto + "\tenc cbc(aes) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75e\n\tauth hmac(sha256) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75e5ec7e75ec7e75ec7e75ec7e75ec7e75e\n", "sa.txt:4: auth: truncation to 96 bits is not supported for hmac(sha256) (only 128)")]
    [TestCase(Head + Proto + "\tenc cbc(aes) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75e\n\tauth-trunc hmac(whirlpool) 0x5ec7e7 128\n", "sa.txt:4: auth-trunc: unsupported integrity algorithm 'hmac(whirlpool)'")]
    [TestCase(Head + Proto + Gcm + "\tauth-trunc hmac(sha1) 0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7 96\n", "sa.txt:4: auth: an AEAD SA takes no separate integrity algorithm")]
    [TestCase(Head + Proto + Gcm + Gcm, "sa.txt:4: aead: a second encryption algorithm")]
    [TestCase(Head + Proto + Gcm + "\tencap type espintcp sport 4500 dport 4500 addr 0.0.0.0\n", "sa.txt:4: encap: 'espintcp' is not supported (espinudp)")]
    [TestCase(Head + Proto + Gcm + "\tencap type espinudp sport 70000 dport 4500 addr 0.0.0.0\n", "sa.txt:4: encap sport: '70000' is not a number")]
    [TestCase(Head + Proto + Gcm + "\tanti-replay context: seq 0xq, oseq 0x0, bitmap 0x00000000\n", "sa.txt:4: seq: '0xq' is not a number")]
    [TestCase(Head + Proto + Gcm + "\tanti-replay esn context:\n\t seq-hi 0x1, seq 0x0, oseq-hi 0x0, oseq 0x0\n", "sa.txt:1: seq-hi: high sequence bits without 'flag esn'")]
    [TestCase(Head + Proto + "\tcomp deflate 0x\n", "sa.txt:3: comp: IPComp is not supported")]
    [TestCase("\n\n", "sa.txt:1: src: no security association in the file")]
    [TestCase("src 10.0.0.1 dst 10.0.0.2\n\tproto ah spi 0x1000 mode transport\n" + Gcm, "sa.txt:3: enc: an AH SA has no encryption")]
    public void Malformed_OneLineNamingFileLineAndField(string text, string expected)
    {
        var error = Assert.Throws<SaFileException>(() => SaFileReader.Parse("sa.txt", text));
        Assert.That(error!.Message, Does.StartWith(expected));
        Assert.That(error.Message, Does.Not.Contain("\n"));
        Assert.That(error.Message, Does.Not.Contain("5ec7e7"), "keys are never printed");
    }

    [Test]
    public void WrongKeySize_NamesTheKeysLineWithoutTheKey()
    {
        var error = Assert.Throws<SaFileException>(() => SaFileReader.Parse("sa.txt", Head + Proto + "\taead rfc4106(gcm(aes)) 0x5ec7e75ec7e75ec7 128\n"));
        Assert.That(error!.Message, Is.EqualTo("sa.txt:3: aead: the key is 8 bytes; rfc4106(gcm(aes)) takes 20, 28 or 36 bytes (key and 4-byte salt)"));
    }

    [Test]
    public void ToString_NeverShowsKeys()
    {
        foreach (SaDefinition sa in SaFileReader.Parse("sa.txt", StatsDump))
        {
            Assert.That(sa.ToString(), Does.Not.Contain("00112233").And.Not.Contain("0f0e0d0c").And.Not.Contain("01020304"));
        }
    }
}
