using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Ipsec.Packets.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Ipsec.Packets.ConstantTime;

/// <summary>
/// A function under test: the secret input is one 16-byte block per call (the AES state, or the GHASH input that is
/// multiplied by H), under a fixed random key or H.
/// </summary>
internal abstract class Target
{
    public abstract string Name { get; }

    /// <summary>Runs the function once on <paramref name="secret"/> (16 bytes); the result feeds a sink so nothing is optimised away.</summary>
    public abstract ulong Run(ReadOnlySpan<byte> secret);

    /// <summary>Told the fixed class's block before a measurement (targets that compare against something near it).</summary>
    public virtual void UseFixedBlock(ReadOnlySpan<byte> fixedBlock)
    {
    }
}

/// <summary>
/// The AES-GCM tag check (<see cref="TagComparison"/>): the secret is the computed tag, the received tag equals the
/// fixed class's block but for its last byte. An early-exit comparison would run 16 byte compares for the fixed class
/// and usually one for the random class.
/// </summary>
internal sealed class TagCheck : Target
{
    private readonly byte[] _received = new byte[16];

    public override string Name => "AES-GCM tag comparison (secret computed tag, received tag differing in its last byte)";

    public override void UseFixedBlock(ReadOnlySpan<byte> fixedBlock)
    {
        fixedBlock.CopyTo(_received);
        _received[15] ^= 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret) => TagComparison.Matches(Vector128.Create(secret), _received) ? 1UL : 0UL;
}

/// <summary>The leaky control for <see cref="TagCheck"/>: a byte loop that stops at the first difference.</summary>
internal sealed class EarlyExitTagCheck : Target
{
    private readonly byte[] _received = new byte[16];

    public override string Name => "control: tag comparison stopping at the first differing byte";

    public override void UseFixedBlock(ReadOnlySpan<byte> fixedBlock)
    {
        fixedBlock.CopyTo(_received);
        _received[15] ^= 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret)
    {
        for (int i = 0; i < 16; i++)
        {
            if (secret[i] != _received[i])
            {
                return (ulong)i;
            }
        }

        return 16;
    }
}

internal sealed class PortableAesEncrypt(byte[] key) : Target
{
    private readonly AesBitslicedBlockCipher _aes = new(key);

    public override string Name => $"portable AES-{key.Length * 8} encrypt (secret state)";

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret) => _aes.EncryptBlock(Vector128.Create(secret)).AsUInt64().GetElement(0);
}

internal sealed class PortableAesDecrypt(byte[] key) : Target
{
    private readonly AesBitslicedBlockCipher _aes = new(key);

    public override string Name => $"portable AES-{key.Length * 8} decrypt (secret state)";

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret) => _aes.DecryptBlock(Vector128.Create(secret)).AsUInt64().GetElement(0);
}

internal sealed class PortableGhash(byte[] h) : Target
{
    private readonly GhashPortable _ghash = new(Vector128.Create(h));

    public override string Name => "portable GHASH (secret block times H)";

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret) => _ghash.Compute(secret, default, default).AsUInt64().GetElement(0);
}

internal sealed class PortableTripleDes(byte[] key) : Target
{
    private readonly byte[] _schedule = Schedule(key);

    public override string Name => "portable 3DES encrypt (secret state)";

    private static byte[] Schedule(byte[] key)
    {
        byte[] schedule = new byte[TripleDesConstantTime.ScheduleSize];
        TripleDesConstantTime.ExpandKey(key, schedule);
        return schedule;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret) =>
        TripleDesConstantTime.Process(_schedule, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(secret), decrypt: false);
}

/// <summary>The deliberately leaky control: one load per secret byte from a table with a line-and-page stride.</summary>
internal sealed class LeakyTable : Target
{
    private const int Stride = 4096 + 64;
    private readonly byte[] _table = new byte[256 * Stride];

    public override string Name => "control: table lookup indexed by the secret bytes";

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret)
    {
        ulong sum = 0;
        for (int i = 0; i < 16; i++)
        {
            sum += _table[secret[i] * Stride];
        }

        return sum;
    }
}

/// <summary>The control the library used to ship: BouncyCastle's T-table AesEngine.</summary>
internal sealed class BouncyCastleAes : Target
{
    private readonly AesEngine _engine = new();

    public BouncyCastleAes(byte[] key) => _engine.Init(true, new KeyParameter(key));

    public override string Name => "control: BouncyCastle AesEngine (T-tables)";

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override ulong Run(ReadOnlySpan<byte> secret)
    {
        Span<byte> output = stackalloc byte[16];
        _engine.ProcessBlock(secret, output);
        return BitConverter.ToUInt64(output);
    }
}
