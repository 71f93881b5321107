using System;
using System.Collections.Generic;
using System.Net;

namespace Ipsec.Packets.Tests.Interop.Randomized;

/// <summary>
/// One random SA of the interop suite: algorithms, keys, SPI, sequence numbers, mode, address families, NAT-T, and the
/// inner packets sent over it with sequence numbers <see cref="FirstSequence"/>, <see cref="FirstSequence"/> + 1, ...
/// </summary>
public sealed class InteropSa
{
    public required int Index { get; init; }

    public required InteropSuite Suite { get; init; }

    public required int KeyBits { get; init; }

    /// <summary>Key and salt, as the SA options and Scapy take them.</summary>
    public required byte[] EncryptionKey { get; init; }

    public required byte[] IntegrityKey { get; init; }

    public required uint Spi { get; init; }

    public required bool Esn { get; init; }

    public required ulong FirstSequence { get; init; }

    public required InteropLayout Layout { get; init; }

    /// <summary>UDP encapsulation (RFC 3948) from <see cref="NatSourcePort"/> to 4500.</summary>
    public required bool NatT { get; init; }

    public required ushort NatSourcePort { get; init; }

    /// <summary>Addresses of the ESP packets: the tunnel endpoints, or in transport mode the inner packets' own.</summary>
    public required IPAddress Source { get; init; }

    public required IPAddress Destination { get; init; }

    public required List<InteropPacket> Packets { get; init; }

    public IpsecMode Mode => Layout is InteropLayout.TransportV4 or InteropLayout.TransportV6 ? IpsecMode.Transport : IpsecMode.Tunnel;

    public bool IsAead => Suite.Encryption.IsAead;

    public ulong Sequence(int packet) => FirstSequence + (ulong)packet;

    /// <summary>An SA for sending (the next sequence number is <see cref="FirstSequence"/>) or receiving.</summary>
    public EspProcessor CreateProcessor(bool sender)
    {
        var sa = new EspSecurityAssociation(new EspSecurityAssociationOptions
        {
            Spi = Spi,
            Encryption = Suite.Encryption,
            EncryptionKey = EncryptionKey,
            Integrity = Suite.Integrity,
            IntegrityKey = IntegrityKey,
            ExtendedSequenceNumbers = Esn,
            InitialOutboundSequenceNumber = sender ? FirstSequence - 1 : 0,
            InitialInboundSequenceNumber = sender ? 0 : FirstSequence - 1,
            ReplayWindowSize = 64,
            TfcPaddingLength = 0,
        });
        return new EspProcessor(sa, new EspProcessorOptions
        {
            Mode = Mode,
            TunnelSource = Mode == IpsecMode.Tunnel ? Source : null,
            TunnelDestination = Mode == IpsecMode.Tunnel ? Destination : null,
            UdpEncapsulation = NatT,
            UdpSourcePort = NatSourcePort,
            UdpDestinationPort = (ushort)Ipsec.Packets.Wire.UdpEncapsulation.Port,
        });
    }

    /// <summary>Everything needed to rebuild the SA by hand, for assertion messages (test keys are random and throwaway).</summary>
    public override string ToString() =>
        $"SA #{Index} {Suite} {KeyBits}-bit {Layout}{(NatT ? $" NAT-T {NatSourcePort}->4500" : string.Empty)}{(Esn ? " ESN" : string.Empty)} " +
        $"SPI 0x{Spi:x8} first seq 0x{FirstSequence:x} {Source}->{Destination}";
}
