using System;
using System.IO;
using Ipsec.Packets;

namespace Quickstart;

/// <summary>Protects a few packets with one ESP SA, unprotects them with its peer, and shows what an attacker's replay and forgery get.</summary>
public static class Program
{
    public static int Main() => Run(Console.Out);

    public static int Run(TextWriter output)
    {
        // Keys as IKEv2 derives them: AES-GCM KEYMAT is the 16-byte key followed by the 4-byte salt.
        byte[] keymat = Convert.FromHexString("4c80cdefbb5d10da906ac73c3613a634" + "2e443b68");
        var options = new EspSecurityAssociationOptions
        {
            Spi = 0x0000_4321,
            Encryption = EncryptionAlgorithm.AesGcm16,
            EncryptionKey = keymat,
            ExtendedSequenceNumbers = true,
            ReplayWindowSize = 1024,
        };
        using var sender = new EspSecurityAssociation(options);
        using var receiver = new EspSecurityAssociation(options);
        output.WriteLine($"sender:   {sender}");
        output.WriteLine($"receiver: {receiver}");

        // The payload of a tunnel-mode SA is the inner IP packet: here IPv4/UDP 192.0.2.1:5000 -> 198.51.100.7:53.
        byte[] inner = Convert.FromHexString(
            "450000260001400040110000c0000201c6336407" + "138800350012000068656c6c6f2c20657370");
        FixChecksum(inner);

        byte[] packet = new byte[sender.GetProtectedLength(inner.Length, nextHeader: 4)];
        byte[] plain = new byte[packet.Length];
        int failures = 0;
        for (int i = 0; i < 3; i++)
        {
            IpsecStatus sent = sender.Protect(inner, nextHeader: 4, packet, out int written);
            output.WriteLine($"protect   #{i + 1}: {sent}, {written} bytes of ESP: {Convert.ToHexString(packet, 0, written).ToLowerInvariant()}");
            IpsecStatus received = receiver.Unprotect(packet.AsSpan(0, written), plain, out EspUnprotectResult result);
            output.WriteLine($"unprotect #{i + 1}: {received}, seq {result.SequenceNumber}, next header {result.NextHeader}, " +
                             $"{result.PayloadLength} bytes: {Convert.ToHexString(plain, 0, result.PayloadLength).ToLowerInvariant()}");
            failures += sent == IpsecStatus.Success && received == IpsecStatus.Success && plain.AsSpan(0, result.PayloadLength).SequenceEqual(inner) ? 0 : 1;
        }

        // An attacker replays the last packet, then flips one ciphertext bit of a fresh one.
        IpsecStatus replayed = receiver.Unprotect(packet, plain, out _);
        output.WriteLine($"replay of #3:   {replayed}");
        sender.Protect(inner, nextHeader: 4, packet, out _);
        packet[sender.HeaderLength + 3] ^= 0x01;
        IpsecStatus forged = receiver.Unprotect(packet, plain, out _);
        output.WriteLine($"forgery of #4:  {forged}");
        failures += replayed == IpsecStatus.Replayed ? 0 : 1;
        failures += forged == IpsecStatus.AuthenticationFailed ? 0 : 1;

        SecurityAssociationStatistics stats = receiver.Statistics;
        output.WriteLine($"receiver: {stats.PacketsUnprotected} packets accepted, {stats.ReplayDrops} replays dropped, {stats.AuthenticationFailures} forgeries dropped");
        output.WriteLine(failures == 0 ? "quickstart OK" : $"quickstart FAILED ({failures})");
        return failures == 0 ? 0 : 1;
    }

    private static void FixChecksum(byte[] ipv4)
    {
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += (uint)(ipv4[i] << 8 | ipv4[i + 1]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        ushort checksum = (ushort)~sum;
        ipv4[10] = (byte)(checksum >> 8);
        ipv4[11] = (byte)checksum;
    }
}
