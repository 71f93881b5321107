using System.Collections.Generic;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// The receiver's anti-replay rule of RFC 4303 §3.4.3, written as plainly as possible over full (64-bit) sequence
/// numbers: a packet is accepted when it is new (above the highest accepted so far), or when it lies inside the window
/// (less than <c>W</c> below the highest) and was not accepted before. Everything at or below the initial highest
/// number counts as received. With ESN the receiver must first recover the full number (Appendix A); a packet whose
/// number it recovers correctly is judged here, and one it cannot (more than the window behind) is refused here as too old.
/// </summary>
internal sealed class ReplayReferenceModel
{
    private readonly HashSet<ulong> _accepted = [];
    private readonly ulong _windowSize;
    private readonly ulong _initialHighest;
    private ulong _highest;

    public ReplayReferenceModel(int windowSize, ulong initialHighest)
    {
        _windowSize = (ulong)windowSize;
        _initialHighest = initialHighest;
        _highest = initialHighest;
    }

    /// <summary>Whether the receiver accepts an authentic packet with <paramref name="sequenceNumber"/>; records it when so.</summary>
    public bool Deliver(ulong sequenceNumber)
    {
        bool accept;
        if (sequenceNumber == 0 || sequenceNumber <= _initialHighest)
        {
            accept = false;                                     // never sent, or counted as received at the start
        }
        else if (sequenceNumber > _highest)
        {
            accept = true;                                      // new: the window slides
        }
        else if (_highest - sequenceNumber >= _windowSize)
        {
            accept = false;                                     // left of the window
        }
        else
        {
            accept = !_accepted.Contains(sequenceNumber);       // inside the window: only once
        }

        if (accept)
        {
            _accepted.Add(sequenceNumber);
            if (sequenceNumber > _highest)
            {
                _highest = sequenceNumber;
            }
        }

        return accept;
    }
}
