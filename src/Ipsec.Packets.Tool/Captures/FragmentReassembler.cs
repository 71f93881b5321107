using System;
using System.Buffers;
using System.Buffers.Binary;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>
/// Reassembles outer IPv4 (RFC 791) and IPv6 (RFC 8200 §4.5) fragments as a capture is read, so ESP that travelled in
/// fragments (ESP in UDP with large packets, typically) can be decrypted. Bounded: at most
/// <see cref="FragmentReassemblyLimits.MaximumDatagramsInFlight"/> datagrams at once, each in one pooled buffer of 66 KiB,
/// at most <see cref="FragmentReassemblyLimits.MaximumFragmentsPerDatagram"/> fragments, never more than 65,535 bytes;
/// nothing is allocated per fragment. Overlapping fragments discard the whole datagram and every later fragment of it
/// (RFC 5722; the same for IPv4); exact duplicates are dropped alone. Time is the capture's: a datagram still incomplete
/// <see cref="FragmentReassemblyLimits.IPv4Timeout"/> (or the IPv6 one) after its first fragment is given up.
/// </summary>
internal sealed class FragmentReassembler : IDisposable
{
    private const int HeaderRoom = 1024;
    private const int BufferLength = HeaderRoom + FragmentReassemblyLimits.MaximumDatagramLength;
    private const int IPv4MinimumHeaderLength = 20;
    private const int IPv6HeaderLength = 40;
    private const int FragmentHeaderLength = 8;
    private const byte IPv6FragmentHeader = 44;
    private const int KeyLength = 37;

    private readonly FragmentReassemblyLimits _limits;
    private readonly Datagram[] _slots;
    private readonly long _ipv4TimeoutNanoseconds;
    private readonly long _ipv6TimeoutNanoseconds;
    private int _inFlight;
    private Datagram? _returned;
    private Datagram? _atomic;
    private long _now = long.MinValue;

    public FragmentReassembler(FragmentReassemblyLimits? limits = null)
    {
        _limits = limits ?? new FragmentReassemblyLimits();
        _slots = new Datagram[_limits.MaximumDatagramsInFlight];
        _ipv4TimeoutNanoseconds = (long)(_limits.IPv4Timeout.TotalMilliseconds * 1_000_000);
        _ipv6TimeoutNanoseconds = (long)(_limits.IPv6Timeout.TotalMilliseconds * 1_000_000);
    }

    /// <summary>The counts so far (complete after <see cref="Finish"/>).</summary>
    public FragmentReassemblyStatistics Statistics { get; } = new();

    /// <summary>How many fragments the last datagram returned by <see cref="Add"/> was made of.</summary>
    public int LastFragmentCount { get; private set; }

    /// <summary>Takes one IP packet from the capture.</summary>
    /// <param name="packet">The IP packet, from its version nibble (bytes after its length are ignored).</param>
    /// <param name="seconds">The capture timestamp's seconds.</param>
    /// <param name="nanoseconds">The capture timestamp's fraction.</param>
    /// <param name="datagram">With <see cref="FragmentOutcome.Reassembled"/>, the whole datagram as an unfragmented packet (IPv4 with
    /// offset and MF cleared and a new checksum; IPv6 without its Fragment header), valid until the next call.</param>
    public FragmentOutcome Add(ReadOnlySpan<byte> packet, long seconds, uint nanoseconds, out ReadOnlySpan<byte> datagram)
    {
        datagram = default;
        Release();
        long now = (seconds * 1_000_000_000) + nanoseconds;
        if (_inFlight != 0)
        {
            // Every packet moves capture time on, so a datagram times out even when no fragment follows it.
            _now = Math.Max(_now, now);
            ExpireOld();
        }

        if (!TryParse(packet, out Fragment fragment))
        {
            return FragmentOutcome.NotFragment;
        }

        Statistics.Fragments++;
        _now = Math.Max(_now, now);
        ExpireOld();
        if (fragment.Malformed)
        {
            Statistics.MalformedFragments++;
            return FragmentOutcome.Dropped;
        }

        ReadOnlySpan<byte> payload = packet.Slice(fragment.PayloadOffset, fragment.PayloadLength);
        if (fragment.IsAtomic)
        {
            // RFC 6946: offset 0 and no more fragments: the packet is whole; only the Fragment header goes.
            if (fragment.HeaderLength > HeaderRoom)
            {
                Statistics.TooLarge++;
                return FragmentOutcome.Dropped;
            }

            Datagram atomic = _atomic ??= new Datagram(1) { Buffer = new byte[BufferLength] };
            atomic.IsIPv6 = true;
            atomic.StoreHeader(packet[..fragment.HeaderLength], fragment);
            payload.CopyTo(atomic.Buffer.AsSpan(HeaderRoom));
            atomic.TotalLength = payload.Length;
            atomic.FragmentCount = 1;
            return Complete(atomic, out datagram);
        }

        Span<byte> key = stackalloc byte[KeyLength];
        int keyLength = fragment.WriteKey(packet, key);
        key = key[..keyLength];
        Datagram? slot = Find(key);
        if (slot is null)
        {
            slot = Rent(key, fragment, now);
        }
        else if (slot.Discarded)
        {
            return FragmentOutcome.Dropped;
        }

        return Insert(slot, fragment, packet, payload, out datagram);
    }

    /// <summary>The end of the capture: every datagram still incomplete is counted and its buffer returned.</summary>
    public void Finish()
    {
        Release();
        foreach (Datagram? slot in _slots)
        {
            if (slot is { InUse: true })
            {
                if (!slot.Discarded)
                {
                    Statistics.Incomplete++;
                }

                Free(slot);
            }
        }
    }

    public void Dispose()
    {
        Release();
        foreach (Datagram? slot in _slots)
        {
            if (slot is { InUse: true })
            {
                Free(slot);
            }
        }
    }

    private FragmentOutcome Insert(Datagram slot, Fragment fragment, ReadOnlySpan<byte> packet, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> datagram)
    {
        datagram = default;
        int start = fragment.Offset;
        int end = start + payload.Length;
        int headerLength = fragment.Offset == 0 ? fragment.HeaderLength : slot.HeaderLength;
        int limit = fragment.IsIPv6 ? FragmentReassemblyLimits.MaximumDatagramLength - (headerLength - IPv6HeaderLength) : FragmentReassemblyLimits.MaximumDatagramLength - headerLength;
        if (end > limit || (fragment.Offset == 0 && fragment.HeaderLength > HeaderRoom))
        {
            Statistics.TooLarge++;
            return Discard(slot);
        }

        for (int i = 0; i < slot.FragmentCount; i++)
        {
            (int otherStart, int otherEnd) = slot.Ranges[i];
            if (start < otherEnd && otherStart < end)
            {
                if (start == otherStart && end == otherEnd && payload.SequenceEqual(slot.Buffer.AsSpan(HeaderRoom + start, payload.Length)))
                {
                    Statistics.Duplicates++;
                    return FragmentOutcome.Dropped;
                }

                Statistics.Overlapping++;
                return Discard(slot);
            }
        }

        if (!fragment.MoreFragments)
        {
            if ((slot.TotalLength >= 0 && slot.TotalLength != end) || slot.HighestEnd > end)
            {
                // Two different last fragments, or data beyond the end: the pieces cannot belong together.
                Statistics.Overlapping++;
                return Discard(slot);
            }

            slot.TotalLength = end;
        }
        else if (slot.TotalLength >= 0 && end > slot.TotalLength)
        {
            Statistics.Overlapping++;
            return Discard(slot);
        }

        if (slot.FragmentCount == _limits.MaximumFragmentsPerDatagram)
        {
            Statistics.TooManyFragments++;
            return Discard(slot);
        }

        slot.Ranges[slot.FragmentCount++] = (start, end);
        slot.HighestEnd = Math.Max(slot.HighestEnd, end);
        slot.Received += payload.Length;
        payload.CopyTo(slot.Buffer.AsSpan(HeaderRoom + start));
        if (fragment.Offset == 0)
        {
            slot.StoreHeader(packet[..fragment.HeaderLength], fragment);
        }

        if (slot.TotalLength >= 0 && slot.HeaderLength > 0 && slot.Received == slot.TotalLength)
        {
            int datagramLength = slot.IsIPv6 ? slot.HeaderLength - IPv6HeaderLength + slot.TotalLength : slot.HeaderLength + slot.TotalLength;
            if (datagramLength > FragmentReassemblyLimits.MaximumDatagramLength)
            {
                Statistics.TooLarge++;
                return Discard(slot);
            }

            return Complete(slot, out datagram);
        }

        return FragmentOutcome.Held;
    }

    private FragmentOutcome Complete(Datagram slot, out ReadOnlySpan<byte> datagram)
    {
        Span<byte> header = slot.Buffer.AsSpan(HeaderRoom - slot.HeaderLength, slot.HeaderLength);
        if (slot.IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)(slot.HeaderLength - IPv6HeaderLength + slot.TotalLength));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(slot.HeaderLength + slot.TotalLength));
            header[6] &= 0x40; // keep DF, clear MF and the offset
            header[7] = 0;
            header[10] = 0;
            header[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], IPv4Checksum(header));
        }

        Statistics.Reassembled++;
        LastFragmentCount = slot.FragmentCount;
        datagram = slot.Buffer.AsSpan(HeaderRoom - slot.HeaderLength, slot.HeaderLength + slot.TotalLength);
        _returned = slot;
        return FragmentOutcome.Reassembled;
    }

    private FragmentOutcome Discard(Datagram slot)
    {
        // The slot stays, without its buffer, until its timeout, so later fragments of the datagram are dropped too.
        slot.Discarded = true;
        if (slot.Buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(slot.Buffer);
            slot.Buffer = [];
        }

        return FragmentOutcome.Dropped;
    }

    private Datagram? Find(ReadOnlySpan<byte> key)
    {
        if (_inFlight == 0)
        {
            return null;
        }

        foreach (Datagram? slot in _slots)
        {
            if (slot is { InUse: true } && slot.Key.AsSpan(0, slot.KeyLength).SequenceEqual(key))
            {
                return slot;
            }
        }

        return null;
    }

    private Datagram Rent(ReadOnlySpan<byte> key, Fragment fragment, long now)
    {
        Datagram? free = null;
        Datagram? oldest = null;
        for (int i = 0; i < _slots.Length; i++)
        {
            Datagram slot = _slots[i] ??= new Datagram(_limits.MaximumFragmentsPerDatagram);
            if (!slot.InUse)
            {
                free = slot;
                break;
            }

            if (oldest is null || slot.Started < oldest.Started)
            {
                oldest = slot;
            }
        }

        if (free is null)
        {
            if (!oldest!.Discarded)
            {
                Statistics.Evicted++;
            }

            Free(oldest);
            free = oldest;
        }

        free.InUse = true;
        free.Discarded = false;
        free.Buffer = ArrayPool<byte>.Shared.Rent(BufferLength);
        free.IsIPv6 = fragment.IsIPv6;
        free.Started = now;
        free.Deadline = now + (fragment.IsIPv6 ? _ipv6TimeoutNanoseconds : _ipv4TimeoutNanoseconds);
        free.TotalLength = -1;
        free.HeaderLength = 0;
        free.Received = 0;
        free.HighestEnd = 0;
        free.FragmentCount = 0;
        key.CopyTo(free.Key);
        free.KeyLength = key.Length;
        _inFlight++;
        return free;
    }

    private void ExpireOld()
    {
        if (_inFlight == 0)
        {
            return;
        }

        foreach (Datagram? slot in _slots)
        {
            if (slot is { InUse: true } && slot.Deadline < _now)
            {
                if (!slot.Discarded)
                {
                    Statistics.TimedOut++;
                }

                Free(slot);
            }
        }
    }

    private void Release()
    {
        if (_returned is { } slot)
        {
            _returned = null;
            if (!ReferenceEquals(slot, _atomic))
            {
                Free(slot);
            }
        }
    }

    private void Free(Datagram slot)
    {
        if (slot.Buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(slot.Buffer);
            slot.Buffer = [];
        }

        slot.InUse = false;
        _inFlight--;
    }

    private static ushort IPv4Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>Reads the fragment fields; <see langword="false"/> when the packet is not a fragment at all.</summary>
    private static bool TryParse(ReadOnlySpan<byte> packet, out Fragment fragment)
    {
        fragment = default;
        if (packet.Length >= IPv4MinimumHeaderLength && packet[0] >> 4 == 4)
        {
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
            if ((flags & 0x3FFF) == 0)
            {
                return false;
            }

            int headerLength = (packet[0] & 0x0F) * 4;
            int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
            int offset = (flags & 0x1FFF) * 8;
            bool more = (flags & 0x2000) != 0;
            bool malformed = headerLength < IPv4MinimumHeaderLength || totalLength <= headerLength || totalLength > packet.Length
                || (more && (totalLength - headerLength) % 8 != 0);
            fragment = new Fragment(false, malformed, headerLength, headerLength, totalLength - headerLength, offset, more, 0, 0);
            return true;
        }

        if (packet.Length >= IPv6HeaderLength && packet[0] >> 4 == 6)
        {
            int length = IPv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            byte next = packet[6];
            int nextHeaderAt = 6;
            int position = IPv6HeaderLength;
            while (next is 0 or 43 or 60)
            {
                if (position + 8 > Math.Min(length, packet.Length))
                {
                    return false;
                }

                nextHeaderAt = position;
                next = packet[position];
                position += (packet[position + 1] + 1) * 8;
            }

            if (next != IPv6FragmentHeader)
            {
                return false;
            }

            if (position + FragmentHeaderLength > length || length > packet.Length)
            {
                fragment = new Fragment(true, true, 0, 0, 0, 0, false, 0, 0);
                return true;
            }

            ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 2)..]);
            int offset = offsetAndFlags & 0xFFF8;
            bool more = (offsetAndFlags & 1) != 0;
            int payloadLength = length - position - FragmentHeaderLength;
            bool malformed = (more && (payloadLength == 0 || payloadLength % 8 != 0)) || (!more && offset != 0 && payloadLength == 0);
            fragment = new Fragment(true, malformed, position, position + FragmentHeaderLength, payloadLength, offset, more, nextHeaderAt, packet[position]);
            return true;
        }

        return false;
    }

    /// <summary>One fragment's fields. For IPv6, <see cref="HeaderLength"/> is the unfragmentable part (up to the Fragment header).</summary>
    private readonly record struct Fragment(bool IsIPv6, bool Malformed, int HeaderLength, int PayloadOffset, int PayloadLength, int Offset, bool MoreFragments, int NextHeaderAt, byte NextHeader)
    {
        public bool IsAtomic => Offset == 0 && !MoreFragments;

        /// <summary>IPv4: source, destination, protocol, identification; IPv6: source, destination, identification.</summary>
        public int WriteKey(ReadOnlySpan<byte> packet, Span<byte> key)
        {
            if (IsIPv6)
            {
                key[0] = 6;
                packet.Slice(8, 32).CopyTo(key[1..]);
                packet.Slice(HeaderLength + 4, 4).CopyTo(key[33..]);
                return 37;
            }

            key[0] = 4;
            packet.Slice(12, 8).CopyTo(key[1..]);
            key[9] = packet[9];
            packet.Slice(4, 2).CopyTo(key[10..]);
            return 12;
        }
    }

    /// <summary>One datagram being reassembled: its buffer (header at the end of the header room, data after it) and its pieces.</summary>
    private sealed class Datagram(int maximumFragments)
    {
        public byte[] Buffer { get; set; } = [];

        public (int Start, int End)[] Ranges { get; } = new (int, int)[maximumFragments];

        public byte[] Key { get; } = new byte[FragmentReassembler.KeyLength];

        public int KeyLength { get; set; }

        public bool InUse { get; set; }

        public bool Discarded { get; set; }

        public bool IsIPv6 { get; set; }

        public long Started { get; set; }

        public long Deadline { get; set; }

        public int HeaderLength { get; set; }

        public int TotalLength { get; set; }

        public int Received { get; set; }

        public int HighestEnd { get; set; }

        public int FragmentCount { get; set; }

        /// <summary>Keeps the first fragment's header (IPv6: the unfragmentable part, its last next-header field pointing past the Fragment header).</summary>
        public void StoreHeader(ReadOnlySpan<byte> header, in Fragment fragment)
        {
            HeaderLength = header.Length;
            Span<byte> stored = Buffer.AsSpan(HeaderRoom - header.Length, header.Length);
            header.CopyTo(stored);
            if (fragment.IsIPv6)
            {
                stored[fragment.NextHeaderAt] = fragment.NextHeader;
            }
        }
    }
}
