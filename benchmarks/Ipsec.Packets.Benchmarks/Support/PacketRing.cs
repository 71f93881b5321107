using System;

namespace Ipsec.Packets.Benchmarks.Support;

/// <summary>
/// Protected packets of one length with consecutive sequence numbers, pre-generated so an unprotect benchmark can feed a
/// receiver with its replay window on: each packet is accepted once, and when the ring wraps the benchmark re-arms the
/// receiver's window (one clear of a few hundred bytes every <see cref="Count"/> packets).
/// </summary>
internal sealed class PacketRing
{
    private readonly byte[] _data;

    /// <summary>Protects <paramref name="count"/> copies of <paramref name="plainPacket"/> with <paramref name="sender"/>.</summary>
    public PacketRing(EspProcessor sender, byte[] plainPacket, int count)
        : this(() => EspTestbed.Protect(sender, plainPacket), count)
    {
    }

    /// <summary>Collects <paramref name="count"/> packets from <paramref name="protect"/>, which protects the next one.</summary>
    public PacketRing(Func<byte[]> protect, int count)
    {
        byte[] first = protect();
        Length = first.Length;
        Count = count;
        _data = new byte[count * Length];
        first.CopyTo(_data, 0);
        for (int i = 1; i < count; i++)
        {
            byte[] next = protect();
            if (next.Length != Length)
            {
                throw new InvalidOperationException("protected packets of one plain packet differ in length");
            }

            next.CopyTo(_data, i * Length);
        }
    }

    /// <summary>The number of packets.</summary>
    public int Count { get; }

    /// <summary>The length of every packet.</summary>
    public int Length { get; }

    /// <summary>Packet <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> this[int index] => _data.AsSpan(index * Length, Length);

    /// <summary>A ring size keeping the ring near 4 MiB: 1,024 to 8,192 packets, as many as a large replay window spans.</summary>
    public static int SizeFor(int packetLength) => Math.Clamp((4 << 20) / packetLength, 1024, 8192);
}
