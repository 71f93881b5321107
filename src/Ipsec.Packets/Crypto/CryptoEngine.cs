using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ArmAes = System.Runtime.Intrinsics.Arm.Aes;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Chooses, per primitive, the code that runs the AES block function and GHASH's carry-less multiplication. The two
/// are chosen separately: CBC, CTR, CCM, CMAC and XCBC need only the AES core, GCM and GMAC need both. Transforms read
/// <see cref="AesCore"/> and <see cref="CarrylessMultiply"/> once, at construction.
/// </summary>
/// <remarks>
/// The selection table, first supported row wins:
/// <code>
/// AES core            | needs                               | class
/// AesNi               | X86 Aes, SSE2                       | AesNiBlockCipher
/// ArmAes              | Arm Aes (AESE/AESMC/AESD/AESIMC)    | AesArmBlockCipher
/// Portable            | nothing                             | AesBlockCipher.Create's fallback
///
/// Carry-less multiply | needs                               | class
/// Pclmulqdq           | PCLMULQDQ, SSE2, SSSE3              | GhashClmul
/// Pmull               | Arm Aes (PMULL/PMULL2), AdvSimd A64 | GhashPmull
/// Portable            | nothing                             | GhashKey.Create's fallback
/// </code>
/// </remarks>
internal static class CryptoEngine
{
    /// <summary>The fastest AES core this CPU supports.</summary>
    public static AesCore SupportedAesCore { get; } =
        X86Aes.IsSupported && Sse2.IsSupported ? AesCore.AesNi
        : ArmAes.IsSupported && AdvSimd.IsSupported ? AesCore.ArmAes
        : AesCore.Portable;

    /// <summary>The fastest carry-less multiply this CPU supports.</summary>
    public static CarrylessMultiply SupportedCarrylessMultiply { get; } =
        Pclmulqdq.IsSupported && Sse2.IsSupported && Ssse3.IsSupported ? CarrylessMultiply.Pclmulqdq
        : ArmAes.IsSupported && AdvSimd.Arm64.IsSupported ? CarrylessMultiply.Pmull
        : CarrylessMultiply.Portable;

    /// <summary>True when the CPU has AES instructions (<see cref="SupportedAesCore"/> is not the portable one).</summary>
    public static bool IsHardwareSupported => SupportedAesCore != AesCore.Portable;

    /// <summary>
    /// Forces transforms constructed afterwards onto the portable paths (AES and GHASH). For tests, which run every
    /// known-answer vector through both; not meant to be flipped while other threads construct transforms.
    /// </summary>
    internal static bool ForceSoftware { get; set; }

    /// <summary>The AES core a transform constructed now uses.</summary>
    public static AesCore AesCore => ForceSoftware ? AesCore.Portable : SupportedAesCore;

    /// <summary>The carry-less multiply a GHASH key constructed now uses.</summary>
    public static CarrylessMultiply CarrylessMultiply => ForceSoftware ? CarrylessMultiply.Portable : SupportedCarrylessMultiply;
}
