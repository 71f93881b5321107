using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Gateway;

/// <summary>
/// Two network namespaces joined by a veth pair (outer addresses 192.168.77.1 and .2, only between them), an EspGateway
/// in each (inner 10.10.0.1 and 10.20.0.1 on their TUN devices), and the tools to drive them: commands inside a namespace,
/// the gateways' control sockets and statistics. Names carry the process id so parallel runs do not collide; Dispose
/// stops the gateways and deletes the namespaces (and with them the veth and TUN devices), also after a failure.
/// </summary>
public sealed class GatewayLab : IDisposable
{
    public const string OuterA = "192.168.77.1";
    public const string OuterB = "192.168.77.2";
    public const string InnerA = "10.10.0.1";
    public const string InnerB = "10.20.0.1";
    public const string DebianPython = "/usr/bin/python3";

    private readonly List<Process> _gateways = [];
    private readonly Dictionary<Process, StringBuilder> _logs = [];

    public GatewayLab()
    {
        string id = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        NamespaceA = "espgwa" + id;
        NamespaceB = "espgwb" + id;
        Directory = Path.Combine(Path.GetTempPath(), "espgw-" + id);
        System.IO.Directory.CreateDirectory(Directory);
        Cleanup();
        Run("ip", $"netns add {NamespaceA}");
        Run("ip", $"netns add {NamespaceB}");
        Run("ip", $"link add va{id} netns {NamespaceA} type veth peer name vb{id} netns {NamespaceB}");
        VethA = "va" + id;
        VethB = "vb" + id;
        Run("ip", $"-n {NamespaceA} addr add {OuterA}/24 dev {VethA}");
        Run("ip", $"-n {NamespaceB} addr add {OuterB}/24 dev {VethB}");
        foreach ((string ns, string dev) in new[] { (NamespaceA, VethA), (NamespaceB, VethB) })
        {
            Run("ip", $"-n {ns} link set {dev} up");
            Run("ip", $"-n {ns} link set lo up");
        }
    }

    public string NamespaceA { get; }

    public string NamespaceB { get; }

    public string VethA { get; }

    public string VethB { get; }

    /// <summary>A scratch directory for SA files, captures and logs.</summary>
    public string Directory { get; }

    public static string GatewayDll => Path.Combine(AppContext.BaseDirectory, "EspGateway.dll");

    public static string TrafficScript => Path.Combine(AppContext.BaseDirectory, "Gateway", "gateway_traffic.py");

    public string ControlA => Path.Combine(Directory, "a.sock");

    public string ControlB => Path.Combine(Directory, "b.sock");

    /// <summary>Fails (CI=true) or ignores the test, with the reason, unless this is root on Linux with ip, ping, tcpdump, python3 and /dev/net/tun.</summary>
    public static void RequireEnvironment()
    {
        Interop.InteropPrerequisite.IgnoreIfSkipRequested();
        string? missing = null;
        if (!OperatingSystem.IsLinux())
        {
            missing = "the gateway tests need Linux";
        }
        else if (Environment.UserName != "root")
        {
            missing = "the gateway tests need root (network namespaces, TUN devices)";
        }
        else if (!File.Exists("/dev/net/tun"))
        {
            missing = "/dev/net/tun is missing";
        }
        else
        {
            foreach (string tool in new[] { "/usr/sbin/ip", "/usr/bin/ping", "/usr/bin/tcpdump", DebianPython })
            {
                if (!File.Exists(tool) && !File.Exists(tool.Replace("/usr/sbin/", "/sbin/", StringComparison.Ordinal).Replace("/usr/bin/", "/bin/", StringComparison.Ordinal)))
                {
                    missing = $"{tool} is missing (Debian: iproute2, iputils-ping, tcpdump, python3)";
                    break;
                }
            }
        }

        if (missing is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(missing + " (.ci/run installs the packages and runs as root)");
        }

        Assert.Ignore(missing);
    }

    /// <summary>Writes an `ip xfrm state` file with one SA each way (AES-GCM-128 unless <paramref name="aead"/> says otherwise).</summary>
    public string WriteSaFile(string name, uint spiAToB, uint spiBToA, string keyAToB, string keyBToA, string aead = "rfc4106(gcm(aes))")
    {
        string path = Path.Combine(Directory, name);
        string Sa(string src, string dst, uint spi, string key) =>
            $"src {src} dst {dst}\n\tproto esp spi 0x{spi:x8} reqid 1 mode tunnel\n\treplay-window 1024 flag esn\n\taead {aead} 0x{key} 128\n";
        File.WriteAllText(path, Sa(OuterA, OuterB, spiAToB, keyAToB) + Sa(OuterB, OuterA, spiBToA, keyBToA));
        return path;
    }

    /// <summary>Starts both gateways with <paramref name="saFile"/> and the options <paramref name="extra"/> (B also with
    /// <paramref name="extraB"/>), and waits until both control sockets answer.</summary>
    public void StartGateways(string saFile, string[] extra, string[] extraB)
    {
        StartGateway(NamespaceA, saFile, OuterA, OuterB, InnerA, "10.20.0.0/24", ControlA, "espa", extra);
        StartGateway(NamespaceB, saFile, OuterB, OuterA, InnerB, "10.10.0.0/24", ControlB, "espb", [.. extra, .. extraB]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (string control in new[] { ControlA, ControlB })
        {
            while (true)
            {
                try
                {
                    Control(control, "stats");
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline && _gateways.TrueForAll(p => !p.HasExited))
                {
                    System.Threading.Thread.Sleep(100);
                }
            }
        }
    }

    private void StartGateway(string ns, string saFile, string local, string peer, string inner, string route, string control, string tun, string[] extra)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
                 {
                     "netns", "exec", ns, "dotnet", GatewayDll, "--sa", saFile, "--local", local, "--peer", peer,
                     "--address", inner + "/32", "--route", route, "--tun", tun, "--control", control,
                     "--stats-file", control + ".stats",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string arg in extra)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _gateways.Add(process);
        _logs[process] = log;
    }

    public Process GatewayA => _gateways[0];

    public Process GatewayB => _gateways[1];

    public string Log(Process gateway)
    {
        StringBuilder log = _logs[gateway];
        lock (log)
        {
            return log.ToString();
        }
    }

    /// <summary>Sends one control command and returns the answer.</summary>
    public static string Control(string socketPath, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        socket.Send(Encoding.UTF8.GetBytes(command + "\n"));
        socket.Shutdown(SocketShutdown.Send);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            answer.Write(buffer, 0, n);
        }

        return Encoding.UTF8.GetString(answer.ToArray());
    }

    /// <summary>The "name value" lines of the gateway's statistics.</summary>
    public static Dictionary<string, string> Stats(string socketPath) => ParseStats(Control(socketPath, "stats"));

    public static Dictionary<string, string> ParseStats(string text)
    {
        var stats = new Dictionary<string, string>();
        foreach (string line in text.Split('\n'))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && !line.StartsWith("sa ", StringComparison.Ordinal))
            {
                stats[line[..space]] = line[(space + 1)..];
            }
        }

        return stats;
    }

    public static long Counter(Dictionary<string, string> stats, string name) => long.Parse(stats[name], CultureInfo.InvariantCulture);

    /// <summary>Starts a command inside a namespace.</summary>
    public static Process StartIn(string ns, string file, params string[] args)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("netns");
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(ns);
        info.ArgumentList.Add(file);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    /// <summary>Runs a command inside a namespace to its end (at most <paramref name="timeoutSeconds"/>); returns exit code and output.</summary>
    public static (int ExitCode, string Output) RunIn(string ns, int timeoutSeconds, string file, params string[] args)
    {
        using Process process = StartIn(ns, file, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"timed out after {timeoutSeconds} s: {file} {string.Join(' ', args)}\n{stdout.Result}{stderr.Result}");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Stops both gateways with `quit` on their control sockets (SIGTERM's path), killing them if they hang.</summary>
    public List<(int ExitCode, string Log)> StopGateways()
    {
        var results = new List<(int, string)>();
        foreach ((Process gateway, string control) in new[] { (GatewayA, ControlA), (GatewayB, ControlB) })
        {
            if (!gateway.HasExited)
            {
                try
                {
                    Control(control, "quit");
                }
                catch (SocketException)
                {
                    // Already gone; the exit code tells.
                }

                if (!gateway.WaitForExit(15_000))
                {
                    gateway.Kill();
                }
            }

            gateway.WaitForExit();
            results.Add((gateway.ExitCode, Log(gateway)));
        }

        return results;
    }

    public void Dispose()
    {
        foreach (Process gateway in _gateways)
        {
            try
            {
                if (!gateway.HasExited)
                {
                    gateway.Kill();
                    gateway.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }

            gateway.Dispose();
        }

        Cleanup();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private void Cleanup()
    {
        foreach (string ns in new[] { NamespaceA, NamespaceB })
        {
            // Deleting the namespace takes its veth end and TUN device with it; processes still inside are killed first.
            (int _, string pids) = TryRun("ip", $"netns pids {ns}");
            foreach (string pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                TryRun("kill", "-9 " + pid);
            }

            TryRun("ip", $"netns del {ns}");
        }
    }

    private static void Run(string file, string args)
    {
        (int code, string output) = TryRun(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {args}: {output}");
        }
    }

    private static (int ExitCode, string Output) TryRun(string file, string args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
