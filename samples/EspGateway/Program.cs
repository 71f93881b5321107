using System;
using System.Runtime.InteropServices;
using System.Threading;
using EspGateway.Gateway;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace EspGateway;

/// <summary>
/// A Linux userspace ESP gateway: inner packets from a TUN device go out as ESP in UDP to the peer gateway, and ESP from
/// the peer comes back into the TUN device, with the SAs from an `ip xfrm state` or JSON SA file.
/// SIGUSR1 prints statistics (and writes the stats file); SIGHUP re-reads the SA file; SIGINT and SIGTERM stop cleanly.
/// </summary>
public static class Program
{
    private const int SigHup = 1;
    private const int SigUsr1 = 10;

    public static int Main(string[] args)
    {
        if (args.Length >= 3 && args[0] == "ctl")
        {
            try
            {
                Console.Write(ControlServer.Send(args[1], string.Join(' ', args[2..])));
                return 0;
            }
            catch (System.Net.Sockets.SocketException e)
            {
                Console.Error.WriteLine($"ctl {args[1]}: {e.Message}");
                return 1;
            }
        }

        GatewayOptions options;
        try
        {
            options = GatewayOptions.Parse(args);
        }
        catch (Exception e) when (e is FormatException or System.IO.IOException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(GatewayOptions.Usage);
            return 2;
        }

        GatewayHost host;
        try
        {
            host = new GatewayHost(options);
        }
        catch (Exception e) when (e is SaFileException or InvalidOperationException)
        {
            Console.Error.WriteLine("EspGateway: " + e.Message);
            return 1;
        }

        using (host)
        {
            using var stopped = new ManualResetEventSlim();
            void Stop()
            {
                host.Stop();
                stopped.Set();
            }

            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Stop(); });
            using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop(); });
            using PosixSignalRegistration hangup = PosixSignalRegistration.Create((PosixSignal)SigHup, c =>
            {
                c.Cancel = true;
                Console.Write(host.SecurityAssociations.Reload(options.SaFile, TimeSpan.FromMilliseconds(options.DrainMilliseconds)));
            });
            using PosixSignalRegistration user1 = PosixSignalRegistration.Create((PosixSignal)SigUsr1, c => { c.Cancel = true; host.ReportStatistics("SIGUSR1"); });
            using ControlServer? control = options.ControlPath is string path ? new ControlServer(host, path, Stop) : null;

            host.Start();
            Console.WriteLine("running; SIGUSR1 for statistics, SIGHUP to reload the SA file, SIGINT/SIGTERM to stop");
            stopped.Wait();
            host.WaitForExit();
            host.ReportStatistics("exit");
        }

        return 0;
    }
}
