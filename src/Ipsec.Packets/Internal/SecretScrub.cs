using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Ipsec.Packets.Internal;

/// <summary>Wipes secret-bearing structs on the stack in a way the JIT cannot drop as a dead store.</summary>
internal static class SecretScrub
{
    /// <summary>Overwrites <paramref name="value"/> with zero bytes.</summary>
    public static void Clear<T>(ref T value)
        where T : unmanaged =>
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(new Span<T>(ref value)));
}
