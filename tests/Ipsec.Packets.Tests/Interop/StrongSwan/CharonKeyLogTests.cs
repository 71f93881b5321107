using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using Ipsec.Packets.Tool.SecurityAssociations;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// The strongSwan harness's own plumbing, without root or strongSwan: charon's key log (format of 5.9.8 at chd = 4, made-up
/// keys) is read per thread into SAs with the right keys per direction, and the SA file written from them reads back
/// through the tool's xfrm reader with the same algorithm, keys, SPI, encapsulation and sequence numbers, for every proposal.
/// </summary>
[TestFixture]
public sealed class CharonKeyLogTests
{
    public static IEnumerable<TestCaseData> Proposals() =>
        StrongSwanProposal.All.Select(p => new TestCaseData(p).SetArgDisplayNames(p.Keyword));

    [Test]
    public void KeysGoToTheDirectionTheExchangeInitiatorSendsIn()
    {
        byte[] ei = Bytes(0x10, 20), er = Bytes(0x40, 20), ai = Bytes(0x70, 32), ar = Bytes(0xA0, 32);
        var log = new StringBuilder();
        log.Append("15[CFG] selected proposal: ESP:AES_CBC_128/HMAC_SHA2_256_128/NO_EXT_SEQ\n");
        Key(log, "15", "encryption initiator", ei);
        // Another worker thread logs in between; its lines must not disturb thread 15's keys.
        log.Append("09[CHD] CHILD_SA other{7} state change: INSTALLED => REKEYING\n");
        Key(log, "09", "encryption initiator", Bytes(0xEE, 16));
        Key(log, "15", "encryption responder", er);
        Key(log, "15", "integrity initiator", ai);
        Key(log, "15", "integrity responder", ar);
        log.Append("15[CHD] adding inbound ESP SA\n15[CHD]   SPI 0x73eb6df2, src 192.0.2.2 dst 192.0.2.1\n");
        log.Append("15[CHD] adding outbound ESP SA\n15[CHD]   SPI 0x3cfcca44, src 192.0.2.1 dst 192.0.2.2\n");

        List<NegotiatedEspSa> asInitiator = CharonKeyLog.Parse(log.ToString(), loggedByExchangeInitiator: true);
        Assert.That(asInitiator, Has.Count.EqualTo(2));
        Assert.That(asInitiator[0].Spi, Is.EqualTo(0x73eb6df2u));
        Assert.That(asInitiator[0].Source, Is.EqualTo(IPAddress.Parse("192.0.2.2")));
        Assert.That(asInitiator[0].EncryptionKey, Is.EqualTo(er), "inbound at the exchange initiator: responder keys");
        Assert.That(asInitiator[0].IntegrityKey, Is.EqualTo(ar));
        Assert.That(asInitiator[1].Spi, Is.EqualTo(0x3cfcca44u));
        Assert.That(asInitiator[1].EncryptionKey, Is.EqualTo(ei), "outbound at the exchange initiator: initiator keys");
        Assert.That(asInitiator[1].IntegrityKey, Is.EqualTo(ai));

        List<NegotiatedEspSa> asResponder = CharonKeyLog.Parse(log.ToString(), loggedByExchangeInitiator: false);
        Assert.That(asResponder[0].EncryptionKey, Is.EqualTo(ei), "inbound at the exchange responder: initiator keys");
        Assert.That(asResponder[1].IntegrityKey, Is.EqualTo(ar));
    }

    [TestCaseSource(nameof(Proposals))]
    public void SaFileReadsBackThroughTheToolsReader(StrongSwanProposal proposal)
    {
        var outbound = new NegotiatedEspSa(0x3cfcca44, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"),
            Bytes(0x11, proposal.KeyMaterialLength), proposal.Integrity is null ? [] : Bytes(0x22, proposal.Integrity.KeySize));
        var inbound = outbound with { Spi = 0x73eb6df2, Source = outbound.Destination, Destination = outbound.Source, EncryptionKey = Bytes(0x33, proposal.KeyMaterialLength) };
        string text = XfrmSaFile.Write(proposal, [outbound, inbound], new Dictionary<uint, (uint Seq, uint Oseq)> { [outbound.Spi] = (0, 98), [inbound.Spi] = (68, 0) });

        List<SaDefinition> read = XfrmStateReader.Parse("strongswan.xfrm", new StringReader(text));

        Assert.That(read, Has.Count.EqualTo(2));
        foreach ((SaDefinition definition, NegotiatedEspSa expected) in read.Zip([outbound, inbound]))
        {
            Assert.That(definition.Spi, Is.EqualTo(expected.Spi));
            Assert.That(definition.Source, Is.EqualTo(expected.Source));
            Assert.That(definition.Mode, Is.EqualTo(IpsecMode.Tunnel));
            Assert.That(definition.Encryption, Is.SameAs(proposal.Encryption));
            Assert.That(definition.EncryptionKey, Is.EqualTo(expected.EncryptionKey));
            Assert.That(definition.Integrity, Is.SameAs(proposal.Integrity));
            Assert.That(definition.IntegrityKey, Is.EqualTo(expected.IntegrityKey));
            Assert.That(definition.EncapsulationSourcePort, Is.EqualTo(4500));
            Assert.That(definition.ExtendedSequenceNumbers, Is.False);
        }

        Assert.That(read[0].OutboundSequenceNumber, Is.EqualTo(98));
        Assert.That(read[1].InboundSequenceNumber, Is.EqualTo(68));
        using EspProcessor processor = read[0].CreateProcessor();
        Assert.That(processor.Spi, Is.EqualTo(outbound.Spi), "the library takes the key lengths charon derived");
    }

    private static byte[] Bytes(int start, int length) => Enumerable.Range(start, length).Select(i => (byte)i).ToArray();

    /// <summary>Appends a key as charon's logger dumps it: a header, then 16 bytes per line with an ASCII column.</summary>
    private static void Key(StringBuilder log, string thread, string name, byte[] key)
    {
        log.Append(thread).Append("[CHD] ").Append(name).Append(" key => ").Append(key.Length).Append(" bytes @ 0x7f8e30003ca0\n");
        for (int offset = 0; offset < key.Length; offset += 16)
        {
            byte[] line = key[offset..Math.Min(offset + 16, key.Length)];
            string hex = string.Join(' ', line.Select(b => b.ToString("X2")));
            log.Append(thread).Append("[CHD]   ").Append(offset.ToString().PadLeft(2)).Append(": ")
                .Append(hex.PadRight(47)).Append("  ").Append(new string('.', line.Length)).Append('\n');
        }
    }
}
