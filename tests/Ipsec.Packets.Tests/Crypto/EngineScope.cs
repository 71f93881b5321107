using System;
using Ipsec.Packets.Crypto;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>The engine paths every known-answer test runs through.</summary>
public enum Engine
{
    Hardware,
    Software,
}

/// <summary>Constructs transforms on one engine path.</summary>
internal static class EngineScope
{
    private static readonly object s_gate = new();

    public static T Create<T>(Engine engine, Func<T> factory)
    {
        lock (s_gate)
        {
            bool previous = CryptoEngine.ForceSoftware;
            CryptoEngine.ForceSoftware = engine == Engine.Software;
            try
            {
                return factory();
            }
            finally
            {
                CryptoEngine.ForceSoftware = previous;
            }
        }
    }
}
