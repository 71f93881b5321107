using System;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>
/// Per-SPI sequence statistics for inspect in constant memory: the lowest and highest sequence number, duplicates
/// (recognised within the last <see cref="WindowSize"/> numbers below the highest) and the gaps that leaves.
/// </summary>
internal sealed class SequenceTracker
{
    /// <summary>How far below the highest number a duplicate is still recognised.</summary>
    public const int WindowSize = 65536;

    private readonly ulong[] _seen = new ulong[WindowSize / 64];

    public long Packets { get; private set; }

    public long Bytes { get; private set; }

    public long Duplicates { get; private set; }

    public ulong Lowest { get; private set; }

    public ulong Highest { get; private set; }

    /// <summary>Numbers between the lowest and highest never seen.</summary>
    public ulong Gaps => Packets == 0 ? 0 : Highest - Lowest + 1 - (ulong)(Packets - Duplicates);

    public void Add(ulong sequenceNumber, int length)
    {
        Bytes += length;
        if (Packets++ == 0)
        {
            Lowest = Highest = sequenceNumber;
            Mark(sequenceNumber);
            return;
        }

        if (sequenceNumber > Highest)
        {
            ulong advance = sequenceNumber - Highest;
            if (advance >= WindowSize)
            {
                Array.Clear(_seen);
            }
            else
            {
                for (ulong n = Highest + 1; n <= sequenceNumber; n++)
                {
                    _seen[(int)(n % WindowSize / 64)] &= ~(1UL << (int)(n % 64));
                }
            }

            Highest = sequenceNumber;
            Mark(sequenceNumber);
            return;
        }

        Lowest = Math.Min(Lowest, sequenceNumber);
        if (Highest - sequenceNumber < WindowSize)
        {
            ref ulong word = ref _seen[(int)(sequenceNumber % WindowSize / 64)];
            ulong bit = 1UL << (int)(sequenceNumber % 64);
            if ((word & bit) != 0)
            {
                Duplicates++;
            }

            word |= bit;
        }
    }

    private void Mark(ulong sequenceNumber) => _seen[(int)(sequenceNumber % WindowSize / 64)] |= 1UL << (int)(sequenceNumber % 64);
}
