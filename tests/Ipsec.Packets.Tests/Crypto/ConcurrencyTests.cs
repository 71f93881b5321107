using System;
using System.Collections.Generic;
using System.Threading;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>One transform shared by several threads gives every thread the single-threaded answer.</summary>
public class ConcurrencyTests
{
    public static IEnumerable<TestCaseData> Algorithms()
    {
        foreach (EncryptionAlgorithm algorithm in new[] { EncryptionAlgorithm.AesGcm16, EncryptionAlgorithm.AesCcm12, EncryptionAlgorithm.ChaCha20Poly1305, EncryptionAlgorithm.AesCbc, EncryptionAlgorithm.TripleDesCbc })
        {
            yield return new TestCaseData(algorithm, Engine.Hardware).SetName($"{algorithm.Name}-hw");
            yield return new TestCaseData(algorithm, Engine.Software).SetName($"{algorithm.Name}-sw");
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void ConcurrentCallsMatchSequentialOnes(EncryptionAlgorithm algorithm, Engine engine)
    {
        const int Threads = 8;
        const int Iterations = 300;
        var random = new Random(2026);
        byte[] keymat = new byte[algorithm.KeySizesInBits[0] / 8 + algorithm.SaltSize];
        random.NextBytes(keymat);
        byte[] plaintext = new byte[320];
        random.NextBytes(plaintext);
        byte[] iv = new byte[algorithm.IvSize];
        random.NextBytes(iv);
        byte[] aad = new byte[12];

        AeadTransform? aead = algorithm.IsAead ? EngineScope.Create(engine, () => AeadFactory.Create(algorithm, keymat)) : null;
        CipherTransform? cipher = algorithm.IsAead ? null : EngineScope.Create(engine, () => CipherFactory.Create(algorithm, keymat));
        byte[] expected = new byte[plaintext.Length + algorithm.IcvSize];
        Run(expected);

        void Run(byte[] output)
        {
            if (aead is not null)
            {
                aead.Seal(iv, aad, default, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
            }
            else
            {
                cipher!.Encrypt(iv, plaintext, output);
            }
        }

        int mismatches = 0;
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            threads[t] = new Thread(() =>
            {
                byte[] output = new byte[expected.Length];
                byte[] opened = new byte[plaintext.Length];
                for (int i = 0; i < Iterations; i++)
                {
                    Run(output);
                    bool ok = output.AsSpan().SequenceEqual(expected);
                    if (aead is not null)
                    {
                        ok &= aead.TryOpen(iv, aad, default, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), opened);
                    }
                    else
                    {
                        cipher!.Decrypt(iv, output, opened);
                    }

                    if (!ok || !opened.AsSpan().SequenceEqual(plaintext))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        aead?.Dispose();
        cipher?.Dispose();
        Assert.That(mismatches, Is.Zero);
    }
}
