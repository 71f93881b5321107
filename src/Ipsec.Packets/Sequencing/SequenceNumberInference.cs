namespace Ipsec.Packets.Sequencing;

/// <summary>
/// Reconstructs the high 32 bits of an extended sequence number from the low 32 bits on the wire
/// (RFC 4303 Appendix A2.1), relative to the highest number the window has accepted.
/// </summary>
internal static class SequenceNumberInference
{
    /// <summary>
    /// Returns the full 64-bit sequence number for <paramref name="low"/>. With replay protection off
    /// (<paramref name="windowSize"/> 0) the half-space window 2^31 is used, choosing the subspace nearest the top.
    /// </summary>
    /// <param name="low">The Sequence Number field from the packet.</param>
    /// <param name="highest">The highest sequence number accepted so far.</param>
    /// <param name="windowSize">The anti-replay window size in packets.</param>
    public static ulong Infer(uint low, ulong highest, int windowSize)
    {
        uint w = windowSize == 0 ? 1u << 31 : (uint)windowSize;
        uint tl = (uint)highest;
        uint th = (uint)(highest >> 32);
        uint bottom = unchecked(tl - w + 1);
        uint high;
        if (tl >= w - 1)
        {
            // Case A: the window lies within one sequence-number subspace.
            high = low >= bottom ? th : unchecked(th + 1);
            if (high == 0 && th == uint.MaxValue)
            {
                high = th; // no subspace after the last: the packet is old, and the window rejects it.
            }
        }
        else
        {
            // Case B: the window spans two subspaces.
            high = low >= bottom ? unchecked(th - 1) : th;
            if (th == 0)
            {
                high = 0; // no subspace before the first.
            }
        }

        return ((ulong)high << 32) | low;
    }
}
