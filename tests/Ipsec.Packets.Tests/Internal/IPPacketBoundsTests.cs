using System;
using System.Buffers.Binary;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Internal;

/// <summary>
/// <see cref="IPPacketBounds.TryMeasure"/> reads only the fields it needs; the statuses it gives are those of the header
/// views (<see cref="IPv4Packet.TryCreate"/>, <see cref="IPv6Packet.TryCreate"/>), checked case by case at the
/// boundaries and against the views on random headers of every length up to 64 bytes.
/// </summary>
public class IPPacketBoundsTests
{
    /// <summary>The reference: what the header views accept, with Truncated for a buffer shorter than the version's header.</summary>
    private static (bool Ok, int Length, IpsecStatus Status) ByTheViews(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return (false, 0, IpsecStatus.Truncated);
        }

        switch (bytes[0] >> 4)
        {
            case 4:
                return IPv4Packet.TryCreate(bytes, out IPv4Packet v4)
                    ? (true, v4.TotalLength, IpsecStatus.Success)
                    : (false, 0, bytes.Length < IPv4Header.MinLength ? IpsecStatus.Truncated : IpsecStatus.Malformed);
            case 6:
                return IPv6Packet.TryCreate(bytes, out IPv6Packet v6)
                    ? (true, IPv6Header.Length + v6.PayloadLength, IpsecStatus.Success)
                    : (false, 0, bytes.Length < IPv6Header.Length ? IpsecStatus.Truncated : IpsecStatus.Malformed);
            default:
                return (false, 0, IpsecStatus.Malformed);
        }
    }

    private static byte[] IPv4(int ihl, int totalLength, int bufferLength)
    {
        var bytes = new byte[bufferLength];
        bytes[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)totalLength);
        return bytes;
    }

    private static byte[] IPv6(int payloadLength, int bufferLength)
    {
        var bytes = new byte[bufferLength];
        bytes[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)payloadLength);
        return bytes;
    }

    private static void AssertMeasures(byte[] bytes, IpsecStatus expected, int expectedLength = 0)
    {
        bool ok = IPPacketBounds.TryMeasure(bytes, out int length, out IpsecStatus status);
        Assert.That((ok, status, length), Is.EqualTo((expected == IpsecStatus.Success, expected, expectedLength)));
    }

    [Test]
    public void ShortBuffersAreTruncatedWhenTheySayIPAndMalformedOtherwise()
    {
        AssertMeasures([], IpsecStatus.Truncated);
        AssertMeasures([0x45], IpsecStatus.Truncated);
        AssertMeasures(IPv4(5, 20, 19), IpsecStatus.Truncated);
        AssertMeasures([0x60], IpsecStatus.Truncated);
        AssertMeasures(IPv6(0, 39), IpsecStatus.Truncated);
        AssertMeasures(IPv6(0, 19), IpsecStatus.Truncated);
        AssertMeasures([0x50], IpsecStatus.Malformed);
        AssertMeasures(new byte[19], IpsecStatus.Malformed);
    }

    [Test]
    public void IPv4NeedsAHeaderOfFiveWordsOrMoreAndATotalLengthBetweenItAndTheBuffer()
    {
        AssertMeasures(IPv4(5, 20, 20), IpsecStatus.Success, 20);
        AssertMeasures(IPv4(5, 20, 64), IpsecStatus.Success, 20);
        AssertMeasures(IPv4(5, 64, 64), IpsecStatus.Success, 64);
        AssertMeasures(IPv4(15, 60, 60), IpsecStatus.Success, 60);
        AssertMeasures(IPv4(4, 20, 20), IpsecStatus.Malformed);
        AssertMeasures(IPv4(5, 19, 20), IpsecStatus.Malformed);
        AssertMeasures(IPv4(6, 23, 24), IpsecStatus.Malformed);
        AssertMeasures(IPv4(6, 24, 24), IpsecStatus.Success, 24);
        AssertMeasures(IPv4(5, 21, 20), IpsecStatus.Malformed);
        AssertMeasures(IPv4(5, 65_535, 65_535), IpsecStatus.Success, 65_535);
    }

    [Test]
    public void IPv6NeedsFortyBytesAndAPayloadLengthWithinTheBuffer()
    {
        AssertMeasures(IPv6(0, 40), IpsecStatus.Success, 40);
        AssertMeasures(IPv6(1, 40), IpsecStatus.Malformed);
        AssertMeasures(IPv6(24, 64), IpsecStatus.Success, 64);
        AssertMeasures(IPv6(24, 80), IpsecStatus.Success, 64);
        AssertMeasures(IPv6(65_535, 40 + 65_535), IpsecStatus.Success, 40 + 65_535);
    }

    [Test]
    public void RandomHeadersOfEveryShortLengthMeasureAsTheViewsDo()
    {
        var random = new Random(20261205);
        for (int i = 0; i < 200_000; i++)
        {
            var bytes = new byte[random.Next(0, 65)];
            random.NextBytes(bytes);
            if (bytes.Length > 0)
            {
                // Mostly versions 4 and 6, with small lengths so that every branch is taken.
                int version = random.Next(8) switch { < 3 => 4, < 6 => 6, _ => random.Next(16) };
                bytes[0] = (byte)((version << 4) | (bytes[0] & 0xF));
            }

            if (bytes.Length >= 6 && random.Next(2) == 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(bytes[0] >> 4 == 6 ? 4 : 2), (ushort)random.Next(0, 70));
            }

            (bool ok, int length, IpsecStatus status) = ByTheViews(bytes);
            bool measured = IPPacketBounds.TryMeasure(bytes, out int measuredLength, out IpsecStatus measuredStatus);
            if (measured != ok || measuredLength != length || measuredStatus != status)
            {
                Assert.Fail($"{Convert.ToHexString(bytes)}: measured ({measured}, {measuredLength}, {measuredStatus}), views ({ok}, {length}, {status})");
            }
        }
    }
}
