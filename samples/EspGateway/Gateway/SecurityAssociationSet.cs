using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading;
using Ipsec.Packets;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace EspGateway.Gateway;

/// <summary>
/// The gateway's SAs: the control plane adds, switches and retires them under a lock; the data path reads an immutable
/// <see cref="SecurityAssociationSnapshot"/> without locking. A retired inbound SA keeps accepting packets for the drain
/// time, then leaves the snapshot; it is disposed (keys zeroed) a grace period later, when no worker can still hold it.
/// </summary>
internal sealed class SecurityAssociationSet : IDisposable
{
    private static readonly TimeSpan DisposeGrace = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private readonly IPAddress _local;
    private readonly IPAddress _peer;
    private readonly int _pathMtu;
    private readonly ushort _peerPort;
    private ushort _localPort;
    private readonly List<Entry> _entries = [];
    private readonly List<(EspProcessor Processor, long DisposeAtTicks)> _graveyard = [];
    private Entry? _outbound;
    private SecurityAssociationSnapshot _snapshot = SecurityAssociationSnapshot.Empty;

    public SecurityAssociationSet(GatewayOptions options)
    {
        _local = options.Local;
        _peer = options.Peer.Address;
        _peerPort = (ushort)options.Peer.Port;
        _localPort = (ushort)options.Port;
        _pathMtu = options.PathMtu;
    }

    /// <summary>Raised (under the lock) after the snapshot changed, with the new one.</summary>
    public event Action<SecurityAssociationSnapshot>? Changed;

    public SecurityAssociationSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>Adds the file's SAs not yet installed; inbound ones accept at once, outbound ones wait for <see cref="Switch"/>
    /// unless no outbound SA is in use yet.</summary>
    /// <returns>A one-line summary per SA added.</returns>
    /// <exception cref="SaFileException">The file is invalid; the message names the file, line and field, never a key.</exception>
    public string Add(string file)
    {
        List<SaDefinition> definitions = SaFileReader.Read(file);
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (SaDefinition definition in definitions)
            {
                bool outbound = definition.Source.Equals(_local) && definition.Destination.Equals(_peer);
                bool inbound = definition.Source.Equals(_peer) && definition.Destination.Equals(_local);
                if (!definition.IsEsp || definition.Mode != IpsecMode.Tunnel || !(outbound || inbound))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"skipped {definition} (not tunnel-mode ESP between {_local} and {_peer})");
                    continue;
                }

                if (_entries.Exists(e => e.Spi == definition.Spi && e.Outbound == outbound))
                {
                    continue;
                }

                EspProcessor processor = CreateProcessor(definition, outbound);
                if (outbound && _outbound is not null)
                {
                    // Where the peer is now (it may have moved since the gateway started).
                    processor.UpdateEndpoints(_outbound.Processor.LocalEndpoint, _outbound.Processor.RemoteEndpoint);
                }

                var entry = new Entry(definition.Spi, outbound, processor);
                _entries.Add(entry);
                if (outbound && _outbound is null)
                {
                    _outbound = entry;
                }

                if (!outbound && definition.ReplayWindowSize == 0)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"warning: inbound spi 0x{definition.Spi:x8} has no replay window (replay-window 0)");
                }

                text.AppendLine(CultureInfo.InvariantCulture, $"added {(outbound ? "outbound" : "inbound")} {definition}");
            }

            Publish();
        }

        return text.ToString();
    }

    /// <summary>Re-reads <paramref name="file"/>: adds new SAs, sends with the last outbound SA it lists, retires the SAs it no longer lists.</summary>
    public string Reload(string file, TimeSpan drain)
    {
        string added = Add(file);
        List<SaDefinition> definitions = SaFileReader.Read(file);
        var text = new StringBuilder(added);
        lock (_gate)
        {
            uint? lastOutbound = null;
            foreach (SaDefinition d in definitions)
            {
                if (d.Source.Equals(_local) && d.Destination.Equals(_peer))
                {
                    lastOutbound = d.Spi;
                }
            }

            if (lastOutbound is uint spi)
            {
                text.Append(Switch(spi));
            }

            foreach (Entry entry in _entries.ToArray())
            {
                bool listed = definitions.Exists(d => d.Spi == entry.Spi && (d.Source.Equals(_local) == entry.Outbound));
                if (!listed && entry.RetireAtTicks == 0)
                {
                    text.Append(Retire(entry.Spi, drain));
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Sends with the outbound SA <paramref name="spi"/> from now on.</summary>
    public string Switch(uint spi)
    {
        lock (_gate)
        {
            Entry? entry = _entries.Find(e => e.Spi == spi && e.Outbound && e.RetireAtTicks == 0);
            if (entry is null)
            {
                return $"error: no outbound SA 0x{spi:x8}\n";
            }

            if (_outbound is not null && _outbound != entry)
            {
                entry.Processor.UpdateEndpoints(_outbound.Processor.LocalEndpoint, _outbound.Processor.RemoteEndpoint);
            }

            _outbound = entry;
            Publish();
            return $"outbound now spi 0x{spi:x8}\n";
        }
    }

    /// <summary>Retires SA <paramref name="spi"/> (either direction): an inbound SA drains for <paramref name="drain"/> first.</summary>
    public string Retire(uint spi, TimeSpan drain)
    {
        lock (_gate)
        {
            var text = new StringBuilder();
            foreach (Entry entry in _entries)
            {
                if (entry.Spi != spi || entry.RetireAtTicks != 0)
                {
                    continue;
                }

                if (entry == _outbound)
                {
                    text.Append(CultureInfo.InvariantCulture, $"error: 0x{spi:x8} is the outbound SA in use; switch first\n");
                    continue;
                }

                entry.RetireAtTicks = Environment.TickCount64 + (long)(entry.Outbound ? TimeSpan.Zero : drain).TotalMilliseconds;
                text.Append(CultureInfo.InvariantCulture, $"retiring {(entry.Outbound ? "outbound" : "inbound")} spi 0x{spi:x8} after {(entry.Outbound ? 0 : (int)drain.TotalMilliseconds)} ms\n");
            }

            return text.Length == 0 ? $"error: no SA 0x{spi:x8}\n" : text.ToString();
        }
    }

    /// <summary>Our UDP port changed: the outbound processors say so in the endpoints they hand out.</summary>
    public void SetLocalPort(int port)
    {
        lock (_gate)
        {
            _localPort = (ushort)port;
            foreach (Entry entry in _entries)
            {
                if (entry.Outbound)
                {
                    EspProcessor processor = entry.Processor;
                    processor.UpdateEndpoints(processor.LocalEndpoint.WithPort(_localPort), processor.RemoteEndpoint);
                }
            }
        }
    }

    /// <summary>Removes drained SAs from the snapshot and disposes those past their grace period; called periodically.</summary>
    public void Housekeep()
    {
        lock (_gate)
        {
            long now = Environment.TickCount64;
            bool changed = false;
            for (int i = _entries.Count - 1; i >= 0; i--)
            {
                Entry entry = _entries[i];
                if (entry.RetireAtTicks != 0 && entry.RetireAtTicks <= now)
                {
                    _entries.RemoveAt(i);
                    _graveyard.Add((entry.Processor, now + (long)DisposeGrace.TotalMilliseconds));
                    changed = true;
                }
            }

            if (changed)
            {
                Publish();
            }

            for (int i = _graveyard.Count - 1; i >= 0; i--)
            {
                if (_graveyard[i].DisposeAtTicks <= now)
                {
                    _graveyard[i].Processor.Dispose();
                    _graveyard.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>One line per installed SA with its counters.</summary>
    public void AppendStatistics(StringBuilder text)
    {
        lock (_gate)
        {
            foreach (Entry entry in _entries)
            {
                SecurityAssociationStatistics s = entry.Processor.SecurityAssociation.Statistics;
                text.Append(CultureInfo.InvariantCulture,
                    $"sa 0x{entry.Spi:x8} {(entry.Outbound ? "outbound" : "inbound")}{(entry == _outbound ? " current" : string.Empty)}{(entry.RetireAtTicks != 0 ? " retiring" : string.Empty)}: ");
                text.Append(CultureInfo.InvariantCulture,
                    $"protected {s.PacketsProtected} unprotected {s.PacketsUnprotected} replay_drops {s.ReplayDrops} auth_failures {s.AuthenticationFailures}\n");
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (Entry entry in _entries)
            {
                entry.Processor.Dispose();
            }

            foreach ((EspProcessor processor, _) in _graveyard)
            {
                processor.Dispose();
            }

            _entries.Clear();
            _graveyard.Clear();
            _snapshot = SecurityAssociationSnapshot.Empty;
        }
    }

    private void Publish()
    {
        var inbound = new List<EspProcessor>();
        foreach (Entry entry in _entries)
        {
            if (!entry.Outbound)
            {
                inbound.Add(entry.Processor);
            }
        }

        var snapshot = new SecurityAssociationSnapshot(inbound.ToArray(), _outbound?.Processor);
        Volatile.Write(ref _snapshot, snapshot);
        Changed?.Invoke(snapshot);
    }

    /// <summary>
    /// The SA of the file and its processor for the socket path: tunnel mode between the outer addresses, ESP in UDP on the
    /// gateway's ports (whatever encapsulation the file names: the gateway always speaks RFC 3948), path MTU as configured.
    /// </summary>
    private EspProcessor CreateProcessor(SaDefinition d, bool outbound)
    {
        EspSecurityAssociation sa;
        try
        {
            sa = new EspSecurityAssociation(new EspSecurityAssociationOptions
            {
                Spi = d.Spi,
                Encryption = d.Encryption!,
                EncryptionKey = d.EncryptionKey,
                Integrity = d.Integrity,
                IntegrityKey = d.IntegrityKey,
                ExtendedSequenceNumbers = d.ExtendedSequenceNumbers,
                ReplayWindowSize = Math.Min(d.ReplayWindowSize, EspSecurityAssociationOptions.MaximumReplayWindowSize),
                InitialInboundSequenceNumber = d.InboundSequenceNumber,
                InitialOutboundSequenceNumber = d.OutboundSequenceNumber,
            });
        }
        catch (ArgumentException e)
        {
            throw new SaFileException(d.File, d.Location, "spi 0x" + d.Spi.ToString("x8", CultureInfo.InvariantCulture), e.Message.Split('\n')[0]);
        }

        try
        {
            return new EspProcessor(sa, new EspProcessorOptions
            {
                Mode = IpsecMode.Tunnel,
                TunnelSource = d.Source,
                TunnelDestination = d.Destination,
                UdpEncapsulation = true,
                UdpSourcePort = outbound ? _localPort : _peerPort,
                UdpDestinationPort = outbound ? _peerPort : _localPort,
                Mtu = _pathMtu,
            });
        }
        catch (ArgumentException e)
        {
            sa.Dispose();
            throw new SaFileException(d.File, d.Location, "src/dst", e.Message.Split('\n')[0]);
        }
    }

    private sealed class Entry(uint spi, bool outbound, EspProcessor processor)
    {
        public uint Spi { get; } = spi;

        public bool Outbound { get; } = outbound;

        public EspProcessor Processor { get; } = processor;

        public long RetireAtTicks { get; set; }
    }
}
