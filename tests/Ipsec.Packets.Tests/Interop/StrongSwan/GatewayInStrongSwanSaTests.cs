using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>
/// The EspGateway sample takes one side's place in a live strongSwan SA (issue 15, point 3): once the CHILD_SA is up and
/// has carried traffic, the initiator's charon is killed (SIGKILL: no DELETE reaches the responder, and DPD is off), the
/// gateway starts in the initiator's namespace with that side's negotiated SAs (sequence numbers continuing from charon's
/// counters), and ping and a TCP transfer with a checked SHA-256 run between the gateway side and the responder's charon
/// in both directions, on the same CHILD_SA the responder still holds.
/// </summary>
[TestFixture]
[Category("StrongSwan")]
[NonParallelizable]
public sealed class GatewayInStrongSwanSaTests
{
    private const int TcpBytes = 4 * 1024 * 1024;

    public static string GatewayDll => Path.Combine(AppContext.BaseDirectory, "EspGateway.dll");

    [TestCase("aes128gcm16")]
    [TestCase("chacha20poly1305")]
    [TestCase("aes256-sha256")]
    public void GatewayCarriesTrafficOnTheSaStrongSwanNegotiated(string keyword)
    {
        StrongSwanLab.RequireEnvironment();
        if (!File.Exists(GatewayDll))
        {
            string reason = $"the EspGateway sample is not built next to the tests ({GatewayDll})";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(reason);
            }

            Assert.Ignore(reason);
        }

        StrongSwanProposal proposal = StrongSwanProposal.All.Single(p => p.Keyword == keyword);
        using StrongSwanLab lab = StrongSwanLab.Create();
        ChildSaKeys keys = lab.Establish(proposal);
        JsonObject before = lab.Client(lab.InitiatorNamespace, StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, 40, 3, 64 * 1024);
        Assert.That((bool)before["tcpOk"]!, Is.True, "traffic between the two charons first");
        uint sent = lab.PacketCount(initiator: true, "out", keys.Outbound.Spi);
        uint received = lab.PacketCount(initiator: true, "in", keys.Inbound.Spi);

        lab.KillCharon(initiator: true);
        LabProcess.WaitFor(
            () => LabProcess.Run("ip", ["-n", lab.InitiatorNamespace, "link", "show", StrongSwanLab.TunDevice]).ExitCode != 0,
            "the killed charon's TUN device to go away");

        string saFile = Path.Combine(lab.Root, "gateway.xfrm");
        File.WriteAllText(saFile, XfrmSaFile.Write(proposal, [keys.Outbound, keys.Inbound], new Dictionary<uint, (uint Seq, uint Oseq)>
        {
            [keys.Outbound.Spi] = (0, sent),
            [keys.Inbound.Spi] = (received, 0),
        }));
        string control = Path.Combine(lab.Root, "gateway.ctl");
        Process gateway = lab.Background(lab.InitiatorNamespace,
            $"dotnet {GatewayDll} --sa {saFile} --local {StrongSwanLab.InitiatorOuter} --peer {StrongSwanLab.ResponderOuter}:4500 " +
            $"--tun espsw --mtu 1400 --route {StrongSwanLab.ResponderInner}/32 --control {control} --stats-file {control}.stats",
            "gateway.log");
        LabProcess.WaitFor(() => gateway.HasExited || ControlAnswers(control), "the gateway's control socket", 60_000);
        Assert.That(gateway.HasExited, Is.False, "the gateway runs: " + LabProcess.ReadShared(Path.Combine(lab.Root, "gateway.log")));

        (int pingThere, string pingThereOutput, _) = LabProcess.Run("ip",
            ["netns", "exec", lab.InitiatorNamespace, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner]);
        (int pingBack, string pingBackOutput, _) = LabProcess.Run("ip",
            ["netns", "exec", lab.ResponderNamespace, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", StrongSwanLab.ResponderInner, StrongSwanLab.InitiatorInner]);
        JsonObject there = lab.Client(lab.InitiatorNamespace, StrongSwanLab.InitiatorInner, StrongSwanLab.ResponderInner, 1372, 47, TcpBytes);
        JsonObject back = lab.Client(lab.ResponderNamespace, StrongSwanLab.ResponderInner, StrongSwanLab.InitiatorInner, 1372, 47, TcpBytes);
        string stats = Control(control, "stats");

        Assert.Multiple(() =>
        {
            Assert.That(pingThere, Is.Zero, "ping from the gateway side: " + pingThereOutput);
            Assert.That(pingBack, Is.Zero, "ping from strongSwan's side: " + pingBackOutput);
            Assert.That(there["icmpLost"]!.AsArray(), Is.Empty, "echo sizes 0-1372 from the gateway side without a reply");
            Assert.That(back["icmpLost"]!.AsArray(), Is.Empty, "echo sizes 0-1372 from strongSwan's side without a reply");
            Assert.That(there["udpLost"]!.AsArray(), Is.Empty, "UDP echo from the gateway side");
            Assert.That(back["udpLost"]!.AsArray(), Is.Empty, "UDP echo from strongSwan's side");
            Assert.That((bool)there["tcpOk"]!, Is.True, "TCP to strongSwan's side, SHA-256: " + there["tcpAnswer"]);
            Assert.That((bool)back["tcpOk"]!, Is.True, "TCP to the gateway side, SHA-256: " + back["tcpAnswer"]);
        });

        foreach (string line in stats.Split('\n').Where(l => l.StartsWith("refused_", StringComparison.Ordinal)))
        {
            Assert.That(line, Does.EndWith(" 0"), "the gateway refused nothing strongSwan sent");
        }

        Assert.That(stats, Does.Match(@"(?m)^inner_packets_delivered [1-9]"), "the gateway delivered strongSwan's packets");

        // The responder never learned that its peer changed: the same CHILD_SA carried the gateway's packets.
        Assert.That(lab.PacketCount(initiator: false, "in", keys.Outbound.Spi), Is.GreaterThan(sent + 2 * 1373), "the responder's inbound SA counted the gateway's packets; gateway stats: " + stats);
        Assert.That(lab.PacketCount(initiator: false, "out", keys.Inbound.Spi), Is.GreaterThan(received + 2 * 1373), "the responder's outbound SA carried the replies");
        LabProcess.Interrupt(gateway);
    }

    private static bool ControlAnswers(string path)
    {
        try
        {
            return Control(path, "stats").Length > 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Control(string path, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.Send(Encoding.UTF8.GetBytes(command + "\n"));
        socket.Shutdown(SocketShutdown.Send);
        using var answer = new MemoryStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            answer.Write(buffer, 0, n);
        }

        return Encoding.UTF8.GetString(answer.ToArray());
    }
}
