using System.Globalization;
using System.Text;

namespace Ipsec.Packets.Tool.Captures;

/// <summary>What <see cref="FragmentReassembler"/> saw; datagrams that could not be reassembled are counted once, by reason.</summary>
internal sealed class FragmentReassemblyStatistics
{
    /// <summary>Fragments received (IPv4 with MF or an offset, IPv6 with a Fragment header).</summary>
    public long Fragments { get; set; }

    /// <summary>Datagrams rebuilt from their fragments.</summary>
    public long Reassembled { get; set; }

    /// <summary>Exact duplicates of a fragment already held, dropped without harm (RFC 8200 §4.5).</summary>
    public long Duplicates { get; set; }

    /// <summary>Datagrams discarded because two fragments overlapped (RFC 5722 for IPv6, the same for IPv4).</summary>
    public long Overlapping { get; set; }

    /// <summary>Datagrams still incomplete when their timeout (in capture time) ran out.</summary>
    public long TimedOut { get; set; }

    /// <summary>Datagrams still incomplete at the end of the capture.</summary>
    public long Incomplete { get; set; }

    /// <summary>Datagrams that would exceed 65,535 bytes.</summary>
    public long TooLarge { get; set; }

    /// <summary>Datagrams with more fragments than the limit.</summary>
    public long TooManyFragments { get; set; }

    /// <summary>Datagrams evicted because too many were in flight.</summary>
    public long Evicted { get; set; }

    /// <summary>Fragments that were malformed or cut short by the capture's snap length (dropped alone).</summary>
    public long MalformedFragments { get; set; }

    /// <summary>Datagrams that could not be reassembled, for every reason, plus malformed fragments.</summary>
    public long NotReassembled => Overlapping + TimedOut + Incomplete + TooLarge + TooManyFragments + Evicted + MalformedFragments;

    /// <summary>"12 fragments, 4 datagrams reassembled, 1 not reassembled (1 overlapping)", or empty when there were no fragments.</summary>
    public override string ToString()
    {
        if (Fragments == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Fragments} fragments, {Reassembled} datagrams reassembled");
        if (Duplicates != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {Duplicates} duplicate fragments dropped");
        }

        text.Append(CultureInfo.InvariantCulture, $", {NotReassembled} not reassembled");
        if (NotReassembled != 0)
        {
            text.Append(" (");
            string separator = string.Empty;
            Reason(Overlapping, "overlapping fragments");
            Reason(TimedOut, "timed out");
            Reason(Incomplete, "incomplete at the end of the capture");
            Reason(TooLarge, "larger than 65,535 bytes");
            Reason(TooManyFragments, "too many fragments");
            Reason(Evicted, "evicted: too many datagrams in flight");
            Reason(MalformedFragments, "malformed or truncated fragments");
            text.Append(')');

            void Reason(long count, string why)
            {
                if (count != 0)
                {
                    text.Append(separator).Append(CultureInfo.InvariantCulture, $"{count} {why}");
                    separator = ", ";
                }
            }
        }

        return text.ToString();
    }
}
