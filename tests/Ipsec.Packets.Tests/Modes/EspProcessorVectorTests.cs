using System;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// The whole-packet ESP vectors (Scapy: IPv4/IPv6 transport with extension headers, 4in4/6in4/4in6/6in6 tunnels, NAT-T;
/// RFC 3602 cases 5 and 7; RFC 7634 Appendix A) through <see cref="EspProcessor"/>, both directions, byte for byte.
/// </summary>
public class EspProcessorVectorTests
{
    private const int Headroom = 128;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (string file in new[] { "esp-rfc.json", "esp-scapy.json" })
        {
            foreach (Vector v in VectorFile.Load(file))
            {
                if (v.Str("protected_layer") == "ip")
                {
                    yield return new TestCaseData(v).SetName(v.Id);
                }
            }
        }
    }

    private static EspProcessorOptions OptionsFor(Vector v)
    {
        byte[] outer = v.Hex("protected_packet_hex");
        bool natT = v.Bool("nat_t");
        if (v.Str("mode") != "tunnel")
        {
            return new EspProcessorOptions { Mode = IpsecMode.Transport, UdpEncapsulation = natT };
        }

        bool v6 = outer[0] >> 4 == 6;
        return new EspProcessorOptions
        {
            Mode = IpsecMode.Tunnel,
            TunnelSource = new IPAddress(v6 ? outer.AsSpan(8, 16) : outer.AsSpan(12, 4)),
            TunnelDestination = new IPAddress(v6 ? outer.AsSpan(24, 16) : outer.AsSpan(16, 4)),
            HopLimit = v6 ? outer[7] : outer[8],
            DontFragment = !v6 && (outer[6] & 0x40) != 0 ? DontFragmentPolicy.Set : DontFragmentPolicy.Clear,
            CopyDscp = false,
            UdpEncapsulation = natT,
        };
    }

    [TestCaseSource(nameof(Cases))]
    public void UnprotectGivesTheOriginalOrInnerPacket(Vector v)
    {
        using EspSecurityAssociation sa = EspVectorTests.CreateSa(v, forSending: false);
        var processor = new EspProcessor(sa, OptionsFor(v));
        byte[] packet = v.Hex("protected_packet_hex");
        byte[] buffer = new byte[packet.Length + 16];
        packet.CopyTo(buffer, 8);
        IpsecStatus status = processor.Unprotect(buffer, 8, packet.Length, out EspProcessResult result);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(result.Offset, result.Length).ToArray(), Is.EqualTo(v.Hex("plaintext_packet_hex")));
        Assert.That(result.SequenceNumber, Is.EqualTo(v.ULong("seq")));
    }

    [TestCaseSource(nameof(Cases))]
    public void ProtectGivesThePublishedPacket(Vector v)
    {
        using EspSecurityAssociation sa = EspVectorTests.CreateSa(v, forSending: true);
        sa.FixedIvForKnownAnswerTests = v.Hex("iv_hex");
        byte[] expected = v.Hex("protected_packet_hex");
        var processor = new EspProcessor(sa, OptionsFor(v));
        if (v.Str("mode") == "tunnel" && expected[0] >> 4 == 4)
        {
            processor.SetNextIdentification((ushort)((expected[4] << 8) | expected[5]));
        }

        byte[] plaintext = v.Hex("plaintext_packet_hex");
        byte[] buffer = new byte[Headroom + plaintext.Length + processor.MaximumTailroom];
        plaintext.CopyTo(buffer, Headroom);
        IpsecStatus status = processor.Protect(buffer, Headroom, plaintext.Length, out EspProcessResult result);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(result.Offset, result.Length).ToArray(), Is.EqualTo(expected));
        Assert.That(Headroom - result.Offset, Is.LessThanOrEqualTo(processor.MaximumHeadroom));
    }
}
