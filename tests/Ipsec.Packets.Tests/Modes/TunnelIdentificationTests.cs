using System;
using System.Buffers.Binary;
using System.Net;
using System.Threading.Tasks;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Interop;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Modes;

/// <summary>
/// An ESP tunnel's outer IPv4 Identification follows the packet's own sequence number (a random start, then one more
/// per packet, RFC 6864) and its protect result reports that packet's sequence number, also while other threads protect
/// on the same processor.
/// </summary>
[NonParallelizable]
public class TunnelIdentificationTests
{
    private static readonly EspConfiguration Gcm = new(EncryptionAlgorithm.AesGcm16, 128, null);

    private static EspProcessor Sender() => new(Gcm.Create(), new EspProcessorOptions
    {
        Mode = IpsecMode.Tunnel,
        TunnelSource = IPAddress.Parse("192.0.2.1"),
        TunnelDestination = IPAddress.Parse("198.51.100.1"),
    });

    private static (ushort Identification, uint SequenceNumber) Protect(EspProcessor processor, byte[] inner, byte[] buffer, out EspProcessResult result)
    {
        inner.CopyTo(buffer, processor.MaximumHeadroom);
        Assert.That(processor.Protect(buffer, processor.MaximumHeadroom, inner.Length, out result), Is.EqualTo(IpsecStatus.Success));
        Span<byte> outer = buffer.AsSpan(result.Offset, result.Length);
        Assert.That(ScapyEspInteropTests.Checksum(outer[..20]), Is.Zero, "outer header checksum");
        return (BinaryPrimitives.ReadUInt16BigEndian(outer[4..]), BinaryPrimitives.ReadUInt32BigEndian(outer[24..]));
    }

    [Test]
    public void IdentificationCountsWithTheSequenceNumberFromARandomStart()
    {
        byte[] inner = ScapyEspInteropTests.InnerPacket(new Random(1), 40);
        var starts = new ushort[4];
        for (int run = 0; run < starts.Length; run++)
        {
            using EspProcessor sender = Sender();
            var buffer = new byte[sender.MaximumHeadroom + inner.Length + sender.MaximumTailroom];
            (ushort first, uint firstSequence) = Protect(sender, inner, buffer, out _);
            Assert.That(firstSequence, Is.EqualTo(1));
            for (uint i = 1; i < 70_000; i++)
            {
                (ushort identification, uint sequence) = Protect(sender, inner, buffer, out EspProcessResult result);
                Assert.That(result.SequenceNumber, Is.EqualTo(sequence));
                if (identification != (ushort)(first + i))
                {
                    Assert.Fail($"packet {i + 1}: Identification {identification}, expected {(ushort)(first + i)} (wrapping past 65535)");
                }
            }

            starts[run] = first;
        }

        Assert.That(Array.TrueForAll(starts, start => start == starts[0]), Is.False, "tunnels start at random Identifications");
    }

    [Test]
    public void ConcurrentProtectsReportTheirOwnSequenceNumbers()
    {
        using EspProcessor sender = Sender();
        byte[] inner = ScapyEspInteropTests.InnerPacket(new Random(2), 40);
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            var buffer = new byte[sender.MaximumHeadroom + inner.Length + sender.MaximumTailroom];
            for (int i = 0; i < 20_000; i++)
            {
                (_, uint sequence) = Protect(sender, inner, buffer, out EspProcessResult result);
                if (result.SequenceNumber != sequence)
                {
                    Assert.Fail($"result reported {result.SequenceNumber} for the packet with sequence number {sequence}");
                }
            }
        });

        Assert.That(sender.SecurityAssociation.Statistics.PacketsProtected, Is.EqualTo(80_000));
    }
}
