namespace Ipsec.Packets.Crypto;

/// <summary>The implementation of GHASH's multiplication in GF(2^128) (<see cref="CryptoEngine.CarrylessMultiply"/>).</summary>
internal enum CarrylessMultiply
{
    /// <summary>The portable software GHASH, for CPUs without a carry-less multiply instruction.</summary>
    Portable,

    /// <summary>x86/x64 PCLMULQDQ (<see cref="GhashClmul"/>).</summary>
    Pclmulqdq,

    /// <summary>ARMv8 PMULL/PMULL2 (<see cref="GhashPmull"/>).</summary>
    Pmull,
}
