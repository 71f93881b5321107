using System;
using System.Net;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Ah;

/// <summary>A sending and a receiving AH SA with one configuration, and helpers to move packets between them.</summary>
internal sealed class AhPair : IDisposable
{
    public AhPair(IntegrityAlgorithm integrity, IpsecMode mode = IpsecMode.Transport, bool outerIPv6 = false, bool esn = false,
        ulong initialSequenceNumber = 0, int replayWindowSize = 64, int seed = 7)
    {
        var random = new Random(seed);
        byte[] key = new byte[integrity.KeySize + integrity.SaltSize];
        random.NextBytes(key);
        AhSecurityAssociationOptions Options(bool sending) => new()
        {
            Spi = 0x1000 + (uint)seed,
            Integrity = integrity,
            IntegrityKey = key,
            ExtendedSequenceNumbers = esn,
            Mode = mode,
            ReplayWindowSize = replayWindowSize,
            InitialOutboundSequenceNumber = sending ? initialSequenceNumber : 0,
            InitialInboundSequenceNumber = sending ? 0 : initialSequenceNumber,
            TunnelSource = mode == IpsecMode.Tunnel ? IPAddress.Parse(outerIPv6 ? "2001:db8:ffff::1" : "203.0.113.1") : null,
            TunnelDestination = mode == IpsecMode.Tunnel ? IPAddress.Parse(outerIPv6 ? "2001:db8:ffff::2" : "203.0.113.2") : null,
        };
        Key = key;
        Sender = new AhSecurityAssociation(Options(true));
        Receiver = new AhSecurityAssociation(Options(false));
    }

    public byte[] Key { get; }

    public AhSecurityAssociation Sender { get; }

    public AhSecurityAssociation Receiver { get; }

    /// <summary>Protects a copy of <paramref name="packet"/>; returns the protected packet alone.</summary>
    public byte[] Protect(byte[] packet)
    {
        int headroom = Sender.MaximumHeadroom;
        var buffer = new byte[headroom + packet.Length];
        packet.CopyTo(buffer, headroom);
        Assert.That(Sender.Protect(buffer, headroom, packet.Length, out AhProcessResult result), Is.EqualTo(IpsecStatus.Success));
        return buffer.AsSpan(result.Offset, result.Length).ToArray();
    }

    /// <summary>Unprotects a copy of <paramref name="packet"/>; returns the status and the resulting packet (empty on failure).</summary>
    public (IpsecStatus Status, byte[] Packet) Unprotect(byte[] packet)
    {
        byte[] buffer = (byte[])packet.Clone();
        IpsecStatus status = Receiver.Unprotect(buffer, 0, buffer.Length, out AhProcessResult result);
        if (status != IpsecStatus.Success)
        {
            Assert.That(buffer, Is.EqualTo(packet), $"a packet refused with {status} stays as it was");
            return (status, []);
        }

        return (status, buffer.AsSpan(result.Offset, result.Length).ToArray());
    }

    public void Dispose()
    {
        Sender.Dispose();
        Receiver.Dispose();
    }
}
