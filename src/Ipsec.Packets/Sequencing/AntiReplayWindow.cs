using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Ipsec.Packets.Sequencing;

/// <summary>
/// The receive-side anti-replay window of one SA (RFC 4303 §3.4.3, RFC 4302 §3.4.3) as an RFC 6479-style ring of blocks,
/// updated without a lock: any window size up to <see cref="MaximumSize"/> costs the same per packet, and any number of
/// threads may check and accept at once.
/// </summary>
/// <remarks>
/// <para>
/// Each ring slot is one 64-bit word: the low 32 bits are the bitmap of 32 consecutive sequence numbers, the high 32 bits
/// the (truncated) index of the block of 32 those bits describe. Sliding the window never clears anything: a slot whose tag
/// is older than the block a sequence number needs is claimed by replacing the whole word (tag and one bit) with a single
/// compare-and-swap; a slot whose tag is newer means the number's block was recycled, so the number is left of the window.
/// The top is raised by its own compare-and-swap loop. Nothing is written per packet but the slot word and the top.
/// </para>
/// <para>
/// Why each number is accepted at most once: acceptance is a successful compare-and-swap that turns the number's bit on
/// in a word tagged with the number's block. A word's tag only ever moves forward (a claim needs an older tag), and while
/// the tag stays its bits are only ever added, so once a number's bit is on, no later word in that slot can carry the
/// number's tag with the bit off. The ring holds at least two blocks more than the window spans, so a slot claimed for a
/// number above the top only recycles blocks that fall out of the window once that number is accepted.
/// </para>
/// <para>
/// <see cref="Check"/> runs before any cryptography and changes nothing (a racy read can only let a duplicate through to the
/// ICV check, never accept it); <see cref="TryAccept"/> runs only after the ICV verified. Tags are 32 bits of a 59-bit block
/// index: two blocks 2^37 sequence numbers apart share a tag, which can only make a number look already seen (a refusal,
/// never a second acceptance), and only after a sender skipped 2^37 numbers.
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal sealed class AntiReplayWindow
{
    /// <summary>The largest window, in packets.</summary>
    public const int MaximumSize = 1 << 20;

    private const int BitsPerBlock = 32;
    private const int BlockShift = 5;
    private const ulong BitmapMask = 0xFFFF_FFFF;

    // The read-mostly fields share the first line; the top, written per packet, sits 64 bytes from either end, so two SAs'
    // windows next to each other on the heap never share a written line.
    [FieldOffset(0)]
    private readonly ulong[] _slots;
    [FieldOffset(16)]
    private readonly ulong _slotMask;
    [FieldOffset(24)]
    private readonly int _size;
    [FieldOffset(64)]
    private ulong _top;

    /// <summary>Creates a window of <paramref name="size"/> packets (0 turns replay protection off).</summary>
    /// <param name="size">The window size in packets.</param>
    /// <param name="highestReceived">The highest sequence number already received; it and the window below it count as seen.</param>
    public AntiReplayWindow(int size, ulong highestReceived = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaximumSize);
        _size = size;
        int slots = 4;
        while (slots * BitsPerBlock < size + 2 * BitsPerBlock)
        {
            slots <<= 1;
        }

        _slots = size == 0 ? [] : new ulong[slots];
        _slotMask = (ulong)slots - 1;
        _top = highestReceived;
        if (highestReceived != 0 && size != 0)
        {
            // Everything up to the top counts as seen: the top's own block has its bits up to the top set and those above
            // it free, and every other slot describes its most recent block below the top's, full.
            ulong topBlock = highestReceived >> BlockShift;
            int topBit = (int)(highestReceived & (BitsPerBlock - 1));
            _slots[topBlock & _slotMask] = Tagged(topBlock, (2UL << topBit) - 1);
            for (ulong back = 1; back < (ulong)slots && back <= topBlock; back++)
            {
                ulong block = topBlock - back;
                _slots[block & _slotMask] = Tagged(block, BitmapMask);
            }
        }
    }

    /// <summary>The window size in packets; 0 when replay protection is off.</summary>
    public int Size => _size;

    /// <summary>The highest sequence number accepted so far (0 before the first).</summary>
    public ulong Highest => Volatile.Read(ref _top);

    /// <summary>
    /// Forgets every sequence number received, as if the SA were new (benchmarks replaying a fixed ring of packets).
    /// Never called on the data path, nor while packets are being received.
    /// </summary>
    internal void Reset()
    {
        Array.Clear(_slots);
        Volatile.Write(ref _top, 0);
    }

    /// <summary>Returns false when <paramref name="sequenceNumber"/> is 0, already seen, or left of the window. Changes nothing.</summary>
    public bool Check(ulong sequenceNumber)
    {
        if (sequenceNumber == 0)
        {
            return false;
        }

        if (_size == 0)
        {
            return true;
        }

        ulong top = Volatile.Read(ref _top);
        if (sequenceNumber > top)
        {
            return true;
        }

        if (top - sequenceNumber >= (ulong)_size)
        {
            return false;
        }

        ulong block = sequenceNumber >> BlockShift;
        ulong word = Volatile.Read(ref _slots[block & _slotMask]);
        int age = TagAge(word, block);
        return age > 0 || (age == 0 && (word & BitFor(sequenceNumber)) == 0);
    }

    /// <summary>Marks <paramref name="sequenceNumber"/> received, sliding the window when it is new.</summary>
    /// <returns>False when it was already received (another thread accepted it first) or is left of the window.</returns>
    public bool TryAccept(ulong sequenceNumber)
    {
        if (sequenceNumber == 0)
        {
            return false;
        }

        if (_size != 0 && !TrySetBit(sequenceNumber))
        {
            return false;
        }

        RaiseTop(sequenceNumber);
        return true;
    }

    private bool TrySetBit(ulong sequenceNumber)
    {
        ulong top = Volatile.Read(ref _top);
        if (sequenceNumber <= top && top - sequenceNumber >= (ulong)_size)
        {
            return false;
        }

        ulong block = sequenceNumber >> BlockShift;
        ulong bit = BitFor(sequenceNumber);
        ref ulong slot = ref _slots[block & _slotMask];
        ulong word = Volatile.Read(ref slot);
        while (true)
        {
            int age = TagAge(word, block);
            ulong desired;
            if (age > 0)
            {
                desired = Tagged(block, bit);                 // the slot still describes an older block: claim it
            }
            else if (age == 0 && (word & bit) == 0)
            {
                desired = word | bit;
            }
            else
            {
                return false;                                 // seen, or the block was recycled for a newer one
            }

            ulong witnessed = Interlocked.CompareExchange(ref slot, desired, word);
            if (witnessed == word)
            {
                return true;
            }

            word = witnessed;
        }
    }

    private void RaiseTop(ulong sequenceNumber)
    {
        ulong top = Volatile.Read(ref _top);
        while (sequenceNumber > top)
        {
            // Either this thread raised the top, or another thread moved it first: go on from the value it found.
            ulong witnessed = Interlocked.CompareExchange(ref _top, sequenceNumber, top);
            top = witnessed == top ? sequenceNumber : witnessed;
        }
    }

    /// <summary>How many blocks <paramref name="block"/> is ahead of the block the word describes (negative: behind).</summary>
    private static int TagAge(ulong word, ulong block) => (int)((uint)block - (uint)(word >> 32));

    private static ulong Tagged(ulong block, ulong bits) => ((ulong)(uint)block << 32) | bits;

    private static ulong BitFor(ulong sequenceNumber) => 1UL << (int)(sequenceNumber & (BitsPerBlock - 1));
}
