using System;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Policy;

public class TrafficFlowTests
{
    // IPv4 UDP 192.0.2.1:1234 -> 198.51.100.2:53, header checksum not checked by the selector reader.
    private const string UdpV4 = "45000020000000004011000" + "0c0000201c6336402" + "04d200350008" + "0000" + "00000000";

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Test]
    public void IPv4UdpOutboundAndInbound()
    {
        byte[] packet = Hex(UdpV4);
        Assert.That(TrafficFlow.TryParse(packet, outbound: true, out TrafficFlow flow), Is.True);
        Assert.That(flow.Protocol, Is.EqualTo(17));
        Assert.That(flow.LocalAddress, Is.EqualTo(IPAddress.Parse("192.0.2.1")));
        Assert.That(flow.RemoteAddress, Is.EqualTo(IPAddress.Parse("198.51.100.2")));
        Assert.That((flow.LocalPort, flow.RemotePort, flow.HasPorts), Is.EqualTo(((ushort)1234, (ushort)53, true)));

        Assert.That(TrafficFlow.TryParse(packet, outbound: false, out TrafficFlow inbound), Is.True);
        Assert.That(inbound.LocalAddress, Is.EqualTo(IPAddress.Parse("198.51.100.2")));
        Assert.That((inbound.LocalPort, inbound.RemotePort), Is.EqualTo(((ushort)53, (ushort)1234)));
    }

    [Test]
    public void IPv4LaterFragmentHasOpaquePorts()
    {
        byte[] packet = Hex(UdpV4);
        packet[7] = 0x10; // fragment offset 16 (x 8 bytes)
        Assert.That(TrafficFlow.TryParse(packet, outbound: true, out TrafficFlow flow), Is.True);
        Assert.That(flow.HasPorts, Is.False);
        Assert.That(flow.Protocol, Is.EqualTo(17));
    }

    [Test]
    public void IPv4IcmpCarriesTypeAndCode()
    {
        byte[] packet = Hex("4500001c00000000400100" + "00c0000201c6336402" + "0800" + "0000" + "00000000");
        Assert.That(TrafficFlow.TryParse(packet, outbound: true, out TrafficFlow flow), Is.True);
        Assert.That((flow.Protocol, flow.LocalPort, flow.RemotePort), Is.EqualTo(((byte)1, (ushort)0x0800, (ushort)0x0800)));
    }

    [Test]
    public void IPv6WithExtensionHeaders()
    {
        // IPv6, next header Hop-by-Hop (0) -> Destination Options (60) -> TCP (6); 2001:db8::1 -> 2001:db8::2, ports 443 -> 50000.
        string header = "60000000" + "0024" + "00" + "40" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002";
        string hopByHop = "3c00" + "010400000000";
        string destinationOptions = "0600" + "010400000000";
        string tcp = "01bbc350" + "0000000000000000500200000000" + "0000";
        byte[] packet = Hex(header + hopByHop + destinationOptions + tcp);
        Assert.That(TrafficFlow.TryParse(packet, outbound: false, out TrafficFlow flow), Is.True);
        Assert.That(flow.Protocol, Is.EqualTo(6));
        Assert.That(flow.LocalAddress, Is.EqualTo(IPAddress.Parse("2001:db8::2")));
        Assert.That((flow.LocalPort, flow.RemotePort), Is.EqualTo(((ushort)50000, (ushort)443)));
    }

    [Test]
    public void IPv6FragmentHeader()
    {
        string header = "60000000" + "0010" + "2c" + "40" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002";
        byte[] first = Hex(header + "11000000" + "00000001" + "04d20035" + "00080000");
        Assert.That(TrafficFlow.TryParse(first, outbound: true, out TrafficFlow flow), Is.True);
        Assert.That((flow.Protocol, flow.HasPorts, flow.RemotePort), Is.EqualTo(((byte)17, true, (ushort)53)), "first fragment has the ports");

        byte[] later = Hex(header + "11000100" + "00000001" + "deadbeef" + "00000000");
        Assert.That(TrafficFlow.TryParse(later, outbound: true, out TrafficFlow laterFlow), Is.True);
        Assert.That((laterFlow.Protocol, laterFlow.HasPorts), Is.EqualTo(((byte)17, false)), "later fragments are OPAQUE");
    }

    [Test]
    public void IPv6MobilityHeaderCarriesTheMhType()
    {
        // MH: payload proto 59, header length 1, MH type 5 (Binding Update), reserved.
        string header = "60000000" + "0010" + "87" + "40" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002";
        byte[] packet = Hex(header + "3b010500" + "000000000000000000000000");
        Assert.That(TrafficFlow.TryParse(packet, outbound: true, out TrafficFlow flow), Is.True);
        Assert.That((flow.Protocol, flow.LocalPort, flow.RemotePort), Is.EqualTo(((byte)135, (ushort)0x0500, (ushort)0x0500)));
    }

    [Test]
    public void MalformedPacketsReturnFalse()
    {
        byte[] udp = Hex(UdpV4);
        for (int length = 0; length < 24; length++)
        {
            Assert.That(TrafficFlow.TryParse(udp.AsSpan(0, length), outbound: true, out TrafficFlow flow), Is.False, $"length {length}");
            Assert.That(flow.Protocol, Is.Zero);
        }

        byte[] badIhl = (byte[])udp.Clone();
        badIhl[0] = 0x44;
        Assert.That(TrafficFlow.TryParse(badIhl, true, out _), Is.False, "IHL below 5");
        Assert.That(TrafficFlow.TryParse(Hex("70000000"), true, out _), Is.False, "version 7");

        // An IPv6 extension header that runs past the end.
        string header = "60000000" + "0008" + "00" + "40" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002";
        Assert.That(TrafficFlow.TryParse(Hex(header + "06ff000000000000"), true, out _), Is.False);
    }

    [Test]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(4301);
        var buffer = new byte[80];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)((random.Next(2) == 0 ? 0x40 : 0x60) | (buffer[0] & 0x0F));
            int length = random.Next(buffer.Length + 1);
            Assert.DoesNotThrow(() => TrafficFlow.TryParse(buffer.AsSpan(0, length), random.Next(2) == 0, out _));
        }
    }

    [Test]
    public void AddressLengthsAreChecked()
    {
        Assert.Throws<ArgumentException>(() => TrafficFlow.Create(new byte[5], new byte[4], 6, 1, 2));
        Assert.Throws<ArgumentException>(() => TrafficFlow.Create(new byte[4], new byte[16], 6, 1, 2));
    }
}
