using System;
using System.Collections.Generic;
using System.Net;
using Ipsec.Packets.Tests.Ah;
using Ipsec.Packets.Tests.Esp;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// Key hygiene of every SA type: after Dispose every managed copy of key material the SA owns is zero (found by walking
/// its object graph, see <see cref="OwnedSecrets"/>), using it throws <see cref="ObjectDisposedException"/>, and no
/// ToString or exception message for a caller's mistake shows key bytes.
/// </summary>
[Parallelizable(ParallelScope.All)]
public class KeyHygieneTests
{
    /// <summary>Configurations whose algorithms keep no managed key copy at all (the BCL's HMAC keeps it natively).</summary>
    private static bool HoldsNoManagedKey(EncryptionAlgorithm encryption, IntegrityAlgorithm? integrity) =>
        encryption.TransformId == EncryptionTransformId.Null && integrity is not null && integrity.Name.StartsWith("AUTH_HMAC", StringComparison.Ordinal);

    private static void AssertZeroedByDispose(object owner, IDisposable disposable, bool mayHoldNothing)
    {
        List<OwnedSecrets.Secret> before = OwnedSecrets.Collect(owner);
        if (!mayHoldNothing)
        {
            Assert.That(before.Exists(s => !s.IsZero), Is.True, "the walk finds the key material before Dispose");
        }

        disposable.Dispose();
        var left = new List<string>();
        foreach (OwnedSecrets.Secret secret in OwnedSecrets.Collect(owner))
        {
            if (!secret.IsZero)
            {
                left.Add(secret.Path);
            }
        }

        Assert.That(left, Is.Empty, "key material left after Dispose");
    }

    private static void Exercise(EspSecurityAssociation sender, EspSecurityAssociation receiver)
    {
        var packet = new byte[200];
        Assert.That(sender.Protect(new byte[40], 6, packet, out int written), Is.EqualTo(IpsecStatus.Success));
        Assert.That(receiver.Unprotect(packet.AsSpan(0, written), new byte[200], out _), Is.EqualTo(IpsecStatus.Success));
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void AnEspSaHoldsOnlyZeroesAfterDispose(EspConfiguration config)
    {
        EspSecurityAssociation sender = config.Create();
        EspSecurityAssociation receiver = config.Create();
        Exercise(sender, receiver);
        AssertZeroedByDispose(sender, sender, HoldsNoManagedKey(config.Encryption, config.Integrity));
        AssertZeroedByDispose(receiver, receiver, HoldsNoManagedKey(config.Encryption, config.Integrity));
    }

    [TestCase("AesGcm16", "", "_aead._salt", "_aead._aes", "_aead._ghash")]
    [TestCase("ChaCha20Poly1305", "", "_aead._salt", "_aead._key")]
    [TestCase("AesCtr", "AesXcbc96", "_cipher._nonce", "_cipher._aes", "_integrity._subkeys")]
    [TestCase("TripleDesCbc", "HmacSha1_96", "_cipher._ivMask")]
    [TestCase("AesCcm16", "", "_aead._salt", "_aead._aes")]
    public void TheWalkFindsEveryKindOfKeyState(string encryptionName, string integrityName, params string[] expectedPaths)
    {
        var encryption = (EncryptionAlgorithm)typeof(EncryptionAlgorithm).GetProperty(encryptionName)!.GetValue(null)!;
        var integrity = integrityName.Length == 0 ? null : (IntegrityAlgorithm)typeof(IntegrityAlgorithm).GetProperty(integrityName)!.GetValue(null)!;
        using EspSecurityAssociation sa = new EspConfiguration(encryption, encryption.KeySizesInBits[^1], integrity).Create();
        List<OwnedSecrets.Secret> secrets = OwnedSecrets.Collect(sa);
        foreach (string expected in expectedPaths)
        {
            Assert.That(secrets.Exists(s => s.Path.Contains(expected, StringComparison.Ordinal) && !s.IsZero), Is.True, expected);
        }
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void ADisposedEspSaThrowsObjectDisposedException(EspConfiguration config)
    {
        EspSecurityAssociation sender = config.Create();
        EspSecurityAssociation receiver = config.Create();
        var packet = new byte[200];
        Assert.That(sender.Protect(new byte[40], 6, packet, out int written), Is.EqualTo(IpsecStatus.Success));
        sender.Dispose();
        receiver.Dispose();
        sender.Dispose();   // twice is fine
        Assert.Throws<ObjectDisposedException>(() => sender.Protect(new byte[40], 6, new byte[200], out _));
        Assert.Throws<ObjectDisposedException>(() => sender.ProtectDummy(10, new byte[200], out _));
        Assert.Throws<ObjectDisposedException>(() => receiver.Unprotect(packet.AsSpan(0, written), new byte[200], out _));
    }

    [TestCase(IpsecMode.Tunnel)]
    [TestCase(IpsecMode.Transport)]
    public void AnEspProcessorZeroesItsSaAndThenThrows(IpsecMode mode)
    {
        var config = new EspConfiguration(EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.AesXcbc96);
        var options = new EspProcessorOptions
        {
            Mode = mode,
            TunnelSource = mode == IpsecMode.Tunnel ? IPAddress.Parse("192.0.2.1") : null,
            TunnelDestination = mode == IpsecMode.Tunnel ? IPAddress.Parse("198.51.100.1") : null,
            NatOriginalSource = IPAddress.Parse("10.0.0.1"),
            NatOriginalDestination = IPAddress.Parse("10.0.0.2"),
        };
        var sender = new EspProcessor(config.Create(), options);
        var receiver = new EspProcessor(config.Create(), options);
        byte[] inner = SamplePackets.IPv4Udp();
        byte[] packet = EspBitFlipTests.Protect(sender, inner);
        AssertZeroedByDispose(sender, sender, mayHoldNothing: false);
        AssertZeroedByDispose(receiver, receiver, mayHoldNothing: false);
        Assert.That(sender.SecurityAssociation.ToString(), Does.Contain("ESP SA"));
        var buffer = new byte[sender.MaximumHeadroom + inner.Length + sender.MaximumTailroom];
        inner.CopyTo(buffer, sender.MaximumHeadroom);
        byte[] before = (byte[])buffer.Clone();
        ulong sequenceNumber = sender.SecurityAssociation.OutboundSequenceNumber;
        Assert.Throws<ObjectDisposedException>(() => sender.Protect(buffer, sender.MaximumHeadroom, inner.Length, out _));
        Assert.That(buffer, Is.EqualTo(before), "refused before any byte of the packet was written");
        Assert.That(sender.SecurityAssociation.OutboundSequenceNumber, Is.EqualTo(sequenceNumber), "no sequence number spent");
        Assert.Throws<ObjectDisposedException>(() => receiver.Unprotect(packet, 0, packet.Length, out _));
    }

    public static IEnumerable<TestCaseData> AhAlgorithms()
    {
        foreach (IntegrityAlgorithm integrity in IntegrityAlgorithm.All.ToArray())
        {
            yield return new TestCaseData(integrity).SetArgDisplayNames(integrity.Name);
        }
    }

    [TestCaseSource(nameof(AhAlgorithms))]
    public void AnAhSaHoldsOnlyZeroesAfterDisposeAndThenThrows(IntegrityAlgorithm integrity)
    {
        var pair = new AhPair(integrity, IpsecMode.Tunnel);
        byte[] packet = pair.Protect(SamplePackets.IPv4Udp());
        Assert.That(pair.Unprotect(packet).Status, Is.EqualTo(IpsecStatus.Success));
        bool hmac = integrity.Name.StartsWith("AUTH_HMAC", StringComparison.Ordinal);
        AssertZeroedByDispose(pair.Sender, pair.Sender, mayHoldNothing: hmac);
        AssertZeroedByDispose(pair.Receiver, pair.Receiver, mayHoldNothing: hmac);
        var buffer = new byte[200];
        byte[] plain = SamplePackets.IPv4Udp();
        plain.CopyTo(buffer, 100);
        Assert.Throws<ObjectDisposedException>(() => pair.Sender.Protect(buffer, 100, plain.Length, out _));
        Assert.Throws<ObjectDisposedException>(() => pair.Receiver.Unprotect(packet, 0, packet.Length, out _));
    }

    [Test]
    public void DisposingTheDatabaseZeroesTheSasItHolds()
    {
        var config = new EspConfiguration(EncryptionAlgorithm.AesGcm16, 256, null);
        var sad = new SecurityAssociationDatabase();
        var processor = new EspProcessor(config.Create(), new EspProcessorOptions { TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("198.51.100.1") });
        SecurityAssociationHandle handle = sad.Add(processor, SecurityAssociationDirection.Inbound, IPAddress.Parse("198.51.100.1"));
        var removed = new EspProcessor(new EspConfiguration(EncryptionAlgorithm.ChaCha20Poly1305, 256, null).Create(spi: 0x5000), new EspProcessorOptions { Mode = IpsecMode.Transport });
        SecurityAssociationHandle other = sad.Add(removed, SecurityAssociationDirection.Inbound);
        Assert.That(OwnedSecrets.Collect(processor).Exists(s => !s.IsZero), Is.True);

        Assert.That(sad.Remove(other), Is.True);
        Assert.That(other.IsDisposed, Is.True);
        Assert.That(OwnedSecrets.Collect(removed).TrueForAll(s => s.IsZero), Is.True, "a removed SA is zeroed");
        SecurityAssociationHandle outbound = sad.Add(
            new EspProcessor(config.Create(spi: 0x6000), new EspProcessorOptions { Mode = IpsecMode.Transport }), SecurityAssociationDirection.Outbound);
        foreach (string text in new[] { handle.ToString(), outbound.ToString(), new SecurityAssociationBundle(outbound).ToString(), processor.ToString()! })
        {
            Assert.That(ShowsKey(text, config.EncryptionKey()), Is.False, text);
        }

        sad.Dispose();
        Assert.That(handle.IsDisposed, Is.True);
        Assert.That(OwnedSecrets.Collect(processor).TrueForAll(s => s.IsZero), Is.True, "the database's SAs are zeroed");
    }

    [Test]
    public void ARemovedSaInUseIsZeroedWhenItsLastLeaseIsReleased()
    {
        using var sad = new SecurityAssociationDatabase();
        var processor = new EspProcessor(new EspConfiguration(EncryptionAlgorithm.AesCtr, 256, IntegrityAlgorithm.AesCmac96).Create(), new EspProcessorOptions { Mode = IpsecMode.Transport });
        SecurityAssociationHandle handle = sad.Add(processor, SecurityAssociationDirection.Inbound);
        Assert.That(handle.Acquire(out SecurityAssociationLease lease), Is.EqualTo(IpsecStatus.Success));
        Assert.That(sad.Remove(handle), Is.True);
        Assert.That(handle.IsDisposed, Is.False, "a packet in flight still holds it");
        Assert.That(OwnedSecrets.Collect(processor).Exists(s => !s.IsZero), Is.True, "keys intact while leased");
        lease.Dispose();
        Assert.That(handle.IsDisposed, Is.True);
        Assert.That(OwnedSecrets.Collect(processor).TrueForAll(s => s.IsZero), Is.True, "zeroed with the last lease");
        Assert.Throws<ObjectDisposedException>(() => processor.SecurityAssociation.Protect(new byte[8], 6, new byte[100], out _));
    }

    /// <summary>True when <paramref name="text"/> shows the key, or any 6 consecutive bytes of it, in hex (either case, with or without dashes) or base64.</summary>
    internal static bool ShowsKey(string text, byte[] key)
    {
        if (key.Length == 0)
        {
            return false;
        }

        if (text.Contains(Convert.ToBase64String(key), StringComparison.Ordinal))
        {
            return true;
        }

        int window = Math.Min(6, key.Length);
        for (int offset = 0; offset + window <= key.Length; offset++)
        {
            byte[] part = key[offset..(offset + window)];
            string hex = Convert.ToHexString(part);
            if (text.Contains(hex, StringComparison.OrdinalIgnoreCase) ||
                text.Contains(BitConverter.ToString(part), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [TestCaseSource(typeof(EspConfigurations), nameof(EspConfigurations.Cases))]
    public void NoStringOrMessageShowsAnEspKey(EspConfiguration config)
    {
        byte[] encryptionKey = config.EncryptionKey(seed: 77);
        byte[] integrityKey = config.IntegrityKey(seed: 77);
        var options = new EspSecurityAssociationOptions
        {
            Spi = 0x1234, Encryption = config.Encryption, EncryptionKey = encryptionKey, Integrity = config.Integrity, IntegrityKey = integrityKey,
            ExtendedSequenceNumbers = config.Esn, ImplicitIv = config.ImplicitIv,
        };
        using var sa = new EspSecurityAssociation(options);
        using var processor = new EspProcessor(new EspSecurityAssociation(options), new EspProcessorOptions { Mode = IpsecMode.Transport });
        var texts = new List<string> { sa.ToString(), options.ToString()!, processor.ToString()!, new EspProcessorOptions().ToString()!, sa.Statistics.ToString()! };

        // Caller mistakes: keys a byte short and a byte long, keys swapped, and combinations the SA refuses.
        var mistakes = new List<EspSecurityAssociationOptions>
        {
            Options(options, encryptionKey.Length > 0 ? encryptionKey[..^1] : [0xEE], integrityKey),
            Options(options, [.. encryptionKey, 0xEE], integrityKey),
        };
        if (config.Integrity is not null)
        {
            mistakes.Add(Options(options, encryptionKey, integrityKey[..^1]));
            mistakes.Add(Options(options, encryptionKey, [.. integrityKey, 0xEE]));
            if (integrityKey.Length != encryptionKey.Length)
            {
                mistakes.Add(Options(options, integrityKey, encryptionKey));   // swapped
            }
        }
        else
        {
            mistakes.Add(new EspSecurityAssociationOptions
            {
                Spi = 0x1234, Encryption = config.Encryption, EncryptionKey = encryptionKey, Integrity = IntegrityAlgorithm.HmacSha2_256_128, IntegrityKey = encryptionKey,
            });
        }

        foreach (EspSecurityAssociationOptions mistake in mistakes)
        {
            ArgumentException? error = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => new EspSecurityAssociation(mistake).Dispose()) as ArgumentException;
            texts.Add(error!.ToString());
        }

        foreach (string text in texts)
        {
            Assert.That(ShowsKey(text, encryptionKey) || ShowsKey(text, integrityKey), Is.False, text);
        }
    }

    private static EspSecurityAssociationOptions Options(EspSecurityAssociationOptions template, byte[] encryptionKey, byte[] integrityKey) => new()
    {
        Spi = template.Spi, Encryption = template.Encryption, EncryptionKey = encryptionKey, Integrity = template.Integrity, IntegrityKey = integrityKey,
        ExtendedSequenceNumbers = template.ExtendedSequenceNumbers, ImplicitIv = template.ImplicitIv,
    };

    [TestCaseSource(nameof(AhAlgorithms))]
    public void NoStringOrMessageShowsAnAhKey(IntegrityAlgorithm integrity)
    {
        byte[] key = SamplePackets.Random(integrity.KeySize + integrity.SaltSize, 4242);
        var options = new AhSecurityAssociationOptions { Spi = 0x4321, Integrity = integrity, IntegrityKey = key, Mode = IpsecMode.Transport };
        using var sa = new AhSecurityAssociation(options);
        var texts = new List<string> { sa.ToString(), options.ToString()! };
        foreach (byte[] wrong in new[] { key[..^1], [.. key, 0xEE], [] })
        {
            var mistake = new AhSecurityAssociationOptions { Spi = 0x4321, Integrity = integrity, IntegrityKey = wrong, Mode = IpsecMode.Transport };
            ArgumentException? error = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => new AhSecurityAssociation(mistake).Dispose()) as ArgumentException;
            texts.Add(error!.ToString());
        }

        foreach (string text in texts)
        {
            Assert.That(ShowsKey(text, key), Is.False, text);
        }
    }

    [Test]
    public void TheKeyCheckFindsKeysInEveryNotation()
    {
        byte[] key = [0xC3, 0x5A, 0x01, 0xFE, 0x77, 0x10, 0x9B, 0x42];
        Assert.That(ShowsKey("k=c35a01fe7710", key), Is.True);
        Assert.That(ShowsKey("k=5A01FE77109B", key), Is.True);
        Assert.That(ShowsKey("k=5A-01-FE-77-10-9B", key), Is.True);
        Assert.That(ShowsKey("k=" + Convert.ToBase64String(key), key), Is.True);
        Assert.That(ShowsKey("k=c35a01fe77", key), Is.False, "five bytes are not enough to count");
    }
}
