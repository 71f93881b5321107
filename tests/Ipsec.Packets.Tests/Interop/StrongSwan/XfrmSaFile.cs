using System;
using System.Collections.Generic;
using System.Text;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>Writes negotiated SAs in the text form <c>ip xfrm state</c> prints, which the tool's <c>--sa</c> reads.</summary>
public static class XfrmSaFile
{
    /// <param name="proposal">The negotiated proposal.</param>
    /// <param name="sas">The SAs, each with its own SPI and direction.</param>
    /// <param name="lastSequenceNumbers">
    /// Optional per SPI: the last sequence number sent (outbound SA) or received (inbound SA), written as the
    /// anti-replay context's oseq or seq so that a reader continues where charon stopped.
    /// </param>
    public static string Write(StrongSwanProposal proposal, IEnumerable<NegotiatedEspSa> sas, IReadOnlyDictionary<uint, (uint Seq, uint Oseq)>? lastSequenceNumbers = null)
    {
        var text = new StringBuilder();
        foreach (NegotiatedEspSa sa in sas)
        {
            text.Append("src ").Append(sa.Source).Append(" dst ").Append(sa.Destination).Append('\n');
            text.Append("\tproto esp spi 0x").Append(sa.Spi.ToString("x8")).Append(" reqid 1 mode tunnel\n");
            text.Append("\treplay-window 64 flag af-unspec\n");
            string? auth = proposal.XfrmAuthLine(Convert.ToHexString(sa.IntegrityKey).ToLowerInvariant());
            if (auth is not null)
            {
                text.Append('\t').Append(auth).Append('\n');
            }

            text.Append('\t').Append(proposal.XfrmCipherLine(Convert.ToHexString(sa.EncryptionKey).ToLowerInvariant())).Append('\n');
            text.Append("\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0\n");
            if (lastSequenceNumbers is not null && lastSequenceNumbers.TryGetValue(sa.Spi, out (uint Seq, uint Oseq) last))
            {
                text.Append("\tanti-replay context: seq 0x").Append(last.Seq.ToString("x")).Append(", oseq 0x").Append(last.Oseq.ToString("x"))
                    .Append(", bitmap 0x00000000\n");
            }
        }

        return text.ToString();
    }
}
