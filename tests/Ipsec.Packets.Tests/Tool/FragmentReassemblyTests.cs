using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ipsec.Packets.Tests.Adversarial;
using Ipsec.Packets.Tool.Captures;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>The tool's outer IP fragment reassembly: order, duplicates, overlaps (RFC 5722), limits, timeouts, IPv6 extension headers.</summary>
[TestFixture]
public class FragmentReassemblyTests
{
    private static byte[] Udp4(int payloadLength, int seed = 1) =>
        CaptureBuilder.IPv4Udp("198.51.100.1", "198.51.100.2", 4500, 4500, SamplePackets.Random(payloadLength, seed));

    private static byte[] Udp6(int payloadLength, int seed = 1) =>
        CaptureBuilder.IPv6Udp("2001:db8::1", "2001:db8::2", 4500, 4500, SamplePackets.Random(payloadLength, seed));

    /// <summary>Feeds the fragments one second apart from <paramref name="start"/>; returns every datagram completed.</summary>
    private static List<byte[]> Feed(FragmentReassembler reassembler, IEnumerable<byte[]> fragments, long start = 1_700_000_000, long step = 0)
    {
        var completed = new List<byte[]>();
        long time = start;
        foreach (byte[] fragment in fragments)
        {
            FragmentOutcome outcome = reassembler.Add(fragment, time, 0, out ReadOnlySpan<byte> datagram);
            Assert.That(outcome, Is.Not.EqualTo(FragmentOutcome.NotFragment));
            if (outcome == FragmentOutcome.Reassembled)
            {
                completed.Add(datagram.ToArray());
            }

            time += step;
        }

        return completed;
    }

    [Test]
    public void IPv4_InOrder_IsRebuiltByteExactWithAValidChecksum()
    {
        byte[] packet = Udp4(3000);
        using var reassembler = new FragmentReassembler();
        List<byte[]> done = Feed(reassembler, Fragmenter.IPv4(packet, 1480));
        Assert.That(done, Has.Count.EqualTo(1));
        byte[] expected = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(expected.AsSpan(4), 0x4242); // the fragments' identification
        expected[10] = 0;
        expected[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(expected.AsSpan(10), Fragmenter.Checksum(expected.AsSpan(0, 20)));
        Assert.That(done[0], Is.EqualTo(expected));
        Assert.That(reassembler.Statistics.Reassembled, Is.EqualTo(1));
        Assert.That(reassembler.Statistics.Fragments, Is.EqualTo(3));
        Assert.That(reassembler.LastFragmentCount, Is.EqualTo(3));
    }

    [Test]
    public void Reversed_AndInterleavedDatagrams_AreEachRebuilt()
    {
        byte[] a = Udp4(2000, 1);
        byte[] b = Udp4(2500, 2);
        List<byte[]> fa = Fragmenter.IPv4(a, 800, identification: 1);
        List<byte[]> fb = Fragmenter.IPv4(b, 800, identification: 2);
        fa.Reverse();
        var mixed = new List<byte[]> { fa[0], fb[1], fa[1], fb[3], fb[0], fa[2], fb[2] };
        using var reassembler = new FragmentReassembler();
        List<byte[]> done = Feed(reassembler, mixed);
        Assert.That(done, Has.Count.EqualTo(2));
        Assert.That(done[0].AsSpan(20).ToArray(), Is.EqualTo(a.AsSpan(20).ToArray()), "a completes first");
        Assert.That(done[1].AsSpan(20).ToArray(), Is.EqualTo(b.AsSpan(20).ToArray()));
    }

    [Test]
    public void ExactDuplicate_IsDroppedAlone()
    {
        List<byte[]> pieces = Fragmenter.IPv4(Udp4(2000), 1000);
        using var reassembler = new FragmentReassembler();
        List<byte[]> done = Feed(reassembler, [pieces[0], pieces[0], pieces[1], pieces[2]]);
        Assert.That(done, Has.Count.EqualTo(1));
        Assert.That(reassembler.Statistics.Duplicates, Is.EqualTo(1));
        Assert.That(reassembler.Statistics.NotReassembled, Is.Zero);
    }

    [Test]
    public void Overlap_DiscardsTheDatagramAndItsLaterFragments_IPv4()
    {
        byte[] packet = Udp4(2400);
        // 0..1200 and 1192..2408: eight bytes claimed twice (a classic overlap attack), then the rest arrives.
        byte[] first = Fragmenter.IPv4Piece(packet, 20, 0, 1200, more: true);
        byte[] overlapping = Fragmenter.IPv4Piece(packet, 20, 1192, 800, more: true);
        byte[] rest = Fragmenter.IPv4Piece(packet, 20, 1200, 1208, more: false);
        using var reassembler = new FragmentReassembler();
        List<byte[]> done = Feed(reassembler, [first, overlapping, rest]);
        Assert.That(done, Is.Empty, "nothing is rebuilt from overlapping fragments");
        Assert.That(reassembler.Statistics.Overlapping, Is.EqualTo(1));
        reassembler.Finish();
        Assert.That(reassembler.Statistics.Incomplete, Is.Zero, "counted once, as overlapping");
        Assert.That(reassembler.Statistics.ToString(), Does.Contain("1 not reassembled (1 overlapping fragments)"));
    }

    [Test]
    public void Overlap_DiscardsTheDatagram_IPv6_Rfc5722()
    {
        byte[] packet = Udp6(2400);
        List<byte[]> pieces = Fragmenter.IPv6(packet, 1232);
        // A second copy of the first fragment with different bytes at the same offset: not a duplicate, an overlap.
        byte[] forged = (byte[])pieces[0].Clone();
        forged[^1] ^= 0xFF;
        using var reassembler = new FragmentReassembler();
        List<byte[]> done = Feed(reassembler, [pieces[0], forged, pieces[1]]);
        Assert.That(done, Is.Empty);
        Assert.That(reassembler.Statistics.Overlapping, Is.EqualTo(1));
    }

    [Test]
    public void MissingPiece_IsCountedIncompleteAtTheEnd()
    {
        List<byte[]> pieces = Fragmenter.IPv4(Udp4(3000), 1000);
        using var reassembler = new FragmentReassembler();
        Assert.That(Feed(reassembler, [pieces[0], pieces[2], pieces[3]]), Is.Empty);
        reassembler.Finish();
        Assert.That(reassembler.Statistics.Incomplete, Is.EqualTo(1));
        Assert.That(reassembler.Statistics.ToString(), Does.EndWith("1 not reassembled (1 incomplete at the end of the capture)"));
    }

    [Test]
    public void Timeout_IsCaptureTime_30SecondsForIPv4And60ForIPv6()
    {
        List<byte[]> v4 = Fragmenter.IPv4(Udp4(2000), 1000);
        using (var reassembler = new FragmentReassembler())
        {
            Assert.That(Feed(reassembler, v4[..2], start: 1000, step: 31), Is.Empty, "the second piece comes 31 s after the first");
            Assert.That(reassembler.Statistics.TimedOut, Is.EqualTo(1));
        }

        using (var reassembler = new FragmentReassembler())
        {
            Assert.That(Feed(reassembler, [v4[0], v4[1], v4[2]], start: 1000, step: 14), Has.Count.EqualTo(1), "28 s in all is within 30 s");
        }

        using (var reassembler = new FragmentReassembler())
        {
            // Any later packet moves capture time on: the held datagram times out without another fragment.
            Assert.That(reassembler.Add(v4[0], 1000, 0, out _), Is.EqualTo(FragmentOutcome.Held));
            Assert.That(reassembler.Add(Udp4(10), 1031, 0, out _), Is.EqualTo(FragmentOutcome.NotFragment));
            Assert.That(reassembler.Statistics.TimedOut, Is.EqualTo(1));
        }

        List<byte[]> v6 = Fragmenter.IPv6(Udp6(2000), 1000);
        using (var reassembler = new FragmentReassembler())
        {
            Assert.That(Feed(reassembler, v6, start: 1000, step: 29), Has.Count.EqualTo(1), "58 s is within IPv6's 60 s");
        }

        using (var reassembler = new FragmentReassembler())
        {
            Assert.That(Feed(reassembler, v6, start: 1000, step: 31), Is.Empty);
            Assert.That(reassembler.Statistics.TimedOut, Is.EqualTo(1));
        }
    }

    [Test]
    public void IPv6_WithExtensionHeaders_KeepsThemAndDropsTheFragmentHeader()
    {
        byte[] packet = Udp6(3000);
        byte[] extensions = Fragmenter.HopByHopAndRouting();
        List<byte[]> pieces = Fragmenter.IPv6(packet, 1200, unfragmentableExtensions: extensions);
        pieces.Reverse();
        using var reassembler = new FragmentReassembler();
        List<byte[]> done = Feed(reassembler, pieces);
        Assert.That(done, Has.Count.EqualTo(1));
        Assert.That(done[0], Is.EqualTo(Fragmenter.WithExtensions(packet, extensions)));
    }

    [Test]
    public void IPv6_AtomicFragment_IsThePacketWithoutItsFragmentHeader()
    {
        byte[] packet = Udp6(100);
        List<byte[]> pieces = Fragmenter.IPv6(packet, 4096);
        Assert.That(pieces, Has.Count.EqualTo(1));
        using var reassembler = new FragmentReassembler();
        Assert.That(Feed(reassembler, pieces), Is.EqualTo(new[] { packet }));
    }

    [Test]
    public void Limits_TooLargeTooManyFragmentsAndTooManyInFlight()
    {
        byte[] packet = Udp4(4000);
        using (var reassembler = new FragmentReassembler())
        {
            // A last fragment at offset 65,528 with 16 bytes would end past 65,535.
            Feed(reassembler, [Fragmenter.IPv4Piece(packet, 20, 0, 16, more: true), PieceAt(packet, 65528, 16)]);
            Assert.That(reassembler.Statistics.TooLarge, Is.EqualTo(1));
        }

        using (var reassembler = new FragmentReassembler(new FragmentReassemblyLimits { MaximumFragmentsPerDatagram = 4 }))
        {
            Assert.That(Feed(reassembler, Fragmenter.IPv4(packet, 800)), Is.Empty, "five pieces, four allowed");
            Assert.That(reassembler.Statistics.TooManyFragments, Is.EqualTo(1));
        }

        using (var reassembler = new FragmentReassembler(new FragmentReassemblyLimits { MaximumDatagramsInFlight = 2 }))
        {
            var firsts = new List<byte[]>();
            for (ushort id = 1; id <= 3; id++)
            {
                firsts.Add(Fragmenter.IPv4(packet, 2000, id)[0]);
            }

            Feed(reassembler, firsts, step: 1);
            Assert.That(reassembler.Statistics.Evicted, Is.EqualTo(1), "the third datagram evicts the oldest");
            Assert.That(Feed(reassembler, Fragmenter.IPv4(packet, 2000, 3)[1..]), Has.Count.EqualTo(1), "the newest completes");
        }
    }

    private static byte[] PieceAt(byte[] packet, int offset, int length)
    {
        byte[] piece = Fragmenter.IPv4Piece(packet, 20, 0, length, more: false);
        BinaryPrimitives.WriteUInt16BigEndian(piece.AsSpan(6), (ushort)(offset / 8));
        return piece;
    }

    [Test]
    public void NotFragments_PassUntouched()
    {
        using var reassembler = new FragmentReassembler();
        Assert.That(reassembler.Add(Udp4(100), 1, 0, out _), Is.EqualTo(FragmentOutcome.NotFragment));
        Assert.That(reassembler.Add(Udp6(100), 1, 0, out _), Is.EqualTo(FragmentOutcome.NotFragment));
        Assert.That(reassembler.Statistics.Fragments, Is.Zero);
    }

    [Test]
    public void SteadyState_AllocatesNothingPerFragment()
    {
        List<byte[]> pieces = Fragmenter.IPv4(Udp4(3000), 1000);
        using var reassembler = new FragmentReassembler();
        for (int i = 0; i < 50; i++)
        {
            FeedQuietly(reassembler, pieces);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            FeedQuietly(reassembler, pieces);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(reassembler.Statistics.Reassembled, Is.EqualTo(1050));
        Assert.That(allocated, Is.LessThan(1024), "4,000 fragments through pooled buffers");
    }

    private static void FeedQuietly(FragmentReassembler reassembler, List<byte[]> pieces)
    {
        foreach (byte[] piece in pieces)
        {
            reassembler.Add(piece, 1_700_000_000, 0, out _);
        }
    }
}
