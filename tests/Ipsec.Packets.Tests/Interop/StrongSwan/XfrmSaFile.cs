using System;
using System.Collections.Generic;
using System.Text;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>Writes negotiated SAs in the text form <c>ip xfrm state</c> prints, which the tool's <c>--sa</c> reads.</summary>
public static class XfrmSaFile
{
    public static string Write(StrongSwanProposal proposal, IEnumerable<NegotiatedEspSa> sas)
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
        }

        return text.ToString();
    }
}
