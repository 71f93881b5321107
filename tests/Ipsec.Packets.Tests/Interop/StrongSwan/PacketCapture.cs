using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>A running tcpdump (packet-buffered) and its pcap file.</summary>
public sealed class PacketCapture(Process tcpdump, string path, string logPath)
{
    public string Path { get; } = path;

    public string LogPath { get; } = logPath;

    /// <summary>Lets the last packets reach the file, stops tcpdump and returns the captured IP packets.</summary>
    public List<byte[]> Stop()
    {
        Thread.Sleep(150);
        LabProcess.Interrupt(tcpdump);
        string log = LabProcess.ReadShared(LogPath);
        Assert.That(log, Does.Match(@"(?m)^0 packets dropped by kernel"), "tcpdump must see every packet: " + log);
        return PcapPackets.Read(Path);
    }
}
