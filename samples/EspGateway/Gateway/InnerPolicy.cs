using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;

namespace EspGateway.Gateway;

/// <summary>
/// The inbound policy check of the tunnel: a decrypted inner packet's source must lie in one of the networks routed to the
/// peer (like WireGuard's allowed IPs), or it is dropped as a policy mismatch. Prefix matching on bytes, no allocation.
/// </summary>
internal sealed class InnerPolicy
{
    private readonly byte[][] _prefixes;
    private readonly int[] _prefixLengths;
    private readonly bool[] _v6;

    public InnerPolicy(IReadOnlyList<IPNetwork> networks)
    {
        _prefixes = new byte[networks.Count][];
        _prefixLengths = new int[networks.Count];
        _v6 = new bool[networks.Count];
        for (int i = 0; i < networks.Count; i++)
        {
            _prefixes[i] = networks[i].BaseAddress.GetAddressBytes();
            _prefixLengths[i] = networks[i].PrefixLength;
            _v6[i] = networks[i].BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        }
    }

    /// <summary>Whether <paramref name="source"/> (4 or 16 bytes) is in an allowed network.</summary>
    public bool Allows(ReadOnlySpan<byte> source)
    {
        bool v6 = source.Length == 16;
        for (int i = 0; i < _prefixes.Length; i++)
        {
            if (_v6[i] == v6 && Matches(_prefixes[i], _prefixLengths[i], source))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(byte[] prefix, int bits, ReadOnlySpan<byte> address)
    {
        int whole = bits >> 3;
        if (!address[..whole].SequenceEqual(prefix.AsSpan(0, whole)))
        {
            return false;
        }

        int rest = bits & 7;
        if (rest == 0)
        {
            return true;
        }

        int mask = 0xFF << (8 - rest) & 0xFF;
        return (address[whole] & mask) == (prefix[whole] & mask);
    }
}
