using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using EspGateway.Linux;
using Ipsec.Packets;

namespace EspGateway.Gateway;

/// <summary>
/// Sets the gateway up (SAs, TUN device and its addresses and routes, one UDP socket per worker), runs a pair of threads
/// per worker (TUN to UDP, UDP to TUN) plus a housekeeping thread, and prints statistics on demand and at exit.
/// </summary>
internal sealed class GatewayHost : IDisposable
{
    private readonly GatewayOptions _options;
    private readonly SecurityAssociationSet _sas;
    private readonly TunDevice _tun;
    private readonly GatewayContext _context;
    private readonly List<OutboundWorker> _outbound = [];
    private readonly List<InboundWorker> _inbound = [];
    private readonly List<WorkerCounters> _counters = [];
    private readonly List<Thread> _threads = [];
    private readonly object _portGate = new();
    private readonly long _startTicks = Environment.TickCount64;
    private readonly long _startAllocated = GC.GetTotalAllocatedBytes(precise: true);
    private readonly bool _gso;
    private readonly bool _gro;
    private int _port;

    public GatewayHost(GatewayOptions options)
    {
        _options = options;
        _port = options.Port;
        _sas = new SecurityAssociationSet(options);
        Console.Write(_sas.Add(options.SaFile));
        SecurityAssociationSnapshot snapshot = _sas.Current;
        if (snapshot.Outbound is null)
        {
            throw new InvalidOperationException($"{options.SaFile}: no tunnel-mode ESP SA from {options.Local} to {options.Peer.Address}");
        }

        _tun = TunDevice.Open(options.TunName, options.Workers, options.Offload);
        int mtu = options.TunMtu > 0 ? options.TunMtu : snapshot.InnerMtu;
        LinkSetup.Configure(options.TunName, mtu, options.Addresses.ToArray(), options.Routes.ToArray());
        _context = new GatewayContext(options, _sas, _tun.VnetHeader);
        bool gso = true, gro = true;
        for (int i = 0; i < options.Workers; i++)
        {
            int socket = UdpSocket.Open(options.Local, options.Port, options.Offload, out bool workerGso, out bool workerGro);
            gso &= workerGso;
            gro &= workerGro;
            var outboundCounters = new WorkerCounters();
            var inboundCounters = new WorkerCounters();
            _counters.Add(outboundCounters);
            _counters.Add(inboundCounters);
            _outbound.Add(new OutboundWorker(_context, _tun.Queues[i], socket, workerGso, outboundCounters));
            _inbound.Add(new InboundWorker(_context, _tun.Queues[i], socket, workerGro, inboundCounters));
        }

        _gso = gso;
        _gro = gro;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gateway {options.TunName}: mtu {mtu} (inner MTU {snapshot.InnerMtu} at path MTU {options.PathMtu}), udp {options.Local}:{options.Port} -> {options.Peer}, " +
            $"{options.Workers} worker(s), tun offload {(_tun.VnetHeader ? "on" : "off")}, udp gso {(gso ? "on" : "off")}, gro {(gro ? "on" : "off")}"));
    }

    public GatewayContext Context => _context;

    public SecurityAssociationSet SecurityAssociations => _sas;

    public void Start()
    {
        for (int i = 0; i < _outbound.Count; i++)
        {
            OutboundWorker outbound = _outbound[i];
            InboundWorker inbound = _inbound[i];
            _threads.Add(new Thread(outbound.Run) { Name = $"tun-to-udp-{i}", IsBackground = true });
            _threads.Add(new Thread(inbound.Run) { Name = $"udp-to-tun-{i}", IsBackground = true });
        }

        _threads.Add(new Thread(Housekeep) { Name = "housekeeping", IsBackground = true });
        foreach (Thread thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Moves every worker to new sockets bound to <paramref name="port"/>; the peer follows at our next packet.</summary>
    public string ChangePort(int port)
    {
        lock (_portGate)
        {
            var sockets = new int[_outbound.Count];
            for (int i = 0; i < sockets.Length; i++)
            {
                sockets[i] = UdpSocket.Open(_options.Local, port, _options.Offload, out _, out _);
            }

            for (int i = 0; i < sockets.Length; i++)
            {
                _outbound[i].Socket = sockets[i];
                _inbound[i].ReplaceSocket(sockets[i], port);
            }

            _sas.SetLocalPort(port);

            _port = port;
            return string.Create(CultureInfo.InvariantCulture, $"local port now {port}\n");
        }
    }

    public void Stop() => _context.Stop();

    public void WaitForExit()
    {
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
    }

    /// <summary>The statistics as "name value" lines, then one line per SA.</summary>
    public string FormatStatistics()
    {
        var totals = new long[32];
        var refused = new long[Enum.GetValues<IpsecStatus>().Length];
        long allocated = 0, packetsAfterWarmup = 0;
        foreach (WorkerCounters c in _counters)
        {
            long[] values =
            [
                c.TunReads, c.TunSegmentsCut, c.EspPacketsSent, c.EspBytesSent, c.SendCalls, c.GsoSends, c.SendErrors,
                c.EspPacketsReceived, c.EspBytesReceived, c.ReceiveCalls, c.GroDatagrams, c.InnerPacketsDelivered, c.InnerBytesDelivered,
                c.TunPacketsWritten, c.TunWriteErrors, c.TunCoalescedWrites, c.NonEspDropped, c.InnerMalformed, c.NoOutboundSa, c.TooBigDropped, c.IcmpTooBigSent, c.PeerEndpointUpdates,
            ];
            for (int i = 0; i < values.Length; i++)
            {
                totals[i] += values[i];
            }

            for (int i = 0; i < refused.Length; i++)
            {
                refused[i] += c.Refused[i];
            }

            allocated += c.AllocatedBytesAfterWarmup;
            packetsAfterWarmup += c.PacketsAfterWarmup;
        }

        string[] names =
        [
            "tun_reads", "tun_segments_cut", "esp_packets_sent", "esp_bytes_sent", "sendmmsg_calls", "udp_gso_sends", "send_errors",
            "esp_packets_received", "esp_bytes_received", "recvmmsg_calls", "udp_gro_datagrams", "inner_packets_delivered", "inner_bytes_delivered",
            "tun_writes", "tun_write_errors", "tun_coalesced_writes", "non_esp_dropped", "inner_malformed", "no_outbound_sa", "too_big_dropped", "icmp_too_big_sent", "peer_endpoint_updates",
        ];
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"uptime_ms {Environment.TickCount64 - _startTicks}\n");
        for (int i = 0; i < names.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{names[i]} {totals[i]}\n");
        }

        long refusedTotal = 0;
        foreach (IpsecStatus status in Enum.GetValues<IpsecStatus>())
        {
            if (status != IpsecStatus.Success)
            {
                text.Append(CultureInfo.InvariantCulture, $"refused_{status} {refused[(int)status]}\n");
                refusedTotal += refused[(int)status];
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"refused_total {refusedTotal}\n");
        text.Append(CultureInfo.InvariantCulture, $"peer {_sas.Current.Outbound?.RemoteEndpoint.ToString() ?? "none"}\n");
        text.Append(CultureInfo.InvariantCulture, $"local_port {_port}\n");
        text.Append(CultureInfo.InvariantCulture, $"datapath_packets_after_warmup {packetsAfterWarmup}\n");
        text.Append(CultureInfo.InvariantCulture, $"datapath_allocated_bytes_after_warmup {allocated}\n");
        text.Append(CultureInfo.InvariantCulture, $"datapath_allocated_bytes_per_packet {(packetsAfterWarmup == 0 ? 0 : (double)allocated / packetsAfterWarmup):0.######}\n");
        text.Append(CultureInfo.InvariantCulture, $"process_allocated_bytes {GC.GetTotalAllocatedBytes(precise: true) - _startAllocated}\n");
        text.Append(CultureInfo.InvariantCulture, $"gc_collections {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)}\n");
        text.Append(CultureInfo.InvariantCulture, $"offload tun {(_tun.VnetHeader ? "on" : "off")} gso {(_gso ? "on" : "off")} gro {(_gro ? "on" : "off")}\n");
        _sas.AppendStatistics(text);
        return text.ToString();
    }

    /// <summary>Prints the statistics and writes them to the stats file if one is configured.</summary>
    public void ReportStatistics(string reason)
    {
        string text = FormatStatistics();
        Console.Write($"--- statistics ({reason})\n{text}");
        if (_options.StatsFile is string path)
        {
            string temporary = path + ".tmp";
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
    }

    private void Housekeep()
    {
        while (!_context.Stopping)
        {
            _sas.Housekeep();
            _context.Nap(100);
        }
    }

    public void Dispose()
    {
        var closed = new HashSet<int>();
        foreach (OutboundWorker worker in _outbound)
        {
            if (closed.Add(worker.Socket))
            {
                Native.Close(worker.Socket);
            }

            worker.Dispose();
        }

        foreach (InboundWorker worker in _inbound)
        {
            if (closed.Add(worker.Socket))
            {
                Native.Close(worker.Socket);
            }

            worker.Dispose();
        }

        _tun.Dispose();
        _sas.Dispose();
    }
}
