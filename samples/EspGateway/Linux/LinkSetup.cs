using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;

namespace EspGateway.Linux;

/// <summary>Brings the TUN device up with its MTU, addresses and routes, through iproute2 (`ip`), as an administrator would.</summary>
internal static class LinkSetup
{
    public static void Configure(string device, int mtu, (IPAddress Address, int PrefixLength)[] addresses, IPNetwork[] routes)
    {
        bool ipv6 = Array.Exists(addresses, a => a.Address.AddressFamily == AddressFamily.InterNetworkV6) ||
                    Array.Exists(routes, r => r.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6);
        if (!ipv6)
        {
            // No IPv6 through this tunnel: keep the kernel from sending link-local chatter (router solicitations, MLD)
            // into it, which the peer would only refuse by policy.
            try
            {
                File.WriteAllText($"/proc/sys/net/ipv6/conf/{device}/disable_ipv6", "1");
            }
            catch (IOException)
            {
                // No IPv6 in this kernel: nothing to silence.
            }
        }

        Run("link", "set", "dev", device, "mtu", mtu.ToString(CultureInfo.InvariantCulture), "up");
        foreach ((IPAddress address, int prefix) in addresses)
        {
            Run("addr", "replace", $"{address}/{prefix.ToString(CultureInfo.InvariantCulture)}", "dev", device);
        }

        foreach (IPNetwork route in routes)
        {
            Run("route", "replace", route.ToString(), "dev", device);
        }
    }

    private static void Run(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("cannot start ip");
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {error.Trim()}");
        }
    }
}
