using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Crypto;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Reads the key-holding arrays a transform reports, as bytes.</summary>
internal static class KeyArrays
{
    public static List<byte[]> Snapshot(object transform)
    {
        var arrays = new List<Array>();
        ((IKeyMaterialOwner)transform).AppendKeyArrays(arrays);
        var bytes = new List<byte[]>();
        foreach (Array array in arrays)
        {
            bytes.Add(array switch
            {
                byte[] b => (byte[])b.Clone(),
                uint[] u => MemoryMarshal.AsBytes(u.AsSpan()).ToArray(),
                ulong[] l => MemoryMarshal.AsBytes(l.AsSpan()).ToArray(),
                Vector128<byte>[] v => MemoryMarshal.AsBytes(v.AsSpan()).ToArray(),
                Vector128<ulong>[] v => MemoryMarshal.AsBytes(v.AsSpan()).ToArray(),
                _ => throw new InvalidOperationException("unexpected key array " + array.GetType()),
            });
        }

        return bytes;
    }

    public static bool AllZero(byte[] bytes) => bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0;
}
