using System;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>
/// Every whole-packet AH vector (Scapy 2.5: IPv4 with and without options, IPv6 with extension headers, ESN,
/// 4in4/6in6/4in6/6in4 tunnels) through <see cref="AhSecurityAssociation"/>, both directions, byte for byte.
/// </summary>
public class AhVectorTests
{
    private const int Headroom = 128;

    public static IEnumerable<TestCaseData> Cases() => VectorFile.Cases("ah-scapy.json");

    internal static IntegrityAlgorithm IntegrityFor(string name) => name switch
    {
        "AUTH_HMAC_SHA1_96" => IntegrityAlgorithm.HmacSha1_96,
        "AUTH_HMAC_SHA2_256_128" => IntegrityAlgorithm.HmacSha2_256_128,
        "AUTH_HMAC_SHA2_384_192" => IntegrityAlgorithm.HmacSha2_384_192,
        "AUTH_HMAC_SHA2_512_256" => IntegrityAlgorithm.HmacSha2_512_256,
        "AUTH_AES_XCBC_96" => IntegrityAlgorithm.AesXcbc96,
        "AUTH_AES_CMAC_96" => IntegrityAlgorithm.AesCmac96,
        "AUTH_HMAC_MD5_96" => IntegrityAlgorithm.HmacMd5_96,
        _ => throw new NotSupportedException(name),
    };

    internal static AhSecurityAssociation CreateSa(Vector v, bool forSending)
    {
        byte[] outer = v.Hex("protected_packet_hex");
        bool v6 = outer[0] >> 4 == 6;
        bool tunnel = v.Str("mode") == "tunnel";
        ulong seq = v.ULong("seq");
        return new AhSecurityAssociation(new AhSecurityAssociationOptions
        {
            Spi = Convert.ToUInt32(v.Str("spi"), 16),
            Integrity = IntegrityFor(v.Str("integ")),
            IntegrityKey = v.Hex("auth_key_hex"),
            ExtendedSequenceNumbers = v.Bool("esn"),
            InitialOutboundSequenceNumber = forSending ? seq - 1 : 0,
            InitialInboundSequenceNumber = forSending ? 0 : seq - 1,
            Mode = tunnel ? IpsecMode.Tunnel : IpsecMode.Transport,
            TunnelSource = tunnel ? new IPAddress(v6 ? outer.AsSpan(8, 16) : outer.AsSpan(12, 4)) : null,
            TunnelDestination = tunnel ? new IPAddress(v6 ? outer.AsSpan(24, 16) : outer.AsSpan(16, 4)) : null,
            HopLimit = v6 ? outer[7] : outer[8],
            DontFragment = !v6 && (outer[6] & 0x40) != 0 ? DontFragmentPolicy.Set : DontFragmentPolicy.Clear,
            CopyDscp = false,
            DestinationOptionsPlacement = Ipsec.Packets.Wire.IPv6DestinationOptionsPlacement.BeforeSecurityHeader,
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void UnprotectGivesTheOriginalOrInnerPacket(Vector v)
    {
        using AhSecurityAssociation sa = CreateSa(v, forSending: false);
        byte[] packet = v.Hex("protected_packet_hex");
        byte[] buffer = new byte[packet.Length + 16];
        packet.CopyTo(buffer, 8);
        IpsecStatus status = sa.Unprotect(buffer, 8, packet.Length, out AhProcessResult result);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(result.Offset, result.Length).ToArray(), Is.EqualTo(v.Hex("plaintext_packet_hex")));
        Assert.That(result.SequenceNumber, Is.EqualTo(v.ULong("seq")));
        Assert.That(sa.HighestInboundSequenceNumber, Is.EqualTo(v.ULong("seq")));

        packet.CopyTo(buffer, 8);
        Assert.That(sa.Unprotect(buffer, 8, packet.Length, out _), Is.EqualTo(IpsecStatus.Replayed));
        Assert.That(buffer.AsSpan(8, packet.Length).ToArray(), Is.EqualTo(packet), "a refused packet stays as it was");
    }

    [TestCaseSource(nameof(Cases))]
    public void ProtectGivesThePublishedPacket(Vector v)
    {
        using AhSecurityAssociation sa = CreateSa(v, forSending: true);
        byte[] expected = v.Hex("protected_packet_hex");
        if (v.Str("mode") == "tunnel" && expected[0] >> 4 == 4)
        {
            sa.SetNextIdentification((ushort)((expected[4] << 8) | expected[5]));
        }

        byte[] plaintext = v.Hex("plaintext_packet_hex");
        byte[] buffer = new byte[Headroom + plaintext.Length];
        plaintext.CopyTo(buffer, Headroom);
        IpsecStatus status = sa.Protect(buffer, Headroom, plaintext.Length, out AhProcessResult result);
        Assert.That(status, Is.EqualTo(IpsecStatus.Success));
        Assert.That(buffer.AsSpan(result.Offset, result.Length).ToArray(), Is.EqualTo(expected));
        Assert.That(Headroom - result.Offset, Is.LessThanOrEqualTo(sa.MaximumHeadroom));
        Assert.That(result.Offset + result.Length, Is.EqualTo(Headroom + plaintext.Length), "AH adds no tailroom");
        Assert.That(result.SequenceNumber, Is.EqualTo(v.ULong("seq")));
    }

    [TestCaseSource(nameof(Cases))]
    public void IcvAndHeaderFieldsMatchTheVector(Vector v)
    {
        using AhSecurityAssociation sa = CreateSa(v, forSending: true);
        byte[] packet = v.Hex("protected_packet_hex");
        bool v6 = packet[0] >> 4 == 6;
        Assert.That(v6 ? sa.HeaderLengthIPv6 : sa.HeaderLengthIPv4, Is.EqualTo((v.Int("ah_payload_len_field") + 2) * 4));
        Assert.That(sa.IcvSize, Is.EqualTo(v.Hex("ah_icv_hex").Length));
    }
}
