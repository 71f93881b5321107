using System;
using System.Threading;

namespace Ipsec.Packets.Tests.Sad;

/// <summary>
/// A stand-in SA with a key buffer that Dispose zeroes, counting disposals and detecting use after disposal.
/// </summary>
internal sealed class FakeSecurityAssociation(uint spi) : ISecurityAssociation
{
    private int _disposeCount;
    private int _useAfterDispose;

    public uint Spi => spi;

    public byte[] Key { get; } = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];

    public int DisposeCount => Volatile.Read(ref _disposeCount);

    public int UsesAfterDispose => Volatile.Read(ref _useAfterDispose);

    public bool KeyZeroed => Array.TrueForAll(Key, b => b == 0);

    /// <summary>What a packet operation would do: touch the keys, which must not be disposed.</summary>
    public void Use()
    {
        if (Volatile.Read(ref _disposeCount) != 0)
        {
            Interlocked.Increment(ref _useAfterDispose);
        }
    }

    public void Dispose()
    {
        Array.Clear(Key);
        Interlocked.Increment(ref _disposeCount);
    }
}

/// <summary>The lightest possible SA, for the million-entry memory test: just the SPI.</summary>
internal sealed class TinySecurityAssociation(uint spi) : ISecurityAssociation
{
    public uint Spi => spi;

    public void Dispose()
    {
    }
}
