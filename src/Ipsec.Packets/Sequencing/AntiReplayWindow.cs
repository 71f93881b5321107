using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Ipsec.Packets.Sequencing;

/// <summary>
/// The receive-side anti-replay window of one SA (RFC 4303 §3.4.3, RFC 4302 §3.4.3) as an RFC 6479 block bitmap:
/// 64-bit blocks in a ring, so sliding the window clears whole blocks instead of shifting bits, and any window size
/// up to <see cref="MaximumSize"/> costs the same per packet.
/// </summary>
/// <remarks>
/// <see cref="Check"/> runs before any cryptography and takes no lock (a racy read can only let a duplicate through to the
/// ICV check, never accept it); <see cref="TryAccept"/> runs only after the ICV verified and decides under a short lock, so
/// a sequence number is accepted at most once under any number of receiving threads.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal sealed class AntiReplayWindow
{
    /// <summary>The largest window, in packets.</summary>
    public const int MaximumSize = 1 << 20;

    private const int BitsPerBlock = 64;

    // The read-mostly fields share the first line; the top, written per packet, sits 64 bytes from either end, and the
    // lock is an object padded the same way, so two SAs' windows next to each other on the heap never share a written line.
    [FieldOffset(0)]
    private readonly ulong[] _blocks;
    [FieldOffset(8)]
    private readonly PaddedLock _gate = new();
    [FieldOffset(16)]
    private readonly ulong _blockMask;
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
        int blocks = 2;
        while (blocks * BitsPerBlock < size + BitsPerBlock)
        {
            blocks <<= 1;
        }

        _blocks = size == 0 ? [] : new ulong[blocks];
        _blockMask = (ulong)blocks - 1;
        _top = highestReceived;
        if (highestReceived != 0 && size != 0)
        {
            // Everything up to the top counts as seen; the bits above it in its block are still free.
            Array.Fill(_blocks, ulong.MaxValue);
            int topBit = (int)(highestReceived % BitsPerBlock);
            _blocks[(highestReceived / BitsPerBlock) & _blockMask] = topBit == 63 ? ulong.MaxValue : (2UL << topBit) - 1;
        }
    }

    /// <summary>The window size in packets; 0 when replay protection is off.</summary>
    public int Size => _size;

    /// <summary>The highest sequence number accepted so far (0 before the first).</summary>
    public ulong Highest => Volatile.Read(ref _top);

    /// <summary>
    /// Forgets every sequence number received, as if the SA were new (benchmarks replaying a fixed ring of packets).
    /// Never called on the data path.
    /// </summary>
    internal void Reset()
    {
        lock (_gate)
        {
            Array.Clear(_blocks);
            Volatile.Write(ref _top, 0);
        }
    }

    /// <summary>Returns false when <paramref name="sequenceNumber"/> is 0, already seen, or left of the window. Changes nothing.</summary>
    public bool Check(ulong sequenceNumber)
    {
        if (sequenceNumber == 0)
        {
            return false;
        }

        if (Size == 0)
        {
            return true;
        }

        ulong top = Volatile.Read(ref _top);
        if (sequenceNumber > top)
        {
            return true;
        }

        if (top - sequenceNumber >= (ulong)Size)
        {
            return false;
        }

        ulong block = Volatile.Read(ref _blocks[(sequenceNumber / BitsPerBlock) & _blockMask]);
        return (block & (1UL << (int)(sequenceNumber % BitsPerBlock))) == 0;
    }

    /// <summary>Marks <paramref name="sequenceNumber"/> received, sliding the window when it is new.</summary>
    /// <returns>False when another thread accepted it first, or it fell out of the window meanwhile.</returns>
    public bool TryAccept(ulong sequenceNumber)
    {
        if (sequenceNumber == 0)
        {
            return false;
        }

        lock (_gate)
        {
            if (Size == 0)
            {
                if (sequenceNumber > _top)
                {
                    Volatile.Write(ref _top, sequenceNumber);
                }

                return true;
            }

            ulong top = _top;
            ulong index = sequenceNumber / BitsPerBlock;
            if (sequenceNumber > top)
            {
                ulong topIndex = top / BitsPerBlock;
                ulong newBlocks = index - topIndex;
                if (newBlocks > (ulong)_blocks.Length)
                {
                    newBlocks = (ulong)_blocks.Length;
                }

                for (ulong i = 1; i <= newBlocks; i++)
                {
                    _blocks[(topIndex + i) & _blockMask] = 0;
                }

                Volatile.Write(ref _top, sequenceNumber);
            }
            else if (top - sequenceNumber >= (ulong)Size)
            {
                return false;
            }

            ref ulong block = ref _blocks[index & _blockMask];
            ulong bit = 1UL << (int)(sequenceNumber % BitsPerBlock);
            if ((block & bit) != 0)
            {
                return false;
            }

            Volatile.Write(ref block, block | bit);
            return true;
        }
    }

    /// <summary>A lock object that owns a whole cache line beyond its header.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private sealed class PaddedLock
    {
    }
}
