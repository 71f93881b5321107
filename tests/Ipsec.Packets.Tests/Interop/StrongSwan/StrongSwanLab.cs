using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// Two network namespaces joined by a veth pair, a strongSwan 5.9.8 charon in each (kernel-libipsec: userspace ESP over the
/// TUN device ipsec0, all ESP in UDP 4500), inner addresses on <c>lo</c>, and the traffic script's echo/TCP servers on both
/// inner addresses. Each charon runs in its own mount namespace with a private tmpfs over /run (its pidfile path is fixed)
/// and its own strongswan.conf, vici socket and log. Names carry the process id and a counter; <see cref="Dispose"/> kills
/// every process it started (by id) and deletes both namespaces, also after a failure.
/// </summary>
public sealed partial class StrongSwanLab : IDisposable
{
    public const string InitiatorOuter = "192.0.2.1";
    public const string ResponderOuter = "192.0.2.2";
    public const string InitiatorInner = "198.51.100.1";
    public const string ResponderInner = "198.51.100.2";
    public const string TunDevice = "ipsec0";
    public const string CharonPath = "/usr/lib/ipsec/charon";
    public const string SwanctlPath = "/usr/sbin/swanctl";
    public const string PythonPath = "/usr/bin/python3";

    private static int s_counter;
    private readonly List<Process> _processes = new();
    private readonly Process?[] _charons = new Process?[2];
    private bool _disposed;

    private StrongSwanLab()
    {
        string name = "sw" + Environment.ProcessId.ToString("x") + "x" + Interlocked.Increment(ref s_counter);
        InitiatorNamespace = name + "i";
        ResponderNamespace = name + "r";
        Root = Path.Combine(Path.GetTempPath(), "ipsec-strongswan-" + name);
        Directory.CreateDirectory(Root);
    }

    public string InitiatorNamespace { get; }

    public string ResponderNamespace { get; }

    /// <summary>The veth end in each namespace carries the namespace's name.</summary>
    public string InitiatorVeth => InitiatorNamespace;

    public string ResponderVeth => ResponderNamespace;

    /// <summary>The lab's temporary directory (configurations, logs, captures).</summary>
    public string Root { get; }

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Interop", "StrongSwan", "strongswan_traffic.py");

    /// <summary>
    /// Ignores the test with the reason on a machine without root, strongSwan, tcpdump or python3; in CI (CI=true) fails it.
    /// </summary>
    public static void RequireEnvironment()
    {
        InteropPrerequisite.IgnoreIfSkipRequested();
        string? missing = !OperatingSystem.IsLinux() ? "Linux"
            : !LabProcess.IsRoot ? "root (network namespaces)"
            : !File.Exists(CharonPath) ? "strongSwan's charon (Debian strongswan-charon, libcharon-extra-plugins, libstrongswan-standard-plugins)"
            : !File.Exists("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so") ? "strongSwan's kernel-libipsec plugin (libcharon-extra-plugins)"
            : !File.Exists(SwanctlPath) ? "swanctl (strongswan-swanctl)"
            : !File.Exists("/usr/bin/tcpdump") ? "tcpdump"
            : !File.Exists(PythonPath) ? "python3"
            : !File.Exists("/usr/bin/ping") && !File.Exists("/bin/ping") ? "ping (iputils-ping)"
            : null;
        if (missing is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"the strongSwan interop tests need {missing}; with CI=true they must run (.ci/run runs as root and installs the packages)");
        }

        Assert.Ignore($"the strongSwan interop tests need {missing}; run as root with Debian's strongSwan packages installed");
    }

    /// <summary>Builds the namespaces and starts both charons and the traffic servers.</summary>
    public static StrongSwanLab Create()
    {
        var lab = new StrongSwanLab();
        // Namespaces and daemons must not outlive a test host that exits without running the teardown.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => lab.Dispose();
        try
        {
            lab.BuildNetwork();
            lab.StartCharon(initiator: true);
            lab.StartCharon(initiator: false);
            lab.StartServer(lab.ResponderNamespace, ResponderInner);
            lab.StartServer(lab.InitiatorNamespace, InitiatorInner);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private string SideDirectory(bool initiator) => Path.Combine(Root, initiator ? "initiator" : "responder");

    private string Namespace(bool initiator) => initiator ? InitiatorNamespace : ResponderNamespace;

    public string CharonLog(bool initiator) => Path.Combine(SideDirectory(initiator), "charon.log");

    private string Vici(bool initiator) => "unix://" + Path.Combine(SideDirectory(initiator), "charon.vici");

    private string SwanctlConf => Path.Combine(Root, "swanctl-strongswan.conf");

    private void BuildNetwork()
    {
        LabProcess.Check("ip", "netns", "add", InitiatorNamespace);
        LabProcess.Check("ip", "netns", "add", ResponderNamespace);
        LabProcess.Check("ip", "link", "add", InitiatorVeth, "netns", InitiatorNamespace, "type", "veth", "peer", "name", ResponderVeth, "netns", ResponderNamespace);
        foreach ((string ns, string veth, string outer, string inner) in new[]
        {
            (InitiatorNamespace, InitiatorVeth, InitiatorOuter, InitiatorInner),
            (ResponderNamespace, ResponderVeth, ResponderOuter, ResponderInner),
        })
        {
            // No IPv6: nothing but the test's own IPv4 traffic reaches the captures.
            LabProcess.Check("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            LabProcess.Check("ip", "-n", ns, "addr", "add", outer + "/24", "dev", veth);
            LabProcess.Check("ip", "-n", ns, "addr", "add", inner + "/32", "dev", "lo");
            LabProcess.Check("ip", "-n", ns, "link", "set", "lo", "up");
            LabProcess.Check("ip", "-n", ns, "link", "set", veth, "up");
        }

        File.WriteAllText(SwanctlConf, "swanctl {\n  load = random nonce\n}\n");
    }

    /// <summary>Starts (or restarts) one side's charon and waits for its vici socket.</summary>
    public void StartCharon(bool initiator)
    {
        string directory = SideDirectory(initiator);
        Directory.CreateDirectory(directory);
        string conf = Path.Combine(directory, "strongswan.conf");
        File.WriteAllText(conf, $$"""
            charon {
              load = random nonce kdf openssl aes sha1 sha2 hmac gcm kernel-libipsec kernel-netlink socket-default vici
              install_routes = yes
              plugins {
                vici {
                  socket = {{Vici(initiator)}}
                }
              }
              filelog {
                lab {
                  path = {{CharonLog(initiator)}}
                  append = yes
                  flush_line = yes
                  default = 1
                  ike = 2
                  chd = 4
                }
              }
            }
            """);
        string socket = Path.Combine(directory, "charon.vici");
        File.Delete(socket);
        Process charon = LabProcess.Background(
            $"ip netns exec {Namespace(initiator)} unshare -m sh -c 'mount -t tmpfs lab /run && exec {CharonPath}'",
            Path.Combine(directory, "charon.out"),
            conf);
        _processes.Add(charon);
        _charons[initiator ? 0 : 1] = charon;
        LabProcess.WaitFor(() => File.Exists(socket) && Swanctl(initiator, false, "--stats").ExitCode == 0, $"charon in {Namespace(initiator)}");
    }

    /// <summary>Kills one side's charon with SIGKILL: no IKE DELETE reaches the peer.</summary>
    public void KillCharon(bool initiator)
    {
        if (_charons[initiator ? 0 : 1] is { } charon)
        {
            LabProcess.KillNow(charon);
            _charons[initiator ? 0 : 1] = null;
        }
    }

    private void StartServer(string ns, string address)
    {
        string log = Path.Combine(Root, "server-" + ns + ".log");
        _processes.Add(LabProcess.Background($"ip netns exec {ns} {PythonPath} -u {ScriptPath} serve {address}", log));
        LabProcess.WaitFor(() => File.Exists(log) && LabProcess.ReadShared(log).Contains("serving", StringComparison.Ordinal), "traffic server in " + ns);
    }

    public (int ExitCode, string Output, string Error) Swanctl(bool initiator, bool check, params string[] arguments)
    {
        (int code, string output, string error) = LabProcess.Run(SwanctlPath, [.. arguments, "--uri", Vici(initiator)], strongSwanConf: SwanctlConf);
        if (check && code != 0)
        {
            Assert.Fail($"swanctl {string.Join(' ', arguments)} on the {(initiator ? "initiator" : "responder")} exited with {code}: {output.Trim()} {error.Trim()}");
        }

        return (code, output, error);
    }

    /// <summary>
    /// Loads the proposal on both sides (replacing the previous connection), closes the previous IKE_SA and brings up a
    /// new IKE_SA and tunnel-mode CHILD_SA from the initiator (PSK, no ESN, DPD off, UDP encapsulation forced).
    /// </summary>
    /// <returns>The CHILD_SA as the initiator installed it: its outbound SA (initiator to responder) and its inbound SA.</returns>
    public ChildSaKeys Establish(StrongSwanProposal proposal)
    {
        foreach (bool initiator in new[] { true, false })
        {
            string file = Path.Combine(SideDirectory(initiator), "swanctl.conf");
            File.WriteAllText(file, SwanctlConnection(initiator, proposal.Keyword));
            Swanctl(initiator, true, "--load-all", "--noprompt", "--file", file);
        }

        _ = Swanctl(true, false, "--terminate", "--ike", "lab", "--timeout", "5");
        long position = new FileInfo(CharonLog(true)).Length;
        (_, string output, _) = Swanctl(true, true, "--initiate", "--child", "lab", "--timeout", "10");
        Assert.That(output, Does.Contain("selected proposal: ESP:"), "CHILD_SA for " + proposal.Keyword);
        return ReadKeys(position, 2);
    }

    /// <summary>Rekeys the CHILD_SA from the initiator and returns the new SA pair once both sides installed it.</summary>
    public ChildSaKeys Rekey()
    {
        long position = new FileInfo(CharonLog(true)).Length;
        Swanctl(true, true, "--rekey", "--child", "lab");
        LabProcess.WaitFor(() => NewSas(position).Count >= 2, "the rekeyed CHILD_SA in the initiator's log");
        return ReadKeys(position, 2);
    }

    private List<NegotiatedEspSa> NewSas(long position)
    {
        string log = LabProcess.ReadShared(CharonLog(true));
        return CharonKeyLog.Parse(log[(int)Math.Min(position, log.Length)..], loggedByExchangeInitiator: true);
    }

    private ChildSaKeys ReadKeys(long position, int expected)
    {
        List<NegotiatedEspSa> sas = NewSas(position);
        Assert.That(sas, Has.Count.EqualTo(expected), "CHILD_SA keys in the initiator's log (chd = 4)");
        NegotiatedEspSa outbound = sas.Single(s => s.Source.Equals(IPAddress.Parse(InitiatorOuter)));
        NegotiatedEspSa inbound = sas.Single(s => s.Source.Equals(IPAddress.Parse(ResponderOuter)));
        return new ChildSaKeys(outbound, inbound);
    }

    private static string SwanctlConnection(bool initiator, string espProposal)
    {
        (string local, string remote, string localTs, string remoteTs, string localId, string remoteId) = initiator
            ? (InitiatorOuter, ResponderOuter, InitiatorInner, ResponderInner, "initiator.lab", "responder.lab")
            : (ResponderOuter, InitiatorOuter, ResponderInner, InitiatorInner, "responder.lab", "initiator.lab");
        return $$"""
            connections {
              lab {
                version = 2
                local_addrs = {{local}}
                remote_addrs = {{remote}}
                encap = yes
                dpd_delay = 0
                mobike = no
                proposals = aes128-sha256-modp2048
                local {
                  auth = psk
                  id = {{localId}}
                }
                remote {
                  auth = psk
                  id = {{remoteId}}
                }
                children {
                  lab {
                    local_ts = {{localTs}}/32
                    remote_ts = {{remoteTs}}/32
                    mode = tunnel
                    esp_proposals = {{espProposal}}
                    dpd_action = none
                    close_action = none
                    rekey_time = 0
                  }
                }
              }
            }
            secrets {
              ike-lab {
                id-1 = initiator.lab
                id-2 = responder.lab
                secret = "strongSwan interop lab, not a real secret"
              }
            }
            """;
    }

    [GeneratedRegex(@"(in|out)\s+([0-9a-f]{8}),\s+(\d+) bytes,\s+(\d+) packets")]
    private static partial Regex SaCounters();

    /// <summary>The packets one side's charon counted on an SA (<c>swanctl --list-sas</c>): with nothing lost, the last sequence number.</summary>
    public uint PacketCount(bool initiator, string direction, uint spi)
    {
        (_, string output, _) = Swanctl(initiator, true, "--list-sas");
        foreach (Match match in SaCounters().Matches(output))
        {
            if (match.Groups[1].Value == direction && Convert.ToUInt32(match.Groups[2].Value, 16) == spi)
            {
                return uint.Parse(match.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"no '{direction} {spi:x8}' counters in swanctl --list-sas: {output}");
        return 0;
    }

    /// <summary>Starts tcpdump on an interface of one namespace, writing a pcap file in the lab directory.</summary>
    public PacketCapture Capture(string ns, string device, string name, string filter = "")
    {
        string path = Path.Combine(Root, name + ".pcap");
        string log = Path.Combine(Root, name + ".tcpdump.log");
        Process tcpdump = LabProcess.Background($"ip netns exec {ns} tcpdump -Z root -n -U --immediate-mode -B 32768 -s 2048 -i {device} -w '{path}' {filter}", log);
        _processes.Add(tcpdump);
        LabProcess.WaitFor(() => File.Exists(log) && LabProcess.ReadShared(log).Contains("listening on", StringComparison.Ordinal), $"tcpdump on {device} in {ns}");
        return new PacketCapture(tcpdump, path, log);
    }

    /// <summary>Runs the traffic script's client in a namespace and returns its JSON summary.</summary>
    public JsonObject Client(string ns, string source, string destination, int icmpMaximum, int udpMaximum, int tcpBytes, int paceMilliseconds = 0)
    {
        (int code, string output, string error) = LabProcess.Run("ip",
            ["netns", "exec", ns, PythonPath, ScriptPath, "client", source, destination,
             icmpMaximum.ToString(), udpMaximum.ToString(), tcpBytes.ToString(), paceMilliseconds.ToString()], timeoutSeconds: 300);
        Assert.That(code, Is.Zero, "traffic client: " + error);
        return (JsonObject)JsonNode.Parse(output.Trim().Split('\n')[^1])!;
    }

    /// <summary>Sends whole IPv4 packets out of a namespace through a raw socket (IP_HDRINCL).</summary>
    public void Inject(string ns, IEnumerable<byte[]> packets)
    {
        string input = string.Join('\n', packets.Select(Convert.ToHexString)) + "\n";
        (int code, string output, string error) = LabProcess.Run("ip", ["netns", "exec", ns, PythonPath, ScriptPath, "inject"], input);
        Assert.That(code, Is.Zero, "inject: " + output + error);
    }

    /// <summary>Starts a long-running program in a namespace (by id, stopped on dispose).</summary>
    public Process Background(string ns, string command, string logName)
    {
        Process process = LabProcess.Background($"ip netns exec {ns} {command}", Path.Combine(Root, logName));
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (Process process in _processes)
        {
            LabProcess.KillNow(process);
            process.Dispose();
        }

        // Deleting a namespace deletes its veth end (and with it the peer) and the TUN device.
        _ = LabProcess.Run("ip", ["netns", "del", InitiatorNamespace]);
        _ = LabProcess.Run("ip", ["netns", "del", ResponderNamespace]);
        if (Environment.GetEnvironmentVariable("IPSEC_STRONGSWAN_KEEP") is null)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the temporary directory is harmless.
            }
        }
    }
}

/// <summary>The two directions of one CHILD_SA as the initiator installed them.</summary>
public sealed record ChildSaKeys(NegotiatedEspSa Outbound, NegotiatedEspSa Inbound);
