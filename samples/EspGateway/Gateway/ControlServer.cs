using System;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace EspGateway.Gateway;

/// <summary>
/// The control channel: a Unix stream socket taking one command line per connection and answering with text.
/// Commands: <c>stats</c>, <c>reload</c> (re-read the SA file: add new SAs, send with its last outbound SA, retire the
/// SAs it no longer lists after the drain), <c>add FILE</c>, <c>switch SPI</c>, <c>retire SPI</c>, <c>port N</c>, <c>quit</c>.
/// </summary>
internal sealed class ControlServer : IDisposable
{
    private readonly GatewayHost _host;
    private readonly string _path;
    private readonly Socket _listener;
    private readonly Action _quit;

    public ControlServer(GatewayHost host, string path, Action quit)
    {
        _host = host;
        _path = path;
        _quit = quit;
        File.Delete(path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(8);
        _ = Task.Run(AcceptLoop);
    }

    /// <summary>Sends <paramref name="command"/> to the gateway listening on <paramref name="path"/> and returns its answer.</summary>
    public static string Send(string path, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        stream.Write(Encoding.UTF8.GetBytes(command + "\n"));
        socket.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public string Execute(string line)
    {
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            return "error: empty command\n";
        }

        var drain = TimeSpan.FromMilliseconds(_host.Context.Options.DrainMilliseconds);
        try
        {
            return (words[0], words.Length) switch
            {
                ("stats", 1) => _host.FormatStatistics(),
                ("reload", 1) => _host.SecurityAssociations.Reload(_host.Context.Options.SaFile, drain),
                ("add", 2) => _host.SecurityAssociations.Add(words[1]),
                ("switch", 2) => _host.SecurityAssociations.Switch(ParseSpi(words[1])),
                ("retire", 2) => _host.SecurityAssociations.Retire(ParseSpi(words[1]), drain),
                ("port", 2) => _host.ChangePort(int.Parse(words[1], CultureInfo.InvariantCulture)),
                ("quit", 1) => Quit(),
                _ => $"error: unknown command '{words[0]}' (stats, reload, add FILE, switch SPI, retire SPI, port N, quit)\n",
            };
        }
        catch (Exception e) when (e is SaFileException or FormatException or OverflowException or InvalidOperationException or IOException)
        {
            return "error: " + e.Message + "\n";
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(_path);
    }

    private static uint ParseSpi(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.Parse(text, CultureInfo.InvariantCulture);

    private string Quit()
    {
        _quit();
        return "stopping\n";
    }

    private async Task AcceptLoop()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    using var stream = new NetworkStream(client, ownsSocket: false);
                    using var reader = new StreamReader(stream, Encoding.UTF8);
                    string? line = await reader.ReadLineAsync().ConfigureAwait(false);
                    string answer = Execute(line ?? string.Empty);
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(answer)).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The client went away; nothing to answer.
                }
            }
        }
    }
}
