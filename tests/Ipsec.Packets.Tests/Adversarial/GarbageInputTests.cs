using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Ah;
using Ipsec.Packets.Tests.Esp;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// Garbage from fixed seeds (random bytes and lengths, every IP version nibble, broken IPv4 and IPv6 headers and
/// extension chains, fragments, ESP in UDP with bad lengths, IKE and keepalives on port 4500, unknown SPIs, known SPIs
/// with random bodies, cut and corrupted genuine packets) never throws, never allocates and never succeeds, through the
/// packet processor and through ESP processors.
/// </summary>
[Parallelizable(ParallelScope.All)]
public class GarbageInputTests
{
    private const uint RawSpi = 0x3333_0001;
    private const uint UdpSpi = 0x4444_0001;
    private const int Calls = 100_000;
    private static readonly EspConfiguration Config = new(EncryptionAlgorithm.AesGcm16, 128, null);

    private static EspProcessorOptions TunnelOptions(bool udp) => new()
    {
        TunnelSource = IPAddress.Parse("192.0.2.1"),
        TunnelDestination = IPAddress.Parse("198.51.100.1"),
        UdpEncapsulation = udp,
    };

    private static readonly EspProcessorOptions Transport6 = new() { Mode = IpsecMode.Transport };

    private static byte[] IPv4(byte protocol, ReadOnlySpan<byte> body, Random random, bool fragment = false)
    {
        var packet = new byte[20 + body.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)random.Next());
        packet[6] = fragment ? (byte)0x20 : (byte)0x40;
        packet[8] = 64;
        packet[9] = protocol;
        new byte[] { 203, 0, 113, 9, 198, 51, 100, 1 }.CopyTo(packet, 12);
        body.CopyTo(packet.AsSpan(20));
        AhTestPackets.FixIPv4Checksum(packet);
        return packet;
    }

    private static byte[] IPv6(byte nextHeader, ReadOnlySpan<byte> body)
    {
        var packet = new byte[40 + body.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)body.Length);
        packet[6] = nextHeader;
        packet[7] = 64;
        AhTestPackets.Source6.CopyTo(packet, 8);
        AhTestPackets.Destination6.CopyTo(packet, 24);
        body.CopyTo(packet.AsSpan(40));
        return packet;
    }

    private static byte[] Udp(ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload, int? declaredLength = null)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)(declaredLength ?? udp.Length));
        payload.CopyTo(udp.AsSpan(8));
        return udp;
    }

    private static byte[] Bytes(Random random, int minimum, int maximum)
    {
        var bytes = new byte[random.Next(minimum, maximum + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] WithSpi(uint spi, byte[] body)
    {
        if (body.Length >= 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(body, spi);
        }

        return body;
    }

    /// <summary>Genuine packets of the SAs under test, to cut and corrupt.</summary>
    private static List<(byte[] Packet, int EspOffset)> GenuinePackets()
    {
        using var raw = new EspProcessor(Config.Create(spi: RawSpi), TunnelOptions(false));
        using var udp = new EspProcessor(Config.Create(spi: UdpSpi), TunnelOptions(true));
        using var transport = new EspProcessor(Config.Create(spi: RawSpi), Transport6);
        var genuine = new List<(byte[], int)>();
        for (int i = 0; i < 8; i++)
        {
            genuine.Add((EspBitFlipTests.Protect(raw, SamplePackets.IPv4Udp("192.0.2.7", "198.51.100.8", seed: i)), 20));
            genuine.Add((EspBitFlipTests.Protect(udp, SamplePackets.IPv4Udp("192.0.2.7", "198.51.100.8", seed: i)), 28));
            genuine.Add((EspBitFlipTests.Protect(transport, SamplePackets.IPv6Udp(seed: i)), 40));
        }

        return genuine;
    }

    internal static List<byte[]> Garbage(int count, int seed)
    {
        var random = new Random(seed);
        List<(byte[] Packet, int EspOffset)> genuine = GenuinePackets();
        var inputs = new List<byte[]>(count);
        byte[] extensionTypes = [0, 43, 44, 60, 51, 50, 17, 59, 135, 139];
        for (int i = 0; i < count; i++)
        {
            uint spi = (i / 16 % 3) switch { 0 => RawSpi, 1 => UdpSpi, _ => (uint)random.Next() };
            byte[] input;
            switch (i % 16)
            {
                case 0:
                    input = Bytes(random, 0, 120);
                    break;
                case 1:
                    input = Bytes(random, 0, 80);
                    if (input.Length > 0)
                    {
                        input[0] = (byte)((i / 16 % 16) << 4 | (input[0] & 0x0F));   // every version nibble
                    }

                    break;
                case 2:
                    input = IPv4(50, WithSpi(spi, Bytes(random, 0, 100)), random);
                    break;
                case 3:
                    input = IPv6(50, WithSpi(spi, Bytes(random, 0, 100)));
                    break;
                case 4:
                {
                    // A random chain of IPv6 extension headers with random lengths, cut anywhere.
                    var body = new List<byte>();
                    int headers = random.Next(1, 5);
                    for (int h = 0; h < headers; h++)
                    {
                        byte[] header = Bytes(random, 2, 24);
                        header[0] = extensionTypes[random.Next(extensionTypes.Length)];
                        body.AddRange(header);
                    }

                    byte[] full = IPv6(extensionTypes[random.Next(extensionTypes.Length)], body.ToArray());
                    input = full[..random.Next(0, full.Length + 1)];
                    break;
                }

                case 5:
                {
                    byte[] payload = WithSpi(spi, Bytes(random, 0, 60));
                    int declared = random.Next(0, 3) switch { 0 => 0, 1 => random.Next(0, 8), _ => 8 + payload.Length + random.Next(-20, 21) };
                    if (declared == 8 + payload.Length)
                    {
                        declared++;
                    }

                    input = IPv4(17, Udp(4500, 4500, payload, declared), random);
                    break;
                }

                case 6:
                    input = IPv4(17, Udp(4500, 4500, [0, 0, 0, 0, .. Bytes(random, 0, 60)]), random);   // IKE: the non-ESP marker
                    break;
                case 7:
                    input = IPv4(17, Udp(4500, 4500, [0xFF]), random);                                  // NAT-T keepalive
                    break;
                case 8:
                    input = IPv4(17, Udp(4500, 4500, WithSpi(spi, Bytes(random, 4, 100))), random);
                    break;
                case 9:
                    input = IPv6(17, Udp(4500, 4500, WithSpi(spi, Bytes(random, 0, 80)), random.Next(0, 2) == 0 ? null : random.Next(0, 200)));
                    break;
                case 10:
                {
                    (byte[] packet, _) = genuine[random.Next(genuine.Count)];
                    input = packet[..random.Next(0, packet.Length)];   // truncated, IP lengths as they were
                    break;
                }

                case 11:
                {
                    (byte[] packet, int espOffset) = genuine[random.Next(genuine.Count)];
                    input = (byte[])packet.Clone();
                    for (int n = random.Next(1, 5); n > 0; n--)
                    {
                        int position = random.Next(espOffset, input.Length);
                        input[position] ^= (byte)random.Next(1, 256);    // always a change, somewhere from the SPI on
                    }

                    break;
                }

                case 12:
                {
                    input = IPv4(50, WithSpi(spi, Bytes(random, 8, 80)), random);
                    input[0] = (byte)(0x40 | random.Next(0, 16));
                    BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(2), (ushort)random.Next(0, input.Length + 40));
                    if (random.Next(0, 2) == 0 && (input[0] & 0x0F) * 4 <= input.Length)
                    {
                        AhTestPackets.FixIPv4Checksum(input);
                    }

                    break;
                }

                case 13:
                    input = IPv4(50, WithSpi(spi, Bytes(random, 8, 80)), random, fragment: true);
                    break;
                case 14:
                {
                    byte[] body = WithSpi(spi, Bytes(random, 0, 80));
                    input = IPv6(50, body);
                    BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(4), (ushort)random.Next(0, 200));   // payload length that lies
                    break;
                }

                default:
                    input = IPv4((byte)random.Next(0, 256), Bytes(random, 0, 60), random);   // any protocol
                    break;
            }

            inputs.Add(input);
        }

        return inputs;
    }

    private delegate IpsecStatus Target(byte[] buffer, int length);

    /// <summary>Feeds <see cref="Calls"/> inputs (cycling through the list) once to warm up and once under measurement; returns the status histogram.</summary>
    private static int[] Feed(List<byte[]> inputs, Target target)
    {
        byte[][] all = inputs.ToArray();
        var work = new byte[2048];
        var histogram = new int[64];
        void FeedAll()
        {
            Array.Clear(histogram);
            for (int call = 0; call < Calls; call++)
            {
                byte[] input = all[call % all.Length];
                input.CopyTo(work, 0);
                histogram[(int)target(work, input.Length)]++;
            }
        }

        Assert.That(Allocations.Measure(FeedAll, iterations: 1, warmUps: 3), Is.Zero, $"{Calls} garbage inputs allocate nothing");
        Assert.That(histogram[(int)IpsecStatus.Success], Is.Zero, "no garbage is accepted");
        return histogram;
    }

    private static int Count(int[] histogram, IpsecStatus status) => histogram[(int)status];

    [Test]
    public void ThePacketProcessorRefusesGarbageWithoutThrowingOrAllocating()
    {
        using var sad = new SecurityAssociationDatabase();
        var spd = new SecurityPolicyDatabase();
        var policy = new SecurityPolicy(
            new TrafficSelector { LocalAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("0.0.0.0/0")), RemoteAddress = IPAddressRange.FromPrefix(IPNetwork.Parse("0.0.0.0/0")) },
            SecurityPolicyAction.Protect, priority: 10);
        spd.Add(policy);
        sad.Add(new EspProcessor(Config.Create(spi: RawSpi), TunnelOptions(false)), SecurityAssociationDirection.Inbound, IPAddress.Parse("198.51.100.1"), policy: policy);
        sad.Add(new EspProcessor(Config.Create(spi: UdpSpi), TunnelOptions(true)), SecurityAssociationDirection.Inbound, IPAddress.Parse("198.51.100.1"), policy: policy);
        var processor = new IpsecPacketProcessor(sad, spd);

        int[] histogram = Feed(Garbage(4096, 11), (buffer, length) => processor.ProcessInbound(buffer, 0, length, out _));

        foreach (IpsecStatus reached in new[]
                 {
                     IpsecStatus.Truncated, IpsecStatus.Malformed, IpsecStatus.NotIpsec, IpsecStatus.Fragment,
                     IpsecStatus.UnknownSpi, IpsecStatus.AuthenticationFailed,
                 })
        {
            Assert.That(Count(histogram, reached), Is.GreaterThan(0), $"the garbage reaches {reached}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnEspTunnelProcessorRefusesGarbageWithoutThrowingOrAllocating(bool udp)
    {
        using var receiver = new EspProcessor(Config.Create(spi: udp ? UdpSpi : RawSpi), TunnelOptions(udp));
        int[] histogram = Feed(Garbage(4096, udp ? 12 : 13), (buffer, length) => receiver.Unprotect(buffer, 0, length, out _));
        Assert.That(Count(histogram, IpsecStatus.AuthenticationFailed), Is.GreaterThan(0));
        Assert.That(Count(histogram, IpsecStatus.UnknownSpi), Is.GreaterThan(0));
        Assert.That(Count(histogram, IpsecStatus.Malformed), Is.GreaterThan(0));
        Assert.That(receiver.SecurityAssociation.HighestInboundSequenceNumber, Is.Zero);
    }

    [Test]
    public void AnEspTransportProcessorRefusesGarbageWithoutThrowingOrAllocating()
    {
        using var receiver = new EspProcessor(Config.Create(spi: RawSpi), Transport6);
        int[] histogram = Feed(Garbage(4096, 14), (buffer, length) => receiver.Unprotect(buffer, 0, length, out _));
        Assert.That(Count(histogram, IpsecStatus.AuthenticationFailed), Is.GreaterThan(0));
        Assert.That(receiver.SecurityAssociation.HighestInboundSequenceNumber, Is.Zero);
    }

    [Test]
    public void TheEspSaLayerRefusesRandomBytesWithoutThrowingOrAllocating()
    {
        using EspSecurityAssociation receiver = Config.Create(spi: RawSpi);
        var random = new Random(15);
        var inputs = new List<byte[]>();
        for (int i = 0; i < 4096; i++)
        {
            inputs.Add(WithSpi(i % 2 == 0 ? RawSpi : (uint)random.Next(), Bytes(random, 0, 120)));
        }

        var output = new byte[2048];
        int[] histogram = Feed(inputs, (buffer, length) => receiver.Unprotect(buffer.AsSpan(0, length), output, out _));
        Assert.That(Count(histogram, IpsecStatus.AuthenticationFailed), Is.GreaterThan(0));
        Assert.That(Count(histogram, IpsecStatus.UnknownSpi), Is.GreaterThan(0));
        Assert.That(Count(histogram, IpsecStatus.Truncated), Is.GreaterThan(0));
    }
}
