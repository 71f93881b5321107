using System;
using System.Collections.Generic;
using Ipsec.Packets.Tests.Ah;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// Every single-bit flip of the AH-protected bytes (the immutable IP header fields, the AH header and the payload), for
/// every AH integrity algorithm, transport and tunnel mode, IPv4 and IPv6, is refused with a status, leaves the buffer
/// as it was, allocates nothing and leaves the SA able to accept the genuine packet.
/// </summary>
[Parallelizable(ParallelScope.All)]
public class AhBitFlipTests
{
    public enum Framing
    {
        TransportIPv4,
        TransportIPv6,
        TunnelIPv4InIPv4,
        TunnelIPv6InIPv6,
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (IntegrityAlgorithm integrity in IntegrityAlgorithm.All.ToArray())
        {
            foreach (Framing framing in Enum.GetValues<Framing>())
            {
                yield return new TestCaseData(integrity, framing).SetArgDisplayNames(integrity.Name, framing.ToString());
            }
        }
    }

    /// <summary>The bits RFC 4302 Appendix A calls immutable in the outermost header (IPv4 without options, or IPv6 without extensions), then everything from AH on.</summary>
    private static List<int> ProtectedBits(byte[] packet)
    {
        var bits = new List<int>();
        void AddByte(int index)
        {
            for (int b = 0; b < 8; b++)
            {
                bits.Add((index * 8) + b);
            }
        }

        int ahOffset;
        if (packet[0] >> 4 == 4)
        {
            // Version and IHL, total length, identification, protocol, source and destination.
            foreach (int i in new[] { 0, 2, 3, 4, 5, 9, 12, 13, 14, 15, 16, 17, 18, 19 })
            {
                AddByte(i);
            }

            ahOffset = 20;
        }
        else
        {
            for (int b = 0; b < 4; b++)
            {
                bits.Add(b);   // version; the rest of the first word is traffic class and flow label (mutable)
            }

            foreach (int i in new[] { 4, 5, 6 })
            {
                AddByte(i);    // payload length and next header; byte 7 is the hop limit (mutable)
            }

            for (int i = 8; i < 40; i++)
            {
                AddByte(i);
            }

            ahOffset = 40;
        }

        for (int i = ahOffset; i < packet.Length; i++)
        {
            AddByte(i);
        }

        return bits;
    }

    [TestCaseSource(nameof(Cases))]
    public void EveryProtectedBitFlipIsRefused(IntegrityAlgorithm integrity, Framing framing)
    {
        bool tunnel = framing is Framing.TunnelIPv4InIPv4 or Framing.TunnelIPv6InIPv6;
        bool v6 = framing is Framing.TransportIPv6 or Framing.TunnelIPv6InIPv6;
        using var pair = new AhPair(integrity, tunnel ? IpsecMode.Tunnel : IpsecMode.Transport, outerIPv6: v6);
        byte[] original = v6 ? SamplePackets.IPv6Udp() : SamplePackets.IPv4Udp();
        byte[] packet = pair.Protect(original);
        int[] bits = ProtectedBits(packet).ToArray();
        var statuses = new IpsecStatus[bits.Length];
        var changed = new bool[bits.Length];
        byte[] forged = (byte[])packet.Clone();
        var work = new byte[packet.Length];
        AhSecurityAssociation receiver = pair.Receiver;
        void FlipAll()
        {
            for (int n = 0; n < bits.Length; n++)
            {
                int bit = bits[n];
                forged[bit / 8] ^= (byte)(0x80 >> (bit % 8));
                bool headerBit = !v6 && bit / 8 < 20;
                if (headerBit)
                {
                    AhTestPackets.FixIPv4Checksum(forged);   // so the ICV, not the header checksum, has to catch it
                }

                forged.CopyTo(work, 0);
                statuses[n] = receiver.Unprotect(work, 0, work.Length, out AhProcessResult result);
                changed[n] = !work.AsSpan().SequenceEqual(forged) || result.Length != 0;
                forged[bit / 8] ^= (byte)(0x80 >> (bit % 8));
                if (headerBit)
                {
                    AhTestPackets.FixIPv4Checksum(forged);
                }
            }
        }

        Assert.That(Allocations.Measure(FlipAll, iterations: 1, warmUps: 3), Is.Zero, "refusing forgeries allocates nothing");
        Assert.That(forged, Is.EqualTo(packet));
        int ahStart = v6 ? 40 : 20;
        for (int n = 0; n < bits.Length; n++)
        {
            Assert.That(statuses[n], Is.Not.EqualTo(IpsecStatus.Success), $"bit {bits[n]} (byte {bits[n] / 8})");
            if (bits[n] / 8 >= ahStart + 12)
            {
                Assert.That(statuses[n], Is.EqualTo(IpsecStatus.AuthenticationFailed), $"bit {bits[n]} (ICV or payload)");
            }

            Assert.That(changed[n], Is.False, $"bit {bits[n]}: a refused packet stays as it was");
        }

        Assert.That(receiver.HighestInboundSequenceNumber, Is.Zero, "no forgery moved the window");
        packet.CopyTo(work, 0);
        Assert.That(receiver.Unprotect(work, 0, work.Length, out AhProcessResult got), Is.EqualTo(IpsecStatus.Success), "the genuine packet is still accepted");
        Assert.That(work.AsSpan(got.Offset, got.Length).ToArray(), Is.EqualTo(original));
    }
}
