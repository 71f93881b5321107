using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>
/// One security association as an SA file describes it, resolved to the library's algorithms but not yet keyed:
/// <see cref="CreateProcessor"/> builds the <see cref="EspProcessor"/>. <see cref="ToString"/> never shows a key.
/// </summary>
internal sealed class SaDefinition
{
    /// <summary>IP protocol number of ESP.</summary>
    public const byte EspProtocol = 50;

    /// <summary>IP protocol number of AH.</summary>
    public const byte AhProtocol = 51;

    public required string File { get; init; }

    /// <summary>Where the SA starts in its file: a line number (xfrm) or a JSON path.</summary>
    public required string Location { get; init; }

    public required IPAddress Source { get; init; }

    public required IPAddress Destination { get; init; }

    /// <summary>50 (ESP) or 51 (AH).</summary>
    public required byte Protocol { get; init; }

    public required uint Spi { get; init; }

    public required IpsecMode Mode { get; init; }

    public int ReplayWindowSize { get; init; }

    public bool ExtendedSequenceNumbers { get; init; }

    /// <summary>The ESP cipher or AEAD; null for AH.</summary>
    public EncryptionAlgorithm? Encryption { get; init; }

    /// <summary>The encryption KEYMAT (key and salt); empty for AH.</summary>
    public byte[] EncryptionKey { get; init; } = [];

    public IntegrityAlgorithm? Integrity { get; init; }

    public byte[] IntegrityKey { get; init; } = [];

    /// <summary>UDP encapsulation (RFC 3948) source port; 0 without encapsulation.</summary>
    public ushort EncapsulationSourcePort { get; init; }

    /// <summary>UDP encapsulation destination port; 0 without encapsulation.</summary>
    public ushort EncapsulationDestinationPort { get; init; }

    public bool UdpEncapsulated => EncapsulationSourcePort != 0 || EncapsulationDestinationPort != 0;

    /// <summary>The highest inbound sequence number already seen (seq-hi:seq).</summary>
    public ulong InboundSequenceNumber { get; init; }

    /// <summary>The last outbound sequence number already used (oseq-hi:oseq).</summary>
    public ulong OutboundSequenceNumber { get; init; }

    public bool IsEsp => Protocol == EspProtocol;

    public bool IsIPv6 => Source.AddressFamily == AddressFamily.InterNetworkV6;

    public string ProtocolName => IsEsp ? "esp" : "ah";

    /// <summary>The algorithm names as Linux prints them, with ICV bits where Linux shows them.</summary>
    public string AlgorithmDescription
    {
        get
        {
            if (Encryption is { IsAead: true } aead)
            {
                return $"aead {aead.LinuxName} {aead.IcvSize * 8}";
            }

            string text = Encryption is null ? string.Empty : "enc " + Encryption.LinuxName;
            if (Integrity is not null)
            {
                text += (text.Length == 0 ? string.Empty : ", ") + $"auth-trunc {Integrity.LinuxName} {Integrity.IcvSize * 8}";
            }

            return text;
        }
    }

    /// <summary>Builds the SA and its whole-packet processor; the caller disposes it.</summary>
    /// <exception cref="SaFileException">The library refused the SA (key sizes, algorithm combination); the message names the field.</exception>
    public EspProcessor CreateProcessor()
    {
        if (!IsEsp)
        {
            throw new SaFileException(File, Location, "proto", "AH is not supported by this version of the tool");
        }

        EspSecurityAssociation sa;
        try
        {
            sa = new EspSecurityAssociation(new EspSecurityAssociationOptions
            {
                Spi = Spi,
                Encryption = Encryption!,
                EncryptionKey = EncryptionKey,
                Integrity = Integrity,
                IntegrityKey = IntegrityKey,
                ExtendedSequenceNumbers = ExtendedSequenceNumbers,
                ReplayWindowSize = Math.Min(ReplayWindowSize, EspSecurityAssociationOptions.MaximumReplayWindowSize),
                InitialInboundSequenceNumber = InboundSequenceNumber,
                InitialOutboundSequenceNumber = OutboundSequenceNumber,
            });
        }
        catch (ArgumentException e)
        {
            // The library's messages name the option, never the key bytes.
            throw new SaFileException(File, Location, "spi 0x" + Spi.ToString("x8", CultureInfo.InvariantCulture), FirstLine(e.Message));
        }

        try
        {
            return new EspProcessor(sa, new EspProcessorOptions
            {
                Mode = Mode,
                TunnelSource = Mode == IpsecMode.Tunnel ? Source : null,
                TunnelDestination = Mode == IpsecMode.Tunnel ? Destination : null,
                UdpEncapsulation = UdpEncapsulated,
                UdpSourcePort = UdpEncapsulated ? EncapsulationSourcePort : (ushort)4500,
                UdpDestinationPort = UdpEncapsulated ? EncapsulationDestinationPort : (ushort)4500,
            });
        }
        catch (ArgumentException e)
        {
            sa.Dispose();
            throw new SaFileException(File, Location, "src/dst", FirstLine(e.Message));
        }
    }

    /// <summary>Builds the AH SA (RFC 4302) for an AH definition; the caller disposes it.</summary>
    /// <exception cref="SaFileException">The library refused the SA; the message names the field.</exception>
    public AhSecurityAssociation CreateAh()
    {
        if (IsEsp || Integrity is null)
        {
            throw new SaFileException(File, Location, "proto", "an AH SA needs proto ah and an auth algorithm");
        }

        try
        {
            return new AhSecurityAssociation(new AhSecurityAssociationOptions
            {
                Spi = Spi,
                Integrity = Integrity,
                IntegrityKey = IntegrityKey,
                ExtendedSequenceNumbers = ExtendedSequenceNumbers,
                ReplayWindowSize = Math.Min(ReplayWindowSize, AhSecurityAssociationOptions.MaximumReplayWindowSize),
                InitialInboundSequenceNumber = InboundSequenceNumber,
                InitialOutboundSequenceNumber = OutboundSequenceNumber,
                Mode = Mode,
                TunnelSource = Mode == IpsecMode.Tunnel ? Source : null,
                TunnelDestination = Mode == IpsecMode.Tunnel ? Destination : null,
            });
        }
        catch (ArgumentException e)
        {
            throw new SaFileException(File, Location, "spi 0x" + Spi.ToString("x8", CultureInfo.InvariantCulture), FirstLine(e.Message));
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{ProtocolName} spi 0x{Spi:x8} {Source} -> {Destination} {(Mode == IpsecMode.Tunnel ? "tunnel" : "transport")} {AlgorithmDescription}{(UdpEncapsulated ? $" espinudp {EncapsulationSourcePort}/{EncapsulationDestinationPort}" : string.Empty)}{(ExtendedSequenceNumbers ? " esn" : string.Empty)}");

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
