namespace Ipsec.Packets.Crypto;

/// <summary>The implementation of the AES block function a transform runs on (<see cref="CryptoEngine.AesCore"/>).</summary>
internal enum AesCore
{
    /// <summary>The portable software AES, for CPUs without AES instructions.</summary>
    Portable,

    /// <summary>x86/x64 AES-NI (<see cref="AesNiBlockCipher"/>).</summary>
    AesNi,

    /// <summary>ARMv8 AESE/AESMC/AESD/AESIMC (<see cref="AesArmBlockCipher"/>).</summary>
    ArmAes,
}
