using System;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// Every single-bit flip of the protected bytes of a small ESP packet, for every ESP configuration with an ICV, is
/// refused with a status, writes nothing, allocates nothing and leaves the SA able to accept the genuine packet.
/// </summary>
/// <remarks>Each case runs every flip twice: once to warm up, once under allocation measurement; both must agree.</remarks>
[Parallelizable(ParallelScope.All)]
public class EspBitFlipTests
{
    private const byte Sentinel = 0xA5;

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.AuthenticatedCases))]
    public void EveryBitFlipFromSpiToIcvIsRefusedAtTheSaLayer(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        using EspSecurityAssociation receiver = config.Create();
        byte[] payload = SamplePackets.Random(SamplePackets.PayloadLength, 5);
        var packet = new byte[sender.GetProtectedLength(payload.Length, 6)];
        Assert.That(sender.Protect(payload, 6, packet, out _), Is.EqualTo(IpsecStatus.Success));

        int bits = packet.Length * 8;
        var statuses = new IpsecStatus[bits];
        var wrote = new bool[bits];
        var output = new byte[packet.Length];
        byte[] forged = (byte[])packet.Clone();
        void FlipAll()
        {
            for (int bit = 0; bit < bits; bit++)
            {
                forged[bit / 8] ^= (byte)(0x80 >> (bit % 8));
                output.AsSpan().Fill(Sentinel);
                statuses[bit] = receiver.Unprotect(forged, output, out EspUnprotectResult result);
                wrote[bit] = output.AsSpan().IndexOfAnyExcept(Sentinel) >= 0 || result.PayloadLength != 0;
                forged[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            }
        }

        Assert.That(Allocations.Measure(FlipAll, iterations: 1, warmUps: 3), Is.Zero, "refusing forgeries allocates nothing");

        for (int bit = 0; bit < bits; bit++)
        {
            int position = bit / 8;
            IpsecStatus status = statuses[bit];
            if (position < 4)
            {
                Assert.That(status, Is.EqualTo(IpsecStatus.UnknownSpi), $"SPI bit {bit}");
            }
            else if (position < 8)
            {
                Assert.That(status, Is.EqualTo(IpsecStatus.AuthenticationFailed).Or.EqualTo(IpsecStatus.Replayed), $"sequence number bit {bit}");
            }
            else
            {
                Assert.That(status, Is.EqualTo(IpsecStatus.AuthenticationFailed), $"bit {bit}");
            }

            Assert.That(wrote[bit], Is.False, $"bit {bit}: nothing written for a forgery");
        }

        Assert.That(receiver.HighestInboundSequenceNumber, Is.Zero, "no forgery moved the window");
        Assert.That(receiver.Statistics.PacketsUnprotected, Is.Zero);
        Assert.That(receiver.Unprotect(packet, output, out EspUnprotectResult genuine), Is.EqualTo(IpsecStatus.Success), "the genuine packet (same sequence number) is still accepted");
        Assert.That(output.AsSpan(0, genuine.PayloadLength).ToArray(), Is.EqualTo(payload));
    }

    /// <summary>One configuration per algorithm family, for the whole-packet tests.</summary>
    public static IEnumerable<EspConfiguration> Families()
    {
        yield return new EspConfiguration(EncryptionAlgorithm.AesGcm16, 128, null);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCcm8, 192, null, Esn: true);
        yield return new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null, ImplicitIv: true);
        yield return new EspConfiguration(EncryptionAlgorithm.NullAuthAesGmac, 256, null);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha1_96);
        yield return new EspConfiguration(EncryptionAlgorithm.AesCtr, 256, IntegrityAlgorithm.AesXcbc96, Esn: true);
        yield return new EspConfiguration(EncryptionAlgorithm.TripleDesCbc, 192, IntegrityAlgorithm.HmacMd5_96);
        yield return new EspConfiguration(EncryptionAlgorithm.Null, 0, IntegrityAlgorithm.AesCmac96);
    }

    /// <summary>The packet shapes of the whole-packet tests.</summary>
    public enum Framing
    {
        TransportIPv4,
        TransportIPv6,
        TunnelIPv4InIPv4,
        TunnelIPv6InIPv6,
        TunnelIPv4InUdp,
        TransportIPv6InUdp,
    }

    public static IEnumerable<TestCaseData> ProcessorCases()
    {
        foreach (EspConfiguration config in Families())
        {
            foreach (Framing framing in Enum.GetValues<Framing>())
            {
                yield return new TestCaseData(config, framing).SetArgDisplayNames(config.ToString(), framing.ToString());
            }
        }
    }

    internal static EspProcessorOptions Options(Framing framing)
    {
        bool tunnel = framing is Framing.TunnelIPv4InIPv4 or Framing.TunnelIPv6InIPv6 or Framing.TunnelIPv4InUdp;
        bool v6 = framing is Framing.TunnelIPv6InIPv6;
        return new EspProcessorOptions
        {
            Mode = tunnel ? IpsecMode.Tunnel : IpsecMode.Transport,
            TunnelSource = tunnel ? IPAddress.Parse(v6 ? "2001:db8:ffff::1" : "203.0.113.1") : null,
            TunnelDestination = tunnel ? IPAddress.Parse(v6 ? "2001:db8:ffff::2" : "203.0.113.2") : null,
            UdpEncapsulation = framing is Framing.TunnelIPv4InUdp or Framing.TransportIPv6InUdp,
        };
    }

    internal static byte[] Inner(Framing framing) =>
        framing is Framing.TransportIPv6 or Framing.TunnelIPv6InIPv6 or Framing.TransportIPv6InUdp ? SamplePackets.IPv6Udp() : SamplePackets.IPv4Udp();

    /// <summary>Protects <paramref name="inner"/> with <paramref name="sender"/> and returns the whole outer packet.</summary>
    internal static byte[] Protect(EspProcessor sender, byte[] inner)
    {
        var buffer = new byte[sender.MaximumHeadroom + inner.Length + sender.MaximumTailroom];
        inner.CopyTo(buffer, sender.MaximumHeadroom);
        Assert.That(sender.Protect(buffer, sender.MaximumHeadroom, inner.Length, out EspProcessResult sent), Is.EqualTo(IpsecStatus.Success));
        return buffer.AsSpan(sent.Offset, sent.Length).ToArray();
    }

    /// <summary>
    /// The bits of a whole ESP packet that the receiver checks: the IPv4 header (checksum), or the IPv6 version, payload
    /// length and next header; the UDP length of ESP in UDP; and everything from the SPI to the end of the ICV.
    /// </summary>
    internal static List<int> CheckedBits(byte[] packet, bool udp)
    {
        var bits = new List<int>();
        bool v6 = packet[0] >> 4 == 6;
        int header = v6 ? 40 : 20;
        void AddByte(int index, int firstBit = 0)
        {
            for (int b = firstBit; b < 8; b++)
            {
                bits.Add((index * 8) + b);
            }
        }

        if (v6)
        {
            for (int b = 0; b < 4; b++)
            {
                bits.Add(b);   // the version nibble (bits are numbered from the most significant)
            }

            AddByte(4);
            AddByte(5);
            AddByte(6);
        }
        else
        {
            for (int i = 0; i < 20; i++)
            {
                AddByte(i);
            }
        }

        int esp = header;
        if (udp)
        {
            AddByte(header + 4);
            AddByte(header + 5);
            esp += 8;
        }

        for (int i = esp; i < packet.Length; i++)
        {
            AddByte(i);
        }

        return bits;
    }

    [TestCaseSource(nameof(ProcessorCases))]
    public void EveryCheckedBitFlipOfAWholePacketIsRefusedByTheProcessor(EspConfiguration config, Framing framing)
    {
        EspProcessorOptions options = Options(framing);
        using var sender = new EspProcessor(config.Create(), options);
        using var receiver = new EspProcessor(config.Create(), options);
        byte[] inner = Inner(framing);
        byte[] packet = Protect(sender, inner);
        List<int> checkedBits = CheckedBits(packet, options.UdpEncapsulation);
        int[] bits = checkedBits.ToArray();
        var statuses = new IpsecStatus[bits.Length];
        var leaked = new bool[bits.Length];
        byte[] forged = (byte[])packet.Clone();
        var work = new byte[packet.Length];
        byte[] secret = SamplePackets.SecretOf(inner).ToArray();
        void FlipAll()
        {
            for (int n = 0; n < bits.Length; n++)
            {
                int bit = bits[n];
                forged[bit / 8] ^= (byte)(0x80 >> (bit % 8));
                forged.CopyTo(work, 0);
                statuses[n] = receiver.Unprotect(work, 0, work.Length, out EspProcessResult result);
                // ENCR_NULL and GMAC carry the payload in clear: only plaintext that was not already in the forgery counts.
                leaked[n] = result.Length != 0 || (SamplePackets.Contains(work, secret) && !SamplePackets.Contains(forged, secret));
                forged[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            }
        }

        Assert.That(Allocations.Measure(FlipAll, iterations: 1, warmUps: 3), Is.Zero, "refusing forgeries allocates nothing");
        for (int n = 0; n < bits.Length; n++)
        {
            Assert.That(statuses[n], Is.Not.EqualTo(IpsecStatus.Success), $"bit {bits[n]} (byte {bits[n] / 8})");
            Assert.That(leaked[n], Is.False, $"bit {bits[n]}: no plaintext left in the buffer");
        }

        Assert.That(receiver.SecurityAssociation.HighestInboundSequenceNumber, Is.Zero, "no forgery moved the window");
        packet.CopyTo(work, 0);
        Assert.That(receiver.Unprotect(work, 0, work.Length, out EspProcessResult got), Is.EqualTo(IpsecStatus.Success), "the genuine packet is still accepted");
        Assert.That(work.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(inner));
    }
}
