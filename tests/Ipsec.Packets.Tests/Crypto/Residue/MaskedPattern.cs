using System;
using System.Security.Cryptography;

namespace Ipsec.Packets.Tests.Crypto.Residue;

/// <summary>
/// A secret to look for in process memory, held only XOR-masked (pattern ^ mask and mask, each random-looking), so the
/// scanner never finds its own copy. Matching compares memory ^ masked with mask; only the first four bytes are ever
/// rebuilt in the clear, on the stack, to anchor the search.
/// </summary>
internal sealed class MaskedPattern
{
    private readonly byte[] _masked;
    private readonly byte[] _mask;

    private MaskedPattern(string name, byte[] masked, byte[] mask)
    {
        Name = name;
        _masked = masked;
        _mask = mask;
    }

    public string Name { get; }

    public int Length => _masked.Length;

    /// <summary>Masks <paramref name="secret"/> (the caller zeroes its own copy).</summary>
    public static MaskedPattern From(string name, ReadOnlySpan<byte> secret)
    {
        byte[] mask = RandomNumberGenerator.GetBytes(secret.Length);
        byte[] masked = new byte[secret.Length];
        for (int i = 0; i < secret.Length; i++)
        {
            masked[i] = (byte)(secret[i] ^ mask[i]);
        }

        return new MaskedPattern(name, masked, mask);
    }

    /// <summary>Writes the first four bytes of the secret (the search anchor).</summary>
    public void Anchor(Span<byte> anchor)
    {
        for (int i = 0; i < 4; i++)
        {
            anchor[i] = (byte)(_masked[i] ^ _mask[i]);
        }
    }

    /// <summary>True when <paramref name="memory"/> (at least <see cref="Length"/> bytes) starts with the secret.</summary>
    public bool MatchesAt(ReadOnlySpan<byte> memory)
    {
        for (int i = 0; i < _masked.Length; i++)
        {
            if ((byte)(memory[i] ^ _masked[i]) != _mask[i])
            {
                return false;
            }
        }

        return true;
    }
}
