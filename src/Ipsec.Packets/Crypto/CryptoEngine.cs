using System.Runtime.Intrinsics.X86;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// Chooses between the AES-NI/PCLMULQDQ code paths and the portable fallback (BouncyCastle AES, table GHASH).
/// Transforms read <see cref="UseHardware"/> once, at construction.
/// </summary>
internal static class CryptoEngine
{
    /// <summary>True when the CPU has everything the intrinsic AES and GHASH paths need.</summary>
    public static bool IsHardwareSupported =>
        System.Runtime.Intrinsics.X86.Aes.IsSupported && Pclmulqdq.IsSupported && Sse2.IsSupported && Ssse3.IsSupported;

    /// <summary>
    /// Forces transforms constructed afterwards onto the portable path. For tests, which run every known-answer
    /// vector through both paths; not meant to be flipped while other threads construct transforms.
    /// </summary>
    internal static bool ForceSoftware { get; set; }

    /// <summary>Whether a transform constructed now uses the intrinsic path.</summary>
    public static bool UseHardware => IsHardwareSupported && !ForceSoftware;
}
