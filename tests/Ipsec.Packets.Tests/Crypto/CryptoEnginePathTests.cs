using System;
using System.Runtime.InteropServices;
using Ipsec.Packets.Ah;
using Ipsec.Packets.Crypto;
using NUnit.Framework;
using ArmAes = System.Runtime.Intrinsics.Arm.Aes;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>
/// Which code each AES-based transform runs on: AES-NI + PCLMULQDQ on x86/x64, ARMv8 AES + PMULL on ARM64 (both when the
/// CPU has the instructions), the portable code otherwise and whenever a test forces it.
/// </summary>
/// <remarks>
/// The environment variable IPSEC_EXPECT_ENGINE ("ArmAes,Pmull", "AesNi,Pclmulqdq", "Portable,Portable") makes the
/// expectation explicit: .ci/arm64 sets it, so a QEMU CPU model without the instructions fails instead of quietly
/// testing the portable path.
/// </remarks>
public class CryptoEnginePathTests
{
    private static (AesCore Aes, CarrylessMultiply Multiply) Expected()
    {
        string? named = Environment.GetEnvironmentVariable("IPSEC_EXPECT_ENGINE");
        if (!string.IsNullOrEmpty(named))
        {
            string[] parts = named.Split(',');
            Assert.That(parts, Has.Length.EqualTo(2), "IPSEC_EXPECT_ENGINE is 'AesCore,CarrylessMultiply'");
            return (Enum.Parse<AesCore>(parts[0]), Enum.Parse<CarrylessMultiply>(parts[1]));
        }

        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 when X86Aes.IsSupported && System.Runtime.Intrinsics.X86.Pclmulqdq.IsSupported =>
                (AesCore.AesNi, CarrylessMultiply.Pclmulqdq),
            Architecture.Arm64 when ArmAes.IsSupported => (AesCore.ArmAes, CarrylessMultiply.Pmull),
            _ => (AesCore.Portable, CarrylessMultiply.Portable),
        };
    }

    private static (AesCore Aes, CarrylessMultiply Multiply) ExpectedFor(Engine engine) =>
        engine == Engine.Software ? (AesCore.Portable, CarrylessMultiply.Portable) : Expected();

    private static byte[] KeyMaterial(int length)
    {
        byte[] keymat = new byte[length];
        new Random(length).NextBytes(keymat);
        return keymat;
    }

    [Test]
    public void TheEngineChoosesThePlatformsInstructions()
    {
        (AesCore aes, CarrylessMultiply multiply) = Expected();
        Assert.Multiple(() =>
        {
            Assert.That(CryptoEngine.SupportedAesCore, Is.EqualTo(aes), RuntimeInformation.ProcessArchitecture.ToString());
            Assert.That(CryptoEngine.SupportedCarrylessMultiply, Is.EqualTo(multiply), RuntimeInformation.ProcessArchitecture.ToString());
            Assert.That(CryptoEngine.IsHardwareSupported, Is.EqualTo(aes != AesCore.Portable));
        });
    }

    [TestCase(false, 16 + 4, Engine.Hardware)]
    [TestCase(false, 32 + 4, Engine.Hardware)]
    [TestCase(true, 24 + 4, Engine.Hardware)]
    [TestCase(false, 16 + 4, Engine.Software)]
    [TestCase(true, 24 + 4, Engine.Software)]
    public void GcmAndGmacRunOnTheChosenAesAndGhash(bool gmac, int keyMaterialLength, Engine engine)
    {
        EncryptionAlgorithm algorithm = gmac ? EncryptionAlgorithm.NullAuthAesGmac : EncryptionAlgorithm.AesGcm16;
        using AeadTransform aead = EngineScope.Create(engine, () => AeadFactory.Create(algorithm, KeyMaterial(keyMaterialLength)));
        var gcm = (AesGcmTransform)aead;
        (AesCore aes, CarrylessMultiply multiply) = ExpectedFor(engine);
        Assert.Multiple(() =>
        {
            Assert.That(gcm.AesCore, Is.EqualTo(aes));
            Assert.That(gcm.CarrylessMultiply, Is.EqualTo(multiply));
        });
    }

    [TestCase(Engine.Hardware)]
    [TestCase(Engine.Software)]
    public void CcmRunsOnTheChosenAes(Engine engine)
    {
        using AeadTransform aead = EngineScope.Create(engine, () => AeadFactory.Create(EncryptionAlgorithm.AesCcm16, KeyMaterial(16 + 3)));
        Assert.That(((AesCcmTransform)aead).AesCore, Is.EqualTo(ExpectedFor(engine).Aes));
    }

    [TestCase(Engine.Hardware)]
    [TestCase(Engine.Software)]
    public void CbcAndCtrRunOnTheChosenAes(Engine engine)
    {
        using CipherTransform cbc = EngineScope.Create(engine, () => CipherFactory.Create(EncryptionAlgorithm.AesCbc, KeyMaterial(16)));
        using CipherTransform ctr = EngineScope.Create(engine, () => CipherFactory.Create(EncryptionAlgorithm.AesCtr, KeyMaterial(32 + 4)));
        Assert.Multiple(() =>
        {
            Assert.That(((AesCbcTransform)cbc).AesCore, Is.EqualTo(ExpectedFor(engine).Aes));
            Assert.That(((AesCtrTransform)ctr).AesCore, Is.EqualTo(ExpectedFor(engine).Aes));
        });
    }

    [TestCase(Engine.Hardware)]
    [TestCase(Engine.Software)]
    public void CmacAndXcbcRunOnTheChosenAes(Engine engine)
    {
        using IntegrityTransform cmac = EngineScope.Create(engine, () => IntegrityFactory.Create(IntegrityAlgorithm.AesCmac96, KeyMaterial(16)));
        using IntegrityTransform xcbc = EngineScope.Create(engine, () => IntegrityFactory.Create(IntegrityAlgorithm.AesXcbc96, KeyMaterial(16)));
        Assert.Multiple(() =>
        {
            Assert.That(((IntegrityCbcMacTransform)cmac).AesCore, Is.EqualTo(ExpectedFor(engine).Aes));
            Assert.That(((IntegrityCbcMacTransform)xcbc).AesCore, Is.EqualTo(ExpectedFor(engine).Aes));
        });
    }

    [TestCase(Engine.Hardware)]
    [TestCase(Engine.Software)]
    public void AhGmacRunsOnTheChosenAesAndGhash(Engine engine)
    {
        using AhGmac gmac = EngineScope.Create(engine, () => new AhGmac(KeyMaterial(16 + AhGmac.SaltSize)));
        (AesCore aes, CarrylessMultiply multiply) = ExpectedFor(engine);
        Assert.Multiple(() =>
        {
            Assert.That(gmac.AesCore, Is.EqualTo(aes));
            Assert.That(gmac.CarrylessMultiply, Is.EqualTo(multiply));
        });
    }

    [Test]
    public void TheBlockCipherAndGhashKeyReportTheirCore()
    {
        using AesBlockCipher aes = AesBlockCipher.Create(KeyMaterial(16));
        using GhashKey ghash = GhashKey.Create(aes.EncryptBlock(default));
        (AesCore expectedAes, CarrylessMultiply expectedMultiply) = Expected();
        Assert.Multiple(() =>
        {
            Assert.That(aes.Core, Is.EqualTo(expectedAes));
            Assert.That(aes.IsHardware, Is.EqualTo(expectedAes != AesCore.Portable));
            Assert.That(ghash.Core, Is.EqualTo(expectedMultiply));
        });
    }
}
