using System;
using System.Buffers.Binary;
using System.Net;
using Ipsec.Packets.Modes;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// The outer header a tunnel writes per packet from its precomputed words, field by field against RFC 791 / RFC 8200 and
/// RFC 6040, for every DF policy, DSCP choice and inner TOS, before and after the endpoints move; and the checks on its
/// inputs.
/// </summary>
public class OuterHeaderTemplateTests
{
    private static readonly byte[] InnerTosValues = [0x00, 0x01, 0x02, 0x03, 0xB8, 0xBB, 0xFC, 0xFF];

    private static OuterHeaderTemplate IPv4Template(DontFragmentPolicy dontFragment, bool copyDscp, IPProtocol protocol = IPProtocol.Esp, byte ttl = 64) =>
        new(protocol, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.1"), ttl, dontFragment, copyDscp, copyFlowLabel: false, "options");

    /// <summary>Every field of a written outer IPv4 header, and its checksum computed over the bytes.</summary>
    private static void AssertIPv4Header(
        ReadOnlySpan<byte> header, int totalLength, byte innerTos, bool innerDontFragment, DontFragmentPolicy policy, bool copyDscp,
        ushort identification, byte protocol, byte ttl, byte[] source, byte[] destination)
    {
        int ecn = (innerTos & 3) == 3 ? 2 : innerTos & 3;   // RFC 6040 normal mode: CE leaves as ECT(0)
        int tos = (copyDscp ? innerTos & 0xFC : 0) | ecn;
        bool dontFragment = policy switch { DontFragmentPolicy.Set => true, DontFragmentPolicy.Clear => false, _ => innerDontFragment };
        Assert.That(header[0], Is.EqualTo(0x45), "version 4, IHL 5");
        Assert.That(header[1], Is.EqualTo(tos), "TOS");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(header[2..]), Is.EqualTo(totalLength), "total length");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(header[4..]), Is.EqualTo(identification), "identification");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(header[6..]), Is.EqualTo(dontFragment ? 0x4000 : 0), "flags, fragment offset 0");
        Assert.That(header[8], Is.EqualTo(ttl), "TTL");
        Assert.That(header[9], Is.EqualTo(protocol), "protocol");
        Assert.That(header[12..16].ToArray(), Is.EqualTo(source), "source");
        Assert.That(header[16..20].ToArray(), Is.EqualTo(destination), "destination");
        Assert.That(InternetChecksum.IsValid(header[..20]), Is.True, "header checksum");
    }

    [Test]
    public void AnIPv4HeaderCarriesEveryFieldForEveryPolicyAndInnerTos(
        [Values] DontFragmentPolicy policy, [Values] bool copyDscp, [Values] bool innerDontFragment)
    {
        OuterHeaderTemplate template = IPv4Template(policy, copyDscp, IPProtocol.Udp, ttl: 17);
        byte[] source = [192, 0, 2, 1];
        byte[] destination = [198, 51, 100, 1];
        var random = new Random(7);
        foreach (byte tos in InnerTosValues)
        {
            int totalLength = random.Next(20, 65_536);
            ushort identification = (ushort)random.Next(65_536);
            var packet = new byte[totalLength];
            template.Write(packet, new OuterHeaderTemplate.InnerFields(tos, innerDontFragment, 0, false), identification);
            AssertIPv4Header(packet, totalLength, tos, innerDontFragment, policy, copyDscp, identification, 17, 17, source, destination);
        }
    }

    [Test]
    public void MovedEndpointsKeepEveryPolicyAndAValidChecksum([Values] DontFragmentPolicy policy, [Values] bool copyDscp)
    {
        OuterHeaderTemplate moved = IPv4Template(policy, copyDscp, IPProtocol.Ah, ttl: 200)
            .WithAddresses([203, 0, 113, 77], [10, 255, 255, 254]);
        Assert.That(moved.Protocol, Is.EqualTo((byte)IPProtocol.Ah));
        foreach (byte tos in InnerTosValues)
        {
            var packet = new byte[1_400];
            moved.Write(packet, new OuterHeaderTemplate.InnerFields(tos, true, 0, false), 0xFFFF);
            AssertIPv4Header(packet, 1_400, tos, true, policy, copyDscp, 0xFFFF, 51, 200, [203, 0, 113, 77], [10, 255, 255, 254]);
        }
    }

    [Test]
    public void AnIPv6HeaderCarriesTrafficClassFlowLabelLengthAndNextHeader([Values] bool copyDscp, [Values] bool copyFlowLabel)
    {
        var template = new OuterHeaderTemplate(
            IPProtocol.Esp, IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2"), 33, DontFragmentPolicy.Set, copyDscp, copyFlowLabel, "options");
        var packet = new byte[40 + 100];
        template.Write(packet, new OuterHeaderTemplate.InnerFields(0xBB, false, 0xABCDE, true), 1234);
        uint first = BinaryPrimitives.ReadUInt32BigEndian(packet);
        Assert.That(first >> 28, Is.EqualTo(6));
        Assert.That((first >> 20) & 0xFF, Is.EqualTo((copyDscp ? 0xB8 : 0) | 2), "traffic class: DSCP if copied, CE as ECT(0)");
        Assert.That(first & 0xFFFFF, Is.EqualTo(copyFlowLabel ? 0xABCDE : 0), "flow label");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)), Is.EqualTo(100), "payload length");
        Assert.That(packet[6], Is.EqualTo(50), "next header");
        Assert.That(packet[7], Is.EqualTo(33), "hop limit");
        Assert.That(packet.AsSpan(8, 16).ToArray(), Is.EqualTo(IPAddress.Parse("2001:db8::1").GetAddressBytes()));
        Assert.That(packet.AsSpan(24, 16).ToArray(), Is.EqualTo(IPAddress.Parse("2001:db8::2").GetAddressBytes()));
    }

    [Test]
    public void AnIPv4HeaderIsWrittenOnlyForTwentyToAMaximumOf65535Bytes()
    {
        OuterHeaderTemplate template = IPv4Template(DontFragmentPolicy.Copy, false);
        var inner = new OuterHeaderTemplate.InnerFields(0, false, 0, false);
        Assert.That(() => template.Write(new byte[19], inner, 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("packet"));
        Assert.That(() => template.Write(new byte[65_536], inner, 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("packet"));
        var smallest = new byte[20];
        template.Write(smallest, inner, 1);
        Assert.That(InternetChecksum.IsValid(smallest), Is.True);
    }

    [Test]
    public void ReadInnerTakesTosAndDfFromIPv4AndTrafficClassAndFlowLabelFromIPv6()
    {
        var v4 = new byte[20];
        v4[0] = 0x45;
        v4[1] = 0xB9;
        v4[6] = 0x40;
        Assert.That(OuterHeaderTemplate.ReadInner(v4), Is.EqualTo(new OuterHeaderTemplate.InnerFields(0xB9, true, 0, false)));
        v4[6] = 0xBF;   // every flag and offset bit but DF
        v4[7] = 0xFF;
        Assert.That(OuterHeaderTemplate.ReadInner(v4).DontFragment, Is.False);

        var v6 = new byte[40];
        BinaryPrimitives.WriteUInt32BigEndian(v6, (6u << 28) | (0xA5u << 20) | 0x12345);
        Assert.That(OuterHeaderTemplate.ReadInner(v6), Is.EqualTo(new OuterHeaderTemplate.InnerFields(0xA5, false, 0x12345, true)));

        Assert.That(() => OuterHeaderTemplate.ReadInner(new byte[19]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("inner"));
    }
}
