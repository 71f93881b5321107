using System;
using System.Collections.Generic;
using System.Threading;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Tests.Support;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>The behaviour every integrity transform shares: forgeries, allocations, concurrency, disposal, misuse.</summary>
public class IntegrityTransformContractTests
{
    private static IEnumerable<TestCaseData> Algorithms() => IntegrityReference.TransformAlgorithms();

    [TestCaseSource(nameof(Algorithms))]
    public void VerifyRejectsEverySingleBitFlip(IntegrityAlgorithm algorithm)
    {
        var random = new Random(4302 + (int)algorithm.TransformId);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        byte[] data = IntegrityReference.RandomBytes(random, 75);
        byte[] suffix = IntegrityReference.RandomBytes(random, 4);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] icv = new byte[algorithm.IcvSize];
        transform.Compute(data, suffix, icv);
        Assert.That(transform.Verify(data, suffix, icv), Is.True);

        int accepted = 0;
        foreach (byte[] buffer in new[] { data, suffix, icv })
        {
            for (int bit = 0; bit < buffer.Length * 8; bit++)
            {
                buffer[bit / 8] ^= (byte)(1 << (bit % 8));
                if (transform.Verify(data, suffix, icv))
                {
                    accepted++;
                }

                buffer[bit / 8] ^= (byte)(1 << (bit % 8));
            }
        }

        Assert.That(accepted, Is.Zero, "forgeries accepted");
        Assert.That(transform.Verify(data, suffix, icv), Is.True, "the original still verifies");
    }

    [TestCaseSource(nameof(Algorithms))]
    public void VerifyRejectsAnIcvOfTheWrongLength(IntegrityAlgorithm algorithm)
    {
        var random = new Random(11);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        byte[] data = IntegrityReference.RandomBytes(random, 40);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] full = IntegrityReference.FullMac(algorithm, key, data);
        Assert.That(transform.Verify(data, default, full.AsSpan(0, algorithm.IcvSize)), Is.True);

        Assert.That(transform.Verify(data, default, full.AsSpan(0, algorithm.IcvSize - 1)), Is.False, "too short");
        Assert.That(transform.Verify(data, default, default), Is.False, "empty");
        if (full.Length > algorithm.IcvSize)
        {
            Assert.That(transform.Verify(data, default, full.AsSpan(0, algorithm.IcvSize + 1)), Is.False, "too long");
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void TheEmptyMessageHasAVerifiableIcv(IntegrityAlgorithm algorithm)
    {
        byte[] key = IntegrityReference.RandomKey(algorithm, new Random(0));
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] icv = new byte[algorithm.IcvSize];
        transform.Compute(default, default, icv);
        Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, default)));
        Assert.That(transform.Verify(default, default, icv), Is.True);
        Assert.That(transform.Verify(new byte[1], default, icv), Is.False);
    }

    [TestCaseSource(nameof(Algorithms))]
    public void ComputeAndVerifyDoNotAllocate(IntegrityAlgorithm algorithm)
    {
        var random = new Random(7);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        byte[] data = IntegrityReference.RandomBytes(random, 1400);
        byte[] suffix = IntegrityReference.RandomBytes(random, 4);
        byte[] icv = new byte[algorithm.IcvSize];
        byte[] forged = new byte[algorithm.IcvSize];
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        transform.Compute(data, suffix, icv);
        bool valid = true;
        bool forgedAccepted = false;

        long compute = Allocations.Measure(() => transform.Compute(data, suffix, icv));
        long verify = Allocations.Measure(() => valid &= transform.Verify(data, suffix, icv));
        long reject = Allocations.Measure(() => forgedAccepted |= transform.Verify(data, suffix, forged));

        Assert.That(compute, Is.Zero, "Compute");
        Assert.That(verify, Is.Zero, "Verify (valid)");
        Assert.That(reject, Is.Zero, "Verify (forged)");
        Assert.That(valid, Is.True);
        Assert.That(forgedAccepted, Is.False);
    }

    [TestCaseSource(nameof(Algorithms))]
    public void IncrementalCallsDoNotAllocate(IntegrityAlgorithm algorithm)
    {
        var random = new Random(8);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        byte[] header = IntegrityReference.RandomBytes(random, 20);
        byte[] ah = IntegrityReference.RandomBytes(random, 12 + algorithm.IcvSize);
        byte[] payload = IntegrityReference.RandomBytes(random, 1000);
        byte[] icv = new byte[algorithm.IcvSize];
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);

        long allocated = Allocations.Measure(() =>
        {
            IntegrityContext context = transform.Rent();
            context.Append(header);
            context.Append(ah);
            context.Append(payload.AsSpan(0, 333));
            context.Append(payload.AsSpan(333));
            context.Finish(icv);
            transform.Return(context);
        });

        Assert.That(allocated, Is.Zero);
        byte[] whole = [.. header, .. ah, .. payload];
        Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, whole)));
    }

    [TestCaseSource(nameof(Algorithms))]
    public void FourThreadsOnOneTransformGetTheRightIcvs(IntegrityAlgorithm algorithm)
    {
        AssertConcurrentUseIsCorrect(algorithm, threadCount: 4);
    }

    [TestCaseSource(nameof(Algorithms))]
    public void MoreThreadsThanPooledContextsStillGetTheRightIcvs(IntegrityAlgorithm algorithm)
    {
        // The pool holds max(4, 2 x cores) contexts; 3 x that many threads must wait for one, never share one.
        AssertConcurrentUseIsCorrect(algorithm, threadCount: 3 * Math.Max(4, Environment.ProcessorCount * 2));
    }

    [TestCaseSource(nameof(Algorithms))]
    public void AnAbandonedContextIsResetWhenReturned(IntegrityAlgorithm algorithm)
    {
        var random = new Random(9);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        byte[] data = IntegrityReference.RandomBytes(random, 50);
        byte[] junk = IntegrityReference.RandomBytes(random, 23);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        byte[] icv = new byte[algorithm.IcvSize];

        for (int n = 0; n < 3; n++)
        {
            IntegrityContext first = transform.Rent();
            IntegrityContext second = transform.Rent();
            first.Append(junk);
            second.Append(junk.AsSpan(0, 16));
            transform.Return(first);
            transform.Return(second);
        }

        for (int n = 0; n < 8; n++)
        {
            IntegrityContext context = transform.Rent();
            context.Append(data);
            context.Finish(icv);
            transform.Return(context);
            Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, data)), $"computation {n}");
        }
    }

    [TestCaseSource(nameof(Algorithms))]
    public void FinishRefusesAnIcvBufferOfTheWrongSizeAndStaysUsable(IntegrityAlgorithm algorithm)
    {
        var random = new Random(10);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        byte[] data = IntegrityReference.RandomBytes(random, 30);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);

        IntegrityContext context = transform.Rent();
        context.Append(data);
        Assert.That(() => context.Finish(new byte[algorithm.IcvSize - 1]), Throws.ArgumentException);
        Assert.That(() => context.Finish(new byte[algorithm.IcvSize + 1]), Throws.ArgumentException);

        byte[] icv = new byte[algorithm.IcvSize];
        context.Append(data);
        context.Finish(icv);
        transform.Return(context);
        Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, key, data)), "the failed Finish discarded the partial input");
    }

    [TestCaseSource(nameof(Algorithms))]
    public void ReturnRefusesAContextFromAnotherTransform(IntegrityAlgorithm algorithm)
    {
        byte[] key = IntegrityReference.RandomKey(algorithm, new Random(12));
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        using IntegrityTransform sameKind = IntegrityFactory.Create(algorithm, key);
        using IntegrityTransform otherKind = IntegrityFactory.Create(
            algorithm.TransformId == IntegrityTransformId.AesCmac96 ? IntegrityAlgorithm.HmacSha1_96 : IntegrityAlgorithm.AesCmac96, new byte[16]);

        IntegrityContext fromSameKind = sameKind.Rent();
        IntegrityContext fromOtherKind = otherKind.Rent();
        Assert.That(() => transform.Return(fromSameKind), Throws.ArgumentException);
        Assert.That(() => transform.Return(fromOtherKind), Throws.ArgumentException);
        sameKind.Return(fromSameKind);
        otherKind.Return(fromOtherKind);
    }

    [TestCaseSource(nameof(Algorithms))]
    public void TheTransformDoesNotKeepTheCallersKeyBuffer(IntegrityAlgorithm algorithm)
    {
        var random = new Random(13);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        byte[] original = (byte[])key.Clone();
        byte[] data = IntegrityReference.RandomBytes(random, 64);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        Array.Clear(key);

        byte[] icv = new byte[algorithm.IcvSize];
        transform.Compute(data, default, icv);
        Assert.That(icv, Is.EqualTo(IntegrityReference.Icv(algorithm, original, data)));
    }

    [TestCaseSource(nameof(Algorithms))]
    public void DisposedTransformsRefuseWork(IntegrityAlgorithm algorithm)
    {
        byte[] key = IntegrityReference.RandomKey(algorithm, new Random(14));
        IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        transform.Dispose();
        transform.Dispose();

        byte[] icv = new byte[algorithm.IcvSize];
        Assert.That(() => transform.Rent(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => transform.Compute(new byte[10], default, icv), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => transform.Verify(new byte[10], default, icv), Throws.InstanceOf<ObjectDisposedException>());
    }

    [TestCase(IntegrityTransformId.AesXcbc96)]
    [TestCase(IntegrityTransformId.AesCmac96)]
    public void DisposeZeroesTheRetainedSubkeys(IntegrityTransformId id)
    {
        Assert.That(IntegrityAlgorithm.TryFromTransformId(id, out IntegrityAlgorithm? algorithm), Is.True);
        byte[] key = IntegrityReference.RandomKey(algorithm!, new Random(15));
        var transform = (IntegrityCbcMacTransform)IntegrityFactory.Create(algorithm!, key);
        Assert.That(transform.RetainedKeyMaterial.ToArray(), Has.Length.EqualTo(32).And.Some.Not.Zero);

        transform.Dispose();

        Assert.That(transform.RetainedKeyMaterial.ToArray(), Has.All.Zero);
    }

    [TestCase(IntegrityTransformId.HmacMd5_96)]
    [TestCase(IntegrityTransformId.HmacSha2_512_256)]
    public void DisposeReleasesTheKeyedHashes(IntegrityTransformId id)
    {
        Assert.That(IntegrityAlgorithm.TryFromTransformId(id, out IntegrityAlgorithm? algorithm), Is.True);
        IntegrityTransform transform = IntegrityFactory.Create(algorithm!, IntegrityReference.RandomKey(algorithm!, new Random(16)));
        IntegrityContext rented = transform.Rent();

        transform.Dispose();

        // The keyed IncrementalHash behind the context is gone (with the BCL's copy of the key).
        Assert.That(() => rented.Append(new byte[1]), Throws.InstanceOf<ObjectDisposedException>());
    }

    [TestCaseSource(nameof(Algorithms))]
    public void ToStringNamesTheAlgorithmOnly(IntegrityAlgorithm algorithm)
    {
        byte[] key = new byte[algorithm.KeySize];
        Array.Fill(key, (byte)0xAB);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);
        Assert.That(transform.ToString(), Is.EqualTo(algorithm.Name));
        Assert.That(transform.IcvSize, Is.EqualTo(algorithm.IcvSize));
    }

    private static void AssertConcurrentUseIsCorrect(IntegrityAlgorithm algorithm, int threadCount)
    {
        const int MessagesPerThread = 64;
        const int Rounds = 25;
        var random = new Random(1000 + threadCount + (int)algorithm.TransformId);
        byte[] key = IntegrityReference.RandomKey(algorithm, random);
        using IntegrityTransform transform = IntegrityFactory.Create(algorithm, key);

        var messages = new byte[threadCount][][];
        var expected = new byte[threadCount][][];
        for (int t = 0; t < threadCount; t++)
        {
            messages[t] = new byte[MessagesPerThread][];
            expected[t] = new byte[MessagesPerThread][];
            for (int m = 0; m < MessagesPerThread; m++)
            {
                messages[t][m] = IntegrityReference.RandomBytes(random, random.Next(0, 300));
                expected[t][m] = IntegrityReference.Icv(algorithm, key, messages[t][m]);
            }
        }

        int wrong = 0;
        int computed = 0;
        using var start = new Barrier(threadCount);
        var threads = new Thread[threadCount];
        for (int t = 0; t < threadCount; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                byte[] icv = new byte[algorithm.IcvSize];
                start.SignalAndWait();
                for (int round = 0; round < Rounds; round++)
                {
                    for (int m = 0; m < MessagesPerThread; m++)
                    {
                        byte[] message = messages[index][m];
                        int split = (m * 7) % (message.Length + 1);
                        if ((m & 1) == 0)
                        {
                            transform.Compute(message.AsSpan(0, split), message.AsSpan(split), icv);
                        }
                        else
                        {
                            IntegrityContext context = transform.Rent();
                            context.Append(message.AsSpan(0, split));
                            Thread.Yield();
                            context.Append(message.AsSpan(split));
                            context.Finish(icv);
                            transform.Return(context);
                        }

                        if (!icv.AsSpan().SequenceEqual(expected[index][m]) || !transform.Verify(message, default, expected[index][m]))
                        {
                            Interlocked.Increment(ref wrong);
                        }

                        Interlocked.Increment(ref computed);
                    }
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.That(computed, Is.EqualTo(threadCount * Rounds * MessagesPerThread));
        Assert.That(wrong, Is.Zero);
    }
}
