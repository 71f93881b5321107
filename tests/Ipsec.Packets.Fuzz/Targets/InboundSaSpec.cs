using System.Net;

namespace Ipsec.Packets.Fuzz.Targets;

/// <summary>
/// One SA of the inbound harness, as both ends see it: the peer protects from <see cref="Peer"/> to <see cref="Local"/>
/// (inner traffic from <see cref="PeerNetwork"/> to <see cref="LocalNetwork"/> in tunnel mode); the harness unprotects.
/// </summary>
/// <param name="Name">Names the SA's seeds in the corpus.</param>
/// <param name="Spi">The SPI; the keys are <see cref="FixedKeys"/> of it.</param>
/// <param name="Encryption">The ESP cipher or AEAD; null for AH.</param>
/// <param name="KeyBits">The encryption key length in bits (without salt).</param>
/// <param name="Integrity">The integrity algorithm (AH, or ESP with a non-AEAD cipher).</param>
/// <param name="Esn">Extended sequence numbers.</param>
/// <param name="Mode">Transport or tunnel.</param>
/// <param name="Peer">The outer source address.</param>
/// <param name="Local">The outer destination address (ours).</param>
/// <param name="UdpEncapsulation">ESP in UDP 4500 (RFC 3948).</param>
/// <param name="PeerNetwork">Tunnel mode: the inner sources allowed.</param>
/// <param name="LocalNetwork">Tunnel mode: the inner destinations allowed.</param>
/// <param name="InDatabase">Installed in the SAD behind <see cref="IpsecPacketProcessor"/>; otherwise called directly.</param>
/// <param name="InitialSequenceNumber">The sequence number both ends start from (near 2^32 to cross the ESN wrap).</param>
internal sealed record InboundSaSpec(
    string Name,
    uint Spi,
    EncryptionAlgorithm? Encryption,
    int KeyBits,
    IntegrityAlgorithm? Integrity,
    bool Esn,
    IpsecMode Mode,
    IPAddress Peer,
    IPAddress Local,
    bool UdpEncapsulation,
    IPNetwork PeerNetwork,
    IPNetwork LocalNetwork,
    bool InDatabase,
    ulong InitialSequenceNumber = 0)
{
    /// <summary>The SAs of the harness: ESP behind the processor (GCM tunnel v4, CBC+HMAC transport v6, NAT-T, ESN), ESP and AH called directly.</summary>
    public static readonly InboundSaSpec[] All =
    [
        new("esp-gcm-tunnel-v4", 0x0000_1001, EncryptionAlgorithm.AesGcm16, 256, null, false, IpsecMode.Tunnel,
            IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.1"), false,
            IPNetwork.Parse("10.1.0.0/16"), IPNetwork.Parse("10.2.0.0/16"), InDatabase: true),
        new("esp-cbc-hmac-transport-v6", 0x0000_2002, EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha2_256_128, false, IpsecMode.Transport,
            IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2"), false,
            IPNetwork.Parse("2001:db8::1/128"), IPNetwork.Parse("2001:db8::2/128"), InDatabase: true),
        new("esp-natt-tunnel-v4", 0x0000_3003, EncryptionAlgorithm.AesGcm16, 128, null, false, IpsecMode.Tunnel,
            IPAddress.Parse("203.0.113.9"), IPAddress.Parse("198.51.100.1"), true,
            IPNetwork.Parse("10.3.0.0/16"), IPNetwork.Parse("10.4.0.0/16"), InDatabase: true),
        new("esp-esn-transport-v4", 0x0000_4004, EncryptionAlgorithm.ChaCha20Poly1305, 256, null, true, IpsecMode.Transport,
            IPAddress.Parse("192.0.2.7"), IPAddress.Parse("198.51.100.1"), false,
            IPNetwork.Parse("192.0.2.7/32"), IPNetwork.Parse("198.51.100.1/32"), InDatabase: true, InitialSequenceNumber: 0xFFFF_FFF0),
        new("esp-ccm-tunnel-v6", 0x0000_5005, EncryptionAlgorithm.AesCcm8, 128, null, false, IpsecMode.Tunnel,
            IPAddress.Parse("2001:db8:1::1"), IPAddress.Parse("2001:db8:2::1"), false,
            IPNetwork.Parse("2001:db8:a::/48"), IPNetwork.Parse("2001:db8:b::/48"), InDatabase: false),
        new("esp-ctr-xcbc-transport-v4", 0x0000_6006, EncryptionAlgorithm.AesCtr, 192, IntegrityAlgorithm.AesXcbc96, false, IpsecMode.Transport,
            IPAddress.Parse("192.0.2.20"), IPAddress.Parse("198.51.100.20"), false,
            IPNetwork.Parse("192.0.2.20/32"), IPNetwork.Parse("198.51.100.20/32"), InDatabase: false),
        new("ah-sha256-transport-v4", 0x0000_7007, null, 0, IntegrityAlgorithm.HmacSha2_256_128, false, IpsecMode.Transport,
            IPAddress.Parse("192.0.2.30"), IPAddress.Parse("198.51.100.30"), false,
            IPNetwork.Parse("192.0.2.30/32"), IPNetwork.Parse("198.51.100.30/32"), InDatabase: false),
        new("ah-sha1-esn-tunnel-v6", 0x0000_8008, null, 0, IntegrityAlgorithm.HmacSha1_96, true, IpsecMode.Tunnel,
            IPAddress.Parse("2001:db8::30"), IPAddress.Parse("2001:db8::31"), false,
            IPNetwork.Parse("2001:db8:c::/48"), IPNetwork.Parse("2001:db8:d::/48"), InDatabase: false, InitialSequenceNumber: 0x1_FFFF_FFF8),
    ];

    /// <summary>Whether this is an AH SA.</summary>
    public bool IsAh => Encryption is null;

    /// <summary>The ESP SA with the fixed keys; the sender's counter and the receiver's window both start at <see cref="InitialSequenceNumber"/>.</summary>
    public EspSecurityAssociation CreateEsp() => new(new EspSecurityAssociationOptions
    {
        Spi = Spi,
        Encryption = Encryption!,
        EncryptionKey = FixedKeys.For(Spi, (KeyBits / 8) + Encryption!.SaltSize, 1),
        Integrity = Integrity,
        IntegrityKey = Integrity is null ? default : FixedKeys.For(Spi, Integrity.KeySize, 2),
        ExtendedSequenceNumbers = Esn,
        ReplayWindowSize = 128,
        InitialInboundSequenceNumber = InitialSequenceNumber,
        InitialOutboundSequenceNumber = InitialSequenceNumber,
    });

    /// <summary>The ESP processor (outer headers) over <see cref="CreateEsp"/>.</summary>
    public EspProcessor CreateEspProcessor() => new(CreateEsp(), new EspProcessorOptions
    {
        Mode = Mode,
        TunnelSource = Mode == IpsecMode.Tunnel ? Peer : null,
        TunnelDestination = Mode == IpsecMode.Tunnel ? Local : null,
        UdpEncapsulation = UdpEncapsulation,
    });

    /// <summary>The AH SA with the fixed key.</summary>
    public AhSecurityAssociation CreateAh() => new(new AhSecurityAssociationOptions
    {
        Spi = Spi,
        Integrity = Integrity!,
        IntegrityKey = FixedKeys.For(Spi, Integrity!.KeySize, 2),
        ExtendedSequenceNumbers = Esn,
        ReplayWindowSize = 128,
        InitialInboundSequenceNumber = InitialSequenceNumber,
        InitialOutboundSequenceNumber = InitialSequenceNumber,
        Mode = Mode,
        TunnelSource = Mode == IpsecMode.Tunnel ? Peer : null,
        TunnelDestination = Mode == IpsecMode.Tunnel ? Local : null,
    });

    /// <summary>The inbound policy the SA is installed for: inner traffic from the peer's network to ours.</summary>
    public SecurityPolicy CreatePolicy() => new(
        new TrafficSelector { LocalAddress = IPAddressRange.FromPrefix(LocalNetwork), RemoteAddress = IPAddressRange.FromPrefix(PeerNetwork) },
        SecurityPolicyAction.Protect,
        priority: 10);
}
