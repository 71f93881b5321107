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

    private readonly string? _location;
    private readonly SaLocation? _origin;
    private readonly SaLocation? _encryptionOrigin;
    private readonly SaLocation? _integrityOrigin;

    public required string File { get; init; }

    /// <summary>Where the SA starts in its file: a line number (xfrm) or a JSON path. Setting it alone (an SA built in code) gives
    /// <see cref="Origin"/> that text.</summary>
    public string Location
    {
        get => Origin.Where;
        init => _location = value;
    }

    /// <summary>Where the SA starts in its file (the readers set it; otherwise made from <see cref="File"/> and <see cref="Location"/>).</summary>
    public SaLocation Origin
    {
        get => _origin ?? new SaLocation(File, 0, _location ?? "?");
        init => _origin = value;
    }

    /// <summary>Where the encryption key is (the aead or enc line, or the JSON key's path); <see cref="Origin"/> when not set.</summary>
    public SaLocation EncryptionOrigin
    {
        get => _encryptionOrigin ?? Origin;
        init => _encryptionOrigin = value;
    }

    /// <summary>Where the integrity key is (the auth or auth-trunc line, or the JSON key's path); <see cref="Origin"/> when not set.</summary>
    public SaLocation IntegrityOrigin
    {
        get => _integrityOrigin ?? Origin;
        init => _integrityOrigin = value;
    }

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

    /// <summary>ESP with a cipher and no integrity algorithm (RFC 4303 §3.2 confidentiality-only): packets are not authenticated.</summary>
    public bool IsConfidentialityOnly => IsEsp && Encryption is { IsAead: false } && Integrity is null;

    /// <summary>What the tool warns about on stderr when it loads this SA, or <see langword="null"/>.</summary>
    public string? Warning => IsConfidentialityOnly
        ? $"{EncryptionOrigin}: {this}: encryption without integrity: packets are not authenticated, so a forged or corrupted packet decrypts to garbage instead of failing, and a wrong key shows as bad padding"
        : null;

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

    /// <summary>Checks what the library would refuse, in the tool's words, at the line or JSON path of the key concerned.</summary>
    /// <exception cref="SaFileException">A key of the wrong length, or ESP without encryption and integrity.</exception>
    public void Validate()
    {
        if (Encryption is { } encryption)
        {
            int keyBits = (EncryptionKey.Length - encryption.SaltSize) * 8;
            if (EncryptionKey.Length < encryption.SaltSize || !encryption.IsValidKeySize(keyBits))
            {
                var sizes = new System.Text.StringBuilder();
                ReadOnlySpan<int> bits = encryption.KeySizesInBits;
                for (int i = 0; i < bits.Length; i++)
                {
                    sizes.Append(i == 0 ? string.Empty : i == bits.Length - 1 ? " or " : ", ");
                    sizes.Append((bits[i] / 8) + encryption.SaltSize);
                }

                string salt = encryption.SaltSize == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" (key and {encryption.SaltSize}-byte salt)");
                throw EncryptionOrigin.Error(EncryptionField, string.Create(CultureInfo.InvariantCulture,
                    $"the key is {EncryptionKey.Length} bytes; {encryption.LinuxName} takes {sizes} bytes{salt}"));
            }

            if (IsEsp && encryption == EncryptionAlgorithm.Null && Integrity is null)
            {
                throw EncryptionOrigin.Error(EncryptionField, $"{encryption.LinuxName} without an integrity algorithm protects nothing (RFC 4303 §3.2)");
            }
        }

        if (Integrity is { } integrity && IntegrityKey.Length != integrity.KeySize)
        {
            throw IntegrityOrigin.Error(IntegrityField, string.Create(CultureInfo.InvariantCulture,
                $"the key is {IntegrityKey.Length} bytes; {integrity.LinuxName} takes {integrity.KeySize}"));
        }
    }

    private string EncryptionField => Encryption is { IsAead: true } ? "aead" : "enc";

    private string IntegrityField => "auth";

    /// <summary>Builds the SA and its whole-packet processor; the caller disposes it.</summary>
    /// <exception cref="SaFileException">The library refused the SA (key sizes, algorithm combination); the message names the field.</exception>
    public EspProcessor CreateProcessor()
    {
        if (!IsEsp)
        {
            throw Origin.Error("proto", "AH is not supported by this version of the tool");
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
            // Validate() catches what the readers can; the library's messages name the option, never the key bytes.
            throw Refused(e);
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
            throw Origin.Error("src/dst", LibraryMessage(e));
        }
    }

    /// <summary>Builds the AH SA (RFC 4302) for an AH definition; the caller disposes it.</summary>
    /// <exception cref="SaFileException">The library refused the SA; the message names the field.</exception>
    public AhSecurityAssociation CreateAh()
    {
        if (IsEsp || Integrity is null)
        {
            throw Origin.Error("proto", "an AH SA needs proto ah and an auth algorithm");
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
            throw Refused(e);
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{ProtocolName} spi 0x{Spi:x8} {Source} -> {Destination} {(Mode == IpsecMode.Tunnel ? "tunnel" : "transport")} {AlgorithmDescription}{(UdpEncapsulated ? $" espinudp {EncapsulationSourcePort}/{EncapsulationDestinationPort}" : string.Empty)}{(ExtendedSequenceNumbers ? " esn" : string.Empty)}");

    /// <summary>The library's refusal at the line of the key it is about, without the "(Parameter 'options')" it appends.</summary>
    private SaFileException Refused(ArgumentException e)
    {
        string message = LibraryMessage(e);
        if (message.StartsWith("EncryptionKey", StringComparison.Ordinal))
        {
            return EncryptionOrigin.Error(EncryptionField, message);
        }

        if (message.StartsWith("IntegrityKey", StringComparison.Ordinal) || message.StartsWith("Integrity", StringComparison.Ordinal))
        {
            return IntegrityOrigin.Error(IntegrityField, message);
        }

        return Origin.Error("spi 0x" + Spi.ToString("x8", CultureInfo.InvariantCulture), message);
    }

    private static string LibraryMessage(ArgumentException e)
    {
        string message = e.Message;
        int end = message.IndexOfAny(['\r', '\n']);
        message = end < 0 ? message : message[..end];
        if (e.ParamName is { } name)
        {
            string suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                message = message[..^suffix.Length];
            }
        }

        return message.TrimEnd();
    }
}
