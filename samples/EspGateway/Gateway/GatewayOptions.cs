using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;

namespace EspGateway.Gateway;

/// <summary>
/// The gateway's local and peer configuration: everything but the keys, which come from the SA file.
/// Read from <c>--key value</c> arguments and, with <c>--config FILE</c>, from <c>key value</c> lines (arguments win).
/// </summary>
internal sealed class GatewayOptions
{
    public const string Usage = """
        usage: EspGateway --sa FILE --local ADDR --peer ADDR[:PORT] [options]
               EspGateway ctl SOCKET COMMAND...     (talk to a running gateway's control socket)
          --config FILE      read "key value" lines (same keys as the options below, without "--")
          --sa FILE          SAs in `ip xfrm state` text or JSON, as the ipsec-packets tool reads them (tunnel mode ESP)
          --local ADDR       this gateway's outer address (SAs from ADDR are outbound, SAs to ADDR inbound)
          --peer ADDR[:P]    the peer gateway's outer address and UDP port (default port 4500)
          --port N           local UDP port (default 4500)
          --tun NAME         TUN device name (default esp0)
          --address CIDR     inner address on the TUN device (repeatable)
          --route CIDR       network behind the peer, routed into the TUN device; inbound inner sources must be in one (repeatable)
          --path-mtu N       outer path MTU (default 1500); the inner MTU follows from it and the outbound SA
          --mtu N            TUN device MTU (default: the inner MTU); larger inner packets get ICMP "fragmentation needed"
          --workers N        worker pairs, each with its own TUN queue and UDP socket (SO_REUSEPORT) (default 1)
          --batch N          packets per recvmmsg/sendmmsg (default 64)
          --offload on|off   TUN TSO (IFF_VNET_HDR) and UDP GSO/GRO (default on where the kernel offers them)
          --drain-ms N       how long a retired inbound SA still accepts packets (default 1000)
          --control PATH     Unix socket for commands: stats, reload, add FILE, switch SPI, retire SPI, port N, quit
          --stats-file PATH  where SIGUSR1 and exit write the statistics (they also go to standard output)
        """;

    public string SaFile { get; private set; } = string.Empty;

    public IPAddress Local { get; private set; } = IPAddress.None;

    public IPEndPoint Peer { get; private set; } = new(IPAddress.None, 4500);

    public int Port { get; private set; } = 4500;

    public string TunName { get; private set; } = "esp0";

    public List<(IPAddress Address, int PrefixLength)> Addresses { get; } = [];

    public List<IPNetwork> Routes { get; } = [];

    public int PathMtu { get; private set; } = 1500;

    public int TunMtu { get; private set; }

    public int Workers { get; private set; } = 1;

    public int Batch { get; private set; } = 64;

    public bool Offload { get; private set; } = true;

    public int DrainMilliseconds { get; private set; } = 1000;

    public string? ControlPath { get; private set; }

    public string? StatsFile { get; private set; }

    /// <exception cref="FormatException">An option is unknown, missing or malformed; the message names it.</exception>
    public static GatewayOptions Parse(IReadOnlyList<string> args)
    {
        var options = new GatewayOptions();
        var pairs = new List<(string Key, string Value)>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new FormatException($"expected --option value, got '{arg}'");
            }

            pairs.Add((arg[2..], args[++i]));
        }

        foreach ((string key, string value) in pairs)
        {
            if (key == "config")
            {
                foreach (string raw in File.ReadAllLines(value))
                {
                    string line = raw.Trim();
                    if (line.Length == 0 || line[0] == '#')
                    {
                        continue;
                    }

                    int space = line.IndexOfAny([' ', '\t', '=']);
                    if (space < 0)
                    {
                        throw new FormatException($"{value}: '{line}' has no value");
                    }

                    options.Set(line[..space].Trim(), line[(space + 1)..].Trim(' ', '\t', '='));
                }
            }
        }

        foreach ((string key, string value) in pairs)
        {
            if (key != "config")
            {
                options.Set(key, value);
            }
        }

        if (options.SaFile.Length == 0 || options.Local.Equals(IPAddress.None) || options.Peer.Address.Equals(IPAddress.None))
        {
            throw new FormatException("--sa, --local and --peer are required");
        }

        if (options.Local.AddressFamily != options.Peer.Address.AddressFamily)
        {
            throw new FormatException("--local and --peer must be of the same address family");
        }

        return options;
    }

    private void Set(string key, string value)
    {
        switch (key)
        {
            case "sa": SaFile = value; break;
            case "local": Local = ParseAddress(key, value); break;
            case "peer": Peer = ParseEndpoint(key, value); break;
            case "port": Port = ParseInt(key, value, 1, 65535); break;
            case "tun": TunName = value.Length is > 0 and < 16 ? value : throw new FormatException("tun: 1 to 15 characters"); break;
            case "address": Addresses.Add(ParseInterfaceAddress(key, value)); break;
            case "route": Routes.Add(ParseNetwork(key, value)); break;
            case "path-mtu": PathMtu = ParseInt(key, value, 576, 65535); break;
            case "mtu": TunMtu = ParseInt(key, value, 68, 65535); break;
            case "workers": Workers = ParseInt(key, value, 1, 64); break;
            case "batch": Batch = ParseInt(key, value, 1, 1024); break;
            case "offload": Offload = value is "on" or "true" or "1" ? true : value is "off" or "false" or "0" ? false : throw new FormatException("offload: on or off"); break;
            case "drain-ms": DrainMilliseconds = ParseInt(key, value, 0, 600_000); break;
            case "control": ControlPath = value; break;
            case "stats-file": StatsFile = value; break;
            default: throw new FormatException($"unknown option '{key}'");
        }
    }

    private static int ParseInt(string key, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new FormatException($"{key}: expected a number from {min} to {max}, got '{value}'");

    private static IPAddress ParseAddress(string key, string value) =>
        IPAddress.TryParse(value, out IPAddress? address) ? address : throw new FormatException($"{key}: '{value}' is not an IP address");

    private static IPNetwork ParseNetwork(string key, string value)
    {
        if (!value.Contains('/', StringComparison.Ordinal))
        {
            IPAddress host = ParseAddress(key, value);
            return new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        }

        return IPNetwork.TryParse(value, out IPNetwork network) ? network : throw new FormatException($"{key}: '{value}' is not a network (ADDR/PREFIX)");
    }

    private static (IPAddress Address, int PrefixLength) ParseInterfaceAddress(string key, string value)
    {
        int slash = value.IndexOf('/', StringComparison.Ordinal);
        IPAddress address = ParseAddress(key, slash < 0 ? value : value[..slash]);
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        return (address, slash < 0 ? max : ParseInt(key, value[(slash + 1)..], 0, max));
    }

    private static IPEndPoint ParseEndpoint(string key, string value)
    {
        if (IPEndPoint.TryParse(value, out IPEndPoint? endpoint))
        {
            return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 4500) : endpoint;
        }

        throw new FormatException($"{key}: '{value}' is not ADDR or ADDR:PORT ([v6]:PORT)");
    }
}
