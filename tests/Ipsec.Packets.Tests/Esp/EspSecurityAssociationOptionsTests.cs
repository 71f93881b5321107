using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Esp;

/// <summary>
/// ESP SA configuration errors (each refused with an ArgumentException whose message names the field, the limits
/// themselves accepted), the SA's description, the sizing methods' argument checks, and the uniqueness of the IVs it
/// puts in packets.
/// </summary>
[Parallelizable(ParallelScope.All)]
public class EspSecurityAssociationOptionsTests
{
    private static EspSecurityAssociationOptions Options(
        EncryptionAlgorithm encryption, int keyLength, IntegrityAlgorithm? integrity = null, int integrityKeyLength = -1, uint spi = 0x1234,
        int replayWindow = 64, bool esn = false, bool implicitIv = false, int tfc = 0, ulong lastSent = 0, ulong highestReceived = 0) =>
        new()
        {
            Spi = spi,
            Encryption = encryption,
            EncryptionKey = new byte[keyLength],
            Integrity = integrity,
            IntegrityKey = new byte[integrityKeyLength >= 0 ? integrityKeyLength : integrity?.KeySize ?? 0],
            ReplayWindowSize = replayWindow,
            ExtendedSequenceNumbers = esn,
            ImplicitIv = implicitIv,
            TfcPaddingLength = tfc,
            InitialOutboundSequenceNumber = lastSent,
            InitialInboundSequenceNumber = highestReceived,
        };

    private static EspSecurityAssociationOptions Gcm(
        int replayWindow = 64, bool esn = false, bool implicitIv = false, int tfc = 0, ulong lastSent = 0, ulong highestReceived = 0, uint spi = 0x1234) =>
        Options(EncryptionAlgorithm.AesGcm16, 16 + 4, spi: spi, replayWindow: replayWindow, esn: esn, implicitIv: implicitIv, tfc: tfc, lastSent: lastSent, highestReceived: highestReceived);

    private static IEnumerable<TestCaseData> Refused()
    {
        yield return new TestCaseData(Options(null!, 16), "Encryption must be set").SetName("no encryption algorithm");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesCbc, 17, IntegrityAlgorithm.HmacSha1_96), "EncryptionKey: ").SetName("an AES key of 17 bytes");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesGcm16, 16), "EncryptionKey: ").SetName("an AES-GCM key without its salt");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesGcm16, 2), "EncryptionKey: ").SetName("an AES-GCM key shorter than the salt");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesGcm16, 20, IntegrityAlgorithm.HmacSha1_96), "Integrity: ").SetName("AEAD with an integrity algorithm");
        yield return new TestCaseData(Options(EncryptionAlgorithm.Null, 0), "Integrity: ").SetName("ENCR_NULL without integrity");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesCbc, 16, IntegrityAlgorithm.AesGmac128), "Integrity: ").SetName("AH's GMAC as an ESP integrity algorithm");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesCbc, 16, IntegrityAlgorithm.HmacSha1_96, 19), "IntegrityKey: ").SetName("an HMAC-SHA1 key one byte short");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesCbc, 16, IntegrityAlgorithm.HmacSha1_96, 21), "IntegrityKey: ").SetName("an HMAC-SHA1 key one byte long");
        yield return new TestCaseData(Gcm(replayWindow: -1), "ReplayWindowSize must be 0 (off) to 1048576").SetName("a negative replay window");
        yield return new TestCaseData(Gcm(replayWindow: EspSecurityAssociationOptions.MaximumReplayWindowSize + 1), "ReplayWindowSize must be 0 (off) to 1048576").SetName("a replay window one above the maximum");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesCbc, 16, IntegrityAlgorithm.HmacSha2_256_128, implicitIv: true), "ImplicitIv: ").SetName("implicit IV with AES-CBC");
        yield return new TestCaseData(Options(EncryptionAlgorithm.NullAuthAesGmac, 20, implicitIv: true), "ImplicitIv: ").SetName("implicit IV with ENCR_NULL_AUTH_AES_GMAC");
        yield return new TestCaseData(Gcm(tfc: -1), "TfcPaddingLength must be 0 to 65535").SetName("negative TFC padding");
        yield return new TestCaseData(Gcm(tfc: 65536), "TfcPaddingLength must be 0 to 65535").SetName("TFC padding beyond an IP packet");
        yield return new TestCaseData(Gcm(lastSent: 1UL << 32), "InitialOutboundSequenceNumber and InitialInboundSequenceNumber").SetName("a 33-bit outbound sequence number without ESN");
        yield return new TestCaseData(Gcm(highestReceived: 1UL << 32), "InitialOutboundSequenceNumber and InitialInboundSequenceNumber").SetName("a 33-bit inbound sequence number without ESN");
    }

    [TestCaseSource(nameof(Refused))]
    public void AnInvalidConfigurationIsRefusedNamingTheField(EspSecurityAssociationOptions options, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new EspSecurityAssociation(options).Dispose());
        Assert.That(ex!.ParamName, Is.EqualTo("options"));
        Assert.That(ex.Message, Does.StartWith(message), "the message begins with the field it is about");
    }

    [Test]
    public void NoOptionsAtAllIsAnArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => new EspSecurityAssociation(null!).Dispose());
        Assert.That(ex!.ParamName, Is.EqualTo("options"));
    }

    [Test]
    public void AWrongKeySizeSaysWhichSizesFitAndWhetherASaltFollows()
    {
        var ex = Assert.Throws<ArgumentException>(() => new EspSecurityAssociation(Options(EncryptionAlgorithm.AesGcm16, 16)).Dispose());
        Assert.That(ex!.Message, Does.StartWith("EncryptionKey: ENCR_AES_GCM_16 needs a key of 128, 192, 256 bits followed by a 4-byte salt; got 16 bytes."));
        ex = Assert.Throws<ArgumentException>(() => new EspSecurityAssociation(Options(EncryptionAlgorithm.AesCbc, 17, IntegrityAlgorithm.HmacSha1_96)).Dispose());
        Assert.That(ex!.Message, Does.StartWith("EncryptionKey: ENCR_AES_CBC needs a key of 128, 192, 256 bits; got 17 bytes."));
    }

    private static IEnumerable<TestCaseData> Accepted()
    {
        yield return new TestCaseData(Gcm(replayWindow: 0)).SetName("replay protection off");
        yield return new TestCaseData(Gcm(replayWindow: EspSecurityAssociationOptions.MaximumReplayWindowSize)).SetName("the largest replay window");
        yield return new TestCaseData(Gcm(implicitIv: true)).SetName("implicit IV with AES-GCM");
        yield return new TestCaseData(Gcm(tfc: 65535)).SetName("the largest TFC padding");
        yield return new TestCaseData(Gcm(lastSent: uint.MaxValue, highestReceived: uint.MaxValue)).SetName("the last 32-bit sequence numbers");
        yield return new TestCaseData(Gcm(esn: true, lastSent: 1UL << 32, highestReceived: ulong.MaxValue))
            .SetName("64-bit sequence numbers with ESN");
        yield return new TestCaseData(Options(EncryptionAlgorithm.Null, 0, IntegrityAlgorithm.HmacSha1_96)).SetName("ENCR_NULL with integrity");
        yield return new TestCaseData(Options(EncryptionAlgorithm.AesCbc, 16)).SetName("confidentiality only");
    }

    [TestCaseSource(nameof(Accepted))]
    public void TheLimitsThemselvesAreAccepted(EspSecurityAssociationOptions options)
    {
        using var sa = new EspSecurityAssociation(options);
        Assert.That(sa.ReplayWindowSize, Is.EqualTo(options.ReplayWindowSize));
        Assert.That(sa.TfcPaddingLength, Is.EqualTo(options.TfcPaddingLength));
        Assert.That(sa.OutboundSequenceNumber, Is.EqualTo(options.InitialOutboundSequenceNumber));
        Assert.That(sa.HighestInboundSequenceNumber, Is.EqualTo(options.InitialInboundSequenceNumber));
    }

    [Test]
    public void TheDescriptionNamesSpiAlgorithmsOptionsAndWindowButNoKey()
    {
        using var cbc = new EspSecurityAssociation(Options(EncryptionAlgorithm.AesCbc, 16, IntegrityAlgorithm.HmacSha2_256_128));
        Assert.That(cbc.ToString(), Is.EqualTo("ESP SA spi=0x00001234 ENCR_AES_CBC + AUTH_HMAC_SHA2_256_128 replay-window=64"));
        using var gcm = new EspSecurityAssociation(Gcm(spi: 0xC0FFEE01, esn: true, implicitIv: true, replayWindow: 1024));
        Assert.That(gcm.ToString(), Is.EqualTo("ESP SA spi=0xc0ffee01 ENCR_AES_GCM_16 esn implicit-iv replay-window=1024"));
    }

    [Test]
    public void NegativeLengthsAreCallerMistakes()
    {
        using var sa = new EspSecurityAssociation(Gcm());
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => sa.GetProtectedLength(-1, 6));
        Assert.That(ex!.ParamName, Is.EqualTo("payloadLength"));
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => sa.ProtectDummy(-1, new byte[100], out _));
        Assert.That(ex!.ParamName, Is.EqualTo("dummyPayloadLength"));
        Assert.That(sa.OutboundSequenceNumber, Is.Zero);
    }

    [Test]
    public void ADummyPacketOnADisposedSaThrowsBeforeWritingAnything()
    {
        var sa = new EspSecurityAssociation(Gcm());
        sa.Dispose();
        var destination = new byte[200];
        Assert.Throws<ObjectDisposedException>(() => sa.ProtectDummy(40, destination, out _));
        Assert.That(destination, Is.All.EqualTo(0), "no random bytes written by a call that throws");
    }

    [Test]
    public void ADisposedSaReservesNoSequenceNumbersForABatch()
    {
        var sa = new EspSecurityAssociation(Gcm());
        sa.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sa.ReserveSequenceNumbers(8, out _));
        Assert.That(sa.OutboundSequenceNumber, Is.Zero);
    }

    // The sizing methods are exact: MaximumTrailerLength is the most Protect adds after a payload (TFC padding aside), and
    // a TFC target that is exactly the largest payload that fits still fits.
    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void TheMaximumTrailerLengthIsWhatTheWorstPayloadLengthTakes(EspConfiguration config)
    {
        using EspSecurityAssociation sa = config.Create();
        int largest = 0;
        for (int length = 0; length < 64; length++)
        {
            largest = Math.Max(largest, sa.GetProtectedLength(length, 6) - sa.HeaderLength - length);
        }

        Assert.That(sa.MaximumTrailerLength, Is.EqualTo(largest));
    }

    [TestCase(102)]    // with the 2-byte trailer a multiple of AES-GCM's 4-byte alignment: no padding
    [TestCase(1002)]
    public void ATfcTargetEqualToTheLargestPayloadThatFitsStillFits(int target)
    {
        using var sa = new EspSecurityAssociation(Gcm(tfc: target));
        int room = sa.GetProtectedLength(target, 4);
        Assert.That(sa.GetMaximumPayloadLength(room, 4), Is.EqualTo(target));
        Assert.That(sa.GetMaximumPayloadLength(room - 1, 4), Is.EqualTo(-1), "below the target's length nothing fits: every payload is padded to it");
        Assert.That(sa.GetMaximumPayloadLength(room - 1, 6), Is.GreaterThan(0), "a payload without its own length is not padded");
    }

    [Test]
    public void ADummyPacketThatDoesNotFitUsesNoSequenceNumber()
    {
        using var sa = new EspSecurityAssociation(Gcm());
        int needed = sa.GetProtectedLength(40, 59);
        byte[] destination = new byte[needed - 1];
        Assert.That(sa.ProtectDummy(40, destination, out int written), Is.EqualTo(IpsecStatus.DestinationTooSmall));
        Assert.That(written, Is.Zero);
        Assert.That(destination, Is.All.EqualTo(0), "nothing written");
        Assert.That(sa.OutboundSequenceNumber, Is.Zero);
        Assert.That(sa.ProtectDummy(40, new byte[needed], out written), Is.EqualTo(IpsecStatus.Success));
        Assert.That(written, Is.EqualTo(needed));
    }

    // RFC 4303 §3.3.2 and the algorithm RFCs: an IV never repeats under one key. Counter-mode and AEAD IVs (RFC 3686,
    // 4106, 4309, 4543, 7634) are the sequence number; CBC IVs (RFC 3602) are unpredictable, so distinct.
    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void EveryPacketCarriesAFreshIv(EspConfiguration config)
    {
        using EspSecurityAssociation sender = config.Create();
        if (sender.IvSize == 0)
        {
            Assert.That(config.ImplicitIv || config.Encryption == EncryptionAlgorithm.Null, Is.True, "only implicit IVs and ENCR_NULL carry none");
            return;
        }

        var seen = new HashSet<string>();
        byte[] payload = new byte[32];
        for (int i = 1; i <= 8; i++)
        {
            // A fresh zeroed buffer each time: an IV field left unwritten would repeat.
            var packet = new byte[sender.GetProtectedLength(payload.Length, 6)];
            Assert.That(sender.Protect(payload, 6, packet, out _), Is.EqualTo(IpsecStatus.Success));
            byte[] iv = packet.AsSpan(8, sender.IvSize).ToArray();
            Assert.That(seen.Add(Convert.ToHexString(iv)), Is.True, $"packet {i} repeats an IV");
            if (config.Encryption.IsAead || config.Encryption == EncryptionAlgorithm.AesCtr)
            {
                Assert.That(BinaryPrimitives.ReadUInt64BigEndian(iv), Is.EqualTo((ulong)i), "a counter-based IV is the sequence number");
            }
        }
    }
}
