using System.Collections.Generic;
using Ipsec.Packets.Tool.SecurityAssociations;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

[TestFixture]
public class JsonSaReaderTests
{
    private const string Document = """
        {
          "sas": [
            {
              "src": "192.0.2.1", "dst": "192.0.2.2", "proto": "esp", "spi": "0xc0ffee01", "mode": "tunnel",
              "aead": { "name": "rfc4106(gcm(aes))", "key": "0x00112233445566778899aabbccddeeff01020304", "icvBits": 96 },
              "esn": true, "replayWindow": 256, "seq": "0x10", "seqHi": 1, "oseq": 32, "oseqHi": "0x2"
            },
            {
              "src": "2001:db8::1", "dst": "2001:db8::2", "spi": 4660, "mode": "transport",
              "enc": { "name": "cbc(aes)", "key": "0x0f0e0d0c0b0a09080706050403020100" },
              "auth": { "name": "hmac(sha256)", "key": "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "truncBits": 128 },
              "encap": { "type": "espinudp", "sport": 4500, "dport": 4501 }
            },
          ]
        }
        """;

    [Test]
    public void EveryField()
    {
        List<SaDefinition> sas = SaFileReader.Parse("sa.json", Document);
        Assert.That(sas, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(sas[0].Spi, Is.EqualTo(0xc0ffee01u));
            Assert.That(sas[0].Encryption, Is.SameAs(EncryptionAlgorithm.AesGcm12));
            Assert.That(sas[0].Mode, Is.EqualTo(IpsecMode.Tunnel));
            Assert.That(sas[0].ExtendedSequenceNumbers, Is.True);
            Assert.That(sas[0].ReplayWindowSize, Is.EqualTo(256));
            Assert.That(sas[0].InboundSequenceNumber, Is.EqualTo(0x1_0000_0010UL));
            Assert.That(sas[0].OutboundSequenceNumber, Is.EqualTo(0x2_0000_0020UL));
            Assert.That(sas[0].Location, Is.EqualTo("$.sas[0]"));
            Assert.That(sas[1].IsIPv6, Is.True);
            Assert.That(sas[1].Protocol, Is.EqualTo(50));
            Assert.That(sas[1].Spi, Is.EqualTo(4660u));
            Assert.That(sas[1].Mode, Is.EqualTo(IpsecMode.Transport));
            Assert.That(sas[1].Encryption, Is.SameAs(EncryptionAlgorithm.AesCbc));
            Assert.That(sas[1].Integrity, Is.SameAs(IntegrityAlgorithm.HmacSha2_256_128));
            Assert.That(sas[1].EncapsulationSourcePort, Is.EqualTo(4500));
            Assert.That(sas[1].EncapsulationDestinationPort, Is.EqualTo(4501));
            Assert.That(sas[1].ReplayWindowSize, Is.EqualTo(64));
        });
    }

    [Test]
    public void BareArray_AndAh()
    {
        const string text = """[{"src":"10.0.0.1","dst":"10.0.0.2","proto":"ah","spi":"0x300","mode":"transport","auth":{"name":"hmac(sha1)","key":"0x0102030405060708090a0b0c0d0e0f1011121314"}}]""";
        SaDefinition sa = SaFileReader.Parse("sa.json", text)[0];
        Assert.That(sa.Protocol, Is.EqualTo(51));
        Assert.That(sa.Integrity, Is.SameAs(IntegrityAlgorithm.HmacSha1_96));
    }

    private const string Sa = "\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"spi\":\"0x1000\",\"mode\":\"tunnel\"";
    private const string Gcm = ",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"0x5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7\",\"icvBits\":128}";

    [TestCase("{\"sas\": [ {", "sa.json:1: json: invalid JSON")]
    [TestCase("{\n\"sas\": [\n {,\n", "sa.json:3: json: invalid JSON")]
    [TestCase("{\"sa\": []}", "sa.json: $.sa: unknown field")]
    [TestCase("{\"sas\": {}}", "sa.json: $.sas: expected an array")]
    [TestCase("{\"sas\": []}", "sa.json: $.sas: no security association")]
    [TestCase("[{" + Sa + Gcm + ",\"spii\":1}]", "sa.json: $[0].spii: unknown field")]
    [TestCase("[{\"dst\":\"10.0.0.2\",\"spi\":4096,\"mode\":\"tunnel\"" + Gcm + "}]", "sa.json: $[0].src: missing")]
    [TestCase("[{\"src\":\"10.0.0.1\",\"dst\":\"::1\",\"spi\":4096,\"mode\":\"tunnel\"" + Gcm + "}]", "sa.json: $[0].dst: source and destination are of different address families")]
    [TestCase("[{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"spi\":-1,\"mode\":\"tunnel\"" + Gcm + "}]", "sa.json: $[0].spi: expected a number from 0 to 4294967295")]
    [TestCase("[{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"spi\":4096,\"mode\":\"beet\"" + Gcm + "}]", "sa.json: $[0].mode: 'beet' is not supported")]
    [TestCase("[{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"spi\":4096" + Gcm + "}]", "sa.json: $[0].mode: missing")]
    [TestCase("[{" + Sa + "}]", "sa.json: $[0].enc: an ESP SA needs")]
    [TestCase("[{" + Sa + ",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"5ec7e75ec7e7\",\"icvBits\":128}}]", "sa.json: $[0].aead.key: key is not 0x")]
    [TestCase("[{" + Sa + ",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"0x5ec7e75ec7e7\",\"icvBits\":100}}]", "sa.json: $[0].aead.icvBits: ICV length 100 bits")]
    [TestCase("[{" + Sa + ",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"0x5ec7e75ec7e7\"}}]", "sa.json: $[0].aead.icvBits: missing")]
    [TestCase("[{" + Sa + Gcm + ",\"encap\":{\"sport\":0,\"dport\":4500}}]", "sa.json: $[0].encap.sport: sport and dport must be non-zero")]
    [TestCase("[{" + Sa + Gcm + ",\"seqHi\":1}]", "sa.json: $[0].seqHi: high sequence bits without")]
    [TestCase("[{" + Sa + Gcm + ",\"esn\":\"yes\"}]", "sa.json: $[0].esn: expected true or false")]
    public void Malformed_OneLineNamingFileLocationAndField(string text, string expected)
    {
        var error = Assert.Throws<SaFileException>(() => SaFileReader.Parse("sa.json", text));
        Assert.That(error!.Message, Does.StartWith(expected));
        Assert.That(error.Message, Does.Not.Contain("\n"));
        Assert.That(error.Message, Does.Not.Contain("5ec7e7"), "keys are never printed");
    }
}
