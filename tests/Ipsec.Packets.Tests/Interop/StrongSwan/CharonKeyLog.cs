using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// Reads the CHILD_SA keys charon's file logger prints at <c>chd = 4</c> (Debian ships no save-keys plugin). Per CHILD_SA
/// one worker thread logs "encryption initiator key => N bytes", its hex dump, the responder key, the integrity keys
/// likewise, then "adding inbound ESP SA" / "adding outbound ESP SA" each followed by "SPI 0x..., src A dst B". Threads
/// interleave, so the state is kept per thread number.
/// </summary>
/// <remarks>
/// "Initiator" is the initiator of the exchange that created the CHILD_SA (RFC 7296 §2.17: the keys for data from the
/// initiator are taken first): the side that logged the keys sends with the initiator keys when it initiated that
/// exchange. The tests initiate and rekey from one side only and read that side's log.
/// </remarks>
public static partial class CharonKeyLog
{
    [GeneratedRegex(@"^\s*(\d+)\[CHD\] (.*)$")]
    private static partial Regex ChdLine();

    [GeneratedRegex(@"^(encryption|integrity) (initiator|responder) key => (\d+) bytes")]
    private static partial Regex KeyHeader();

    [GeneratedRegex(@"^\s+\d+: ((?:[0-9A-F]{2} )*[0-9A-F]{2})")]
    private static partial Regex HexDumpLine();

    [GeneratedRegex(@"^\s+SPI 0x([0-9a-f]{8}), src (\S+) dst (\S+)")]
    private static partial Regex SpiLine();

    /// <summary>The SAs in the order charon installed them, keyed for the side that wrote the log.</summary>
    /// <param name="log">The log text (or the part written since a known position).</param>
    /// <param name="loggedByExchangeInitiator">True when the logging side initiated every CHILD_SA exchange in the text.</param>
    public static List<NegotiatedEspSa> Parse(string log, bool loggedByExchangeInitiator)
    {
        var result = new List<NegotiatedEspSa>();
        var threads = new Dictionary<string, ThreadState>();
        foreach (string line in log.Split('\n'))
        {
            Match chd = ChdLine().Match(line.TrimEnd('\r'));
            if (!chd.Success)
            {
                continue;
            }

            if (!threads.TryGetValue(chd.Groups[1].Value, out ThreadState? state))
            {
                state = new ThreadState();
                threads.Add(chd.Groups[1].Value, state);
            }

            string text = chd.Groups[2].Value;
            Match header = KeyHeader().Match(text);
            if (header.Success)
            {
                state.Pending = new List<byte>();
                state.PendingLength = int.Parse(header.Groups[3].Value, CultureInfo.InvariantCulture);
                state.Keys[header.Groups[1].Value + " " + header.Groups[2].Value] = state.Pending;
                continue;
            }

            Match dump = HexDumpLine().Match(text);
            if (dump.Success && state.Pending is not null)
            {
                foreach (string octet in dump.Groups[1].Value.Split(' '))
                {
                    if (state.Pending.Count < state.PendingLength)
                    {
                        state.Pending.Add(byte.Parse(octet, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    }
                }

                continue;
            }

            state.Pending = null;
            if (text.StartsWith("adding inbound ESP SA", StringComparison.Ordinal))
            {
                state.Direction = "inbound";
            }
            else if (text.StartsWith("adding outbound ESP SA", StringComparison.Ordinal))
            {
                state.Direction = "outbound";
            }
            else if (SpiLine().Match(text) is { Success: true } spi && state.Direction is not null)
            {
                // The logging side sends with the initiator keys when it initiated the exchange.
                bool initiatorKeys = (state.Direction == "outbound") == loggedByExchangeInitiator;
                string role = initiatorKeys ? "initiator" : "responder";
                result.Add(new NegotiatedEspSa(
                    uint.Parse(spi.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    IPAddress.Parse(spi.Groups[2].Value),
                    IPAddress.Parse(spi.Groups[3].Value),
                    state.Key("encryption " + role),
                    state.Key("integrity " + role)));
                state.Direction = null;
            }
        }

        return result;
    }

    private sealed class ThreadState
    {
        public Dictionary<string, List<byte>> Keys { get; } = new();

        public List<byte>? Pending { get; set; }

        public int PendingLength { get; set; }

        public string? Direction { get; set; }

        public byte[] Key(string name) => Keys.TryGetValue(name, out List<byte>? key) ? key.ToArray() : Array.Empty<byte>();
    }
}
