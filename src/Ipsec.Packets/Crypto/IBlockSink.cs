using System;

namespace Ipsec.Packets.Crypto;

/// <summary>A consumer of whole 16-byte blocks (GHASH, Poly1305, CBC-MAC state).</summary>
internal interface IBlockSink
{
    /// <summary>Absorbs <paramref name="blocks"/>, whose length is a non-zero multiple of 16.</summary>
    void Absorb(ReadOnlySpan<byte> blocks);
}
