using System;
using Ipsec.Packets.Wire;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Wire;

public class OptionReaderFuzzTests
{
    [Test]
    public void IPv4OptionReaderTerminatesInBoundsOnRandomBytes()
    {
        var random = new Random(7911);
        byte[] buffer = new byte[40];
        int malformed = 0, options = 0;
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(0, 41);
            random.NextBytes(buffer);
            if ((i & 1) == 0)
            {
                // Small lengths and NOP-heavy areas reach the interesting branches more often.
                for (int j = 0; j < length; j++)
                {
                    buffer[j] = (byte)(random.Next(4) == 0 ? 1 : random.Next(0, 12));
                }
            }

            var reader = new IPv4OptionReader(buffer.AsSpan(0, length));
            int steps = 0, end = 0;
            while (reader.TryReadNext(out IPv4Option option))
            {
                if (option.Offset < end || option.Offset + option.Length > length || option.Length < 1)
                {
                    Assert.Fail($"option out of order or bounds at input {i}");
                }

                end = option.Offset + option.Length;
                steps++;
            }

            if (steps > length)
            {
                Assert.Fail($"more steps than bytes at input {i}");
            }

            options += steps;
            malformed += reader.IsMalformed ? 1 : 0;
        }

        Assert.That(malformed, Is.InRange(1000, 99_000));
        Assert.That(options, Is.Positive);
    }

    [Test]
    public void IPv6OptionReaderTerminatesInBoundsOnRandomBytes()
    {
        var random = new Random(8201);
        byte[] buffer = new byte[64];
        int malformed = 0, mayChange = 0;
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(0, 65);
            random.NextBytes(buffer);
            if ((i & 1) == 0)
            {
                for (int j = 2; j < length; j++)
                {
                    buffer[j] = (byte)(random.Next(3) == 0 ? 0 : random.Next(0, 10) | (random.Next(2) * 0x20));
                }
            }

            var reader = new IPv6OptionReader(buffer.AsSpan(0, length));
            int steps = 0, end = 2;
            while (reader.TryReadNext(out IPv6Option option))
            {
                if (option.Offset != end || option.Offset + option.Length > length || option.Length < 1 || option.DataOffset > length)
                {
                    Assert.Fail($"option out of order or bounds at input {i}");
                }

                end = option.Offset + option.Length;
                mayChange += option.MayChangeEnRoute ? 1 : 0;
                steps++;
            }

            if (steps > length)
            {
                Assert.Fail($"more steps than bytes at input {i}");
            }

            malformed += reader.IsMalformed ? 1 : 0;
        }

        Assert.That(malformed, Is.InRange(1000, 99_000));
        Assert.That(mayChange, Is.Positive);
    }
}
