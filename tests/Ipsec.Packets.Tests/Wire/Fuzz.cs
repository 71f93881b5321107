using System;

namespace Ipsec.Packets.Tests.Wire;

/// <summary>Deterministic input mutation for the never-throws tests.</summary>
internal static class Fuzz
{
    /// <summary>Copies <paramref name="original"/> into <paramref name="buffer"/>, truncates, flips bits or overwrites bytes; returns the length.</summary>
    public static int Mutate(Random random, byte[] original, byte[] buffer)
    {
        int length = original.Length;
        original.CopyTo(buffer, 0);
        switch (random.Next(4))
        {
            case 0:
                length = random.Next(0, original.Length + 1);
                break;
            case 1:
                for (int flips = random.Next(1, 5); flips > 0; flips--)
                {
                    int bit = random.Next(0, length * 8);
                    buffer[bit >> 3] ^= (byte)(1 << (bit & 7));
                }

                break;
            case 2:
                // Overwrite one byte in the first 80 (the headers) with a random value.
                buffer[random.Next(0, Math.Min(80, length))] = (byte)random.Next(256);
                length = random.Next(Math.Max(0, length - 16), length + 1);
                break;
            default:
                for (int flips = random.Next(1, 3); flips > 0; flips--)
                {
                    int bit = random.Next(0, Math.Min(length, 80) * 8);
                    buffer[bit >> 3] ^= (byte)(1 << (bit & 7));
                }

                length = random.Next(0, length + 1);
                break;
        }

        return length;
    }
}
