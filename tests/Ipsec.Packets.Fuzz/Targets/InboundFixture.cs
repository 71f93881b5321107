using System;
using System.Collections.Generic;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>
/// The receiving end of <see cref="InboundSaSpec.All"/>: an <see cref="IpsecPacketProcessor"/> over a SAD and SPD holding
/// the database SAs, and the direct ESP processors and AH SAs.
/// </summary>
internal sealed class InboundFixture : IDisposable
{
    private readonly SecurityAssociationDatabase _sad = new();
    private readonly List<IDisposable> _owned = [];

    public InboundFixture()
    {
        var spd = new SecurityPolicyDatabase();
        var direct = new List<EspProcessor>();
        var ah = new List<AhSecurityAssociation>();
        foreach (InboundSaSpec spec in InboundSaSpec.All)
        {
            if (spec.IsAh)
            {
                AhSecurityAssociation sa = spec.CreateAh();
                _owned.Add(sa);
                ah.Add(sa);
            }
            else if (spec.InDatabase)
            {
                SecurityPolicy policy = spec.CreatePolicy();
                spd.Add(policy);
                _sad.Add(spec.CreateEspProcessor(), SecurityAssociationDirection.Inbound, spec.Local, policy: policy);
            }
            else
            {
                EspProcessor processor = spec.CreateEspProcessor();
                _owned.Add(processor);
                direct.Add(processor);
            }
        }

        Processor = new IpsecPacketProcessor(_sad, spd);
        DirectEsp = [.. direct];
        DirectAh = [.. ah];
    }

    /// <summary>The real inbound path: parse, SAD lookup, replay check, unprotect, decapsulation, policy check.</summary>
    public IpsecPacketProcessor Processor { get; }

    /// <summary>ESP processors called without the SAD.</summary>
    public EspProcessor[] DirectEsp { get; }

    /// <summary>AH SAs, called directly (the packet processor handles ESP only).</summary>
    public AhSecurityAssociation[] DirectAh { get; }

    public void Dispose()
    {
        _sad.Dispose();
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }
    }
}
