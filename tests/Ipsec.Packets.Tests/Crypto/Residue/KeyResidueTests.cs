using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using System.Threading;
using Ipsec.Packets.Crypto;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto.Residue;

/// <summary>One algorithm on one engine path, as the residue tests build and use it.</summary>
public sealed class ResidueCase
{
    internal ResidueCase(string name, Engine engine, int keyMaterialLength, int keyLength, Func<byte[], IDisposable> create)
    {
        Name = name;
        Engine = engine;
        KeyMaterialLength = keyMaterialLength;
        KeyLength = keyLength;
        Create = create;
    }

    public string Name { get; }

    public Engine Engine { get; }

    public int KeyMaterialLength { get; }

    public int KeyLength { get; }

    internal Func<byte[], IDisposable> Create { get; }

    public override string ToString() => $"{Name}-{(Engine == Engine.Hardware ? "hw" : "sw")}";
}

/// <summary>
/// After Dispose and a full compacting GC, no copy of a key, of its expanded schedule or of a derived subkey (GHASH H,
/// CMAC K1/K2, XCBC K1/K2/K3) is left anywhere in this process's writable memory (managed heap, native heaps, every
/// thread's stack), for every algorithm on every engine path; and a ChaCha20-Poly1305 call that throws on a caller
/// mistake leaves neither the key nor the Poly1305 r/s on the calling thread's stack. Keys are random per test, and
/// the tests hold the secrets they search for only XOR-masked.
/// </summary>
[NonParallelizable]
public class KeyResidueTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (Engine engine in new[] { Engine.Hardware, Engine.Software })
        {
            foreach (int bits in new[] { 128, 192, 256 })
            {
                yield return Aead(EncryptionAlgorithm.AesGcm16, bits, engine);
                yield return Aead(EncryptionAlgorithm.NullAuthAesGmac, bits, engine);
                yield return Aead(EncryptionAlgorithm.AesCcm16, bits, engine);
                yield return Cipher(EncryptionAlgorithm.AesCbc, bits, engine);
                yield return Cipher(EncryptionAlgorithm.AesCtr, bits, engine);
            }

            yield return Integrity(IntegrityAlgorithm.AesXcbc96, engine);
            yield return Integrity(IntegrityAlgorithm.AesCmac96, engine);
        }

        // Paths that do not depend on AES-NI.
        yield return Aead(EncryptionAlgorithm.ChaCha20Poly1305, 256, Engine.Hardware);
        yield return Cipher(EncryptionAlgorithm.TripleDesCbc, 192, Engine.Hardware);
        yield return Integrity(IntegrityAlgorithm.HmacSha2_256_128, Engine.Hardware);
    }

    private static TestCaseData Aead(EncryptionAlgorithm algorithm, int bits, Engine engine) => Data(new ResidueCase(
        $"{algorithm.Name}-{bits}", engine, bits / 8 + algorithm.SaltSize, bits / 8, key => AeadFactory.Create(algorithm, key)));

    private static TestCaseData Cipher(EncryptionAlgorithm algorithm, int bits, Engine engine) => Data(new ResidueCase(
        $"{algorithm.Name}-{bits}", engine, bits / 8 + algorithm.SaltSize, bits / 8, key => CipherFactory.Create(algorithm, key)));

    private static TestCaseData Integrity(IntegrityAlgorithm algorithm, Engine engine) => Data(new ResidueCase(
        algorithm.Name, engine, algorithm.KeySize + algorithm.SaltSize, algorithm.KeySize, key => IntegrityFactory.Create(algorithm, key)));

    private static TestCaseData Data(ResidueCase c) => new TestCaseData(c).SetName(c.ToString());

    [TestCaseSource(nameof(Cases))]
    public void NothingSecretSurvivesDisposeAndAFullGc(ResidueCase c)
    {
        RequireLinux();
        var patterns = new List<MaskedPattern>();
        Build(c, patterns);
        FullGc();

        List<ResidueHit> hits = ProcessMemoryScanner.Scan(patterns, ProcessMemoryScanner.WritableRegions());
        TestContext.Out.WriteLine($"{c}: {patterns.Count} patterns ({string.Join(", ", patterns.Select(p => p.Name))}), {hits.Count} hits");
        Assert.That(hits.Select(h => $"{h.Pattern} at 0x{h.Address:x} in {h.Region}"), Is.Empty);
    }

    /// <summary>
    /// Builds and uses the transform, records the key, every schedule/subkey array the transform reports and the derived
    /// subkeys as masked patterns, and disposes it. Kept out of line so its frame is gone before the scan.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Build(ResidueCase c, List<MaskedPattern> patterns)
    {
        byte[] keyMaterial = RandomNumberGenerator.GetBytes(c.KeyMaterialLength);
        AddWindows(patterns, "key", keyMaterial.AsSpan(0, c.KeyLength));
        IDisposable transform = EngineScope.Create(c.Engine, () => c.Create(keyMaterial));
        CryptographicOperations.ZeroMemory(keyMaterial);
        Exercise(transform);
        if (transform is IKeyMaterialOwner owner)
        {
            var arrays = new List<Array>();
            owner.AppendKeyArrays(arrays);
            foreach (Array array in arrays)
            {
                AddWindows(patterns, array.GetType().Name, AsBytes(array));
            }

            Assert.That(arrays, Is.Not.Empty, "the transform reports its key arrays");
        }

        transform.Dispose();
    }

    /// <summary>Runs a few packets' worth of work through the transform so its per-call paths have run.</summary>
    private static void Exercise(IDisposable transform)
    {
        byte[] data = new byte[96];
        byte[] output = new byte[96];
        byte[] iv = new byte[16];
        switch (transform)
        {
            case AeadTransform aead:
                byte[] tag = new byte[aead.IcvSize];
                bool gmac = aead.ToString() == "AES-GMAC";
                aead.Seal(iv.AsSpan(0, 8), data, default, gmac ? default : data, gmac ? default : output, tag);
                Assert.That(aead.TryOpen(iv.AsSpan(0, 8), data, default, gmac ? default : output, tag, gmac ? default : data), Is.True);
                break;
            case CipherTransform cipher:
                cipher.CreateIv(1, iv.AsSpan(0, cipher.IvSize));
                cipher.Encrypt(iv.AsSpan(0, cipher.IvSize), data, output);
                cipher.Decrypt(iv.AsSpan(0, cipher.IvSize), output, data);
                break;
            case IntegrityTransform integrity:
                IntegrityContext context = integrity.Rent();
                context.Append(data);
                context.Finish(output.AsSpan(0, integrity.IcvSize));
                integrity.Return(context);
                break;
            default:
                Assert.Fail("unexpected transform " + transform.GetType());
                break;
        }
    }

    [Test]
    public void AThrowingChaCha20Poly1305CallLeavesNoStateOnTheStack([Values] bool open)
    {
        RequireLinux();
        byte[] keyMaterial = RandomNumberGenerator.GetBytes(36);
        byte[] iv = RandomNumberGenerator.GetBytes(8);
        var patterns = new List<MaskedPattern>();
        AddWindows(patterns, "key", keyMaterial.AsSpan(0, 32));

        // r and s of this IV, computed on another thread so that thread's stack, not this one, holds them.
        var worker = new Thread(() => AddPoly1305Key(patterns, keyMaterial, iv));
        worker.Start();
        worker.Join();

        AeadTransform aead = AeadFactory.Create(EncryptionAlgorithm.ChaCha20Poly1305, keyMaterial);
        CryptographicOperations.ZeroMemory(keyMaterial);
        try
        {
            CallWithAMistake(aead, iv, open);
            ulong here = StackAddress();
            MemoryRegion stack = ProcessMemoryScanner.RegionOf(here);
            List<ResidueHit> hits = ProcessMemoryScanner.Scan(patterns, [stack]);
            TestContext.Out.WriteLine($"stack {stack.Start:x}-{stack.End:x} ({stack.Name}): {hits.Count} hits for {patterns.Count} patterns");
            Assert.That(hits.Select(h => $"{h.Pattern} at 0x{h.Address:x} ({h.Address - here:x} above this frame)"), Is.Empty);
        }
        finally
        {
            aead.Dispose();
        }
    }

    /// <summary>
    /// A valid long ChaCha20-Poly1305 seal and open on each Poly1305 path leaves on the calling thread's stack neither the
    /// key, the Poly1305 key block (r unclamped and clamped, s), nor the vector paths' powers of r (two adjacent 26-bit
    /// limbs as the tables hold them side by side, and a limb of the broadcast step multiplier).
    /// </summary>
    [Test]
    public void ALongChaCha20Poly1305PacketLeavesNoStateOnTheStack([Values(8, 4, 1)] int lanes, [Values(1400, 9000)] int length, [Values] bool open)
    {
        RequireLinux();
        RequireOptimizedLibrary();
        byte[] keyMaterial = RandomNumberGenerator.GetBytes(36);
        byte[] iv = RandomNumberGenerator.GetBytes(8);
        var patterns = new List<MaskedPattern>();
        AddWindows(patterns, "key", keyMaterial.AsSpan(0, 32));
        var worker = new Thread(() =>
        {
            AddPoly1305Key(patterns, keyMaterial, iv);
            AddPoly1305Powers(patterns, keyMaterial, iv);
        });
        worker.Start();
        worker.Join();

        AeadTransform aead = AeadFactory.Create(EncryptionAlgorithm.ChaCha20Poly1305, keyMaterial);
        CryptographicOperations.ZeroMemory(keyMaterial);
        int previousLanes = Poly1305.LanesLimit;
        Poly1305.LanesLimit = lanes;
        try
        {
            Assert.That(SealAndOpenDeep(aead, iv, length, open), Is.EqualTo(!open), open ? "the forged packet is refused" : "sealed");
            ulong here = StackAddress();
            MemoryRegion stack = ProcessMemoryScanner.RegionOf(here);
            List<ResidueHit> hits = ProcessMemoryScanner.Scan(patterns, [stack]);
            TestContext.Out.WriteLine($"{Poly1305.Lanes} lanes, {length} bytes: {hits.Count} hits for {patterns.Count} patterns");
            Assert.That(hits.Select(h => $"{h.Pattern} at 0x{h.Address:x} ({h.Address - here:x} above this frame)"), Is.Empty);
        }
        finally
        {
            Poly1305.LanesLimit = previousLanes;
            aead.Dispose();
        }
    }

    /// <summary>
    /// Seals one packet 256 KiB below this frame, as <see cref="CallWithAMistake"/> does, and, when <paramref name="open"/>,
    /// opens it with a forged tag: the MAC is then the last work either call does, so its stack is what the scan finds.
    /// Returns whether the last call succeeded; asserts nothing down there, so no assertion overwrites the dead frames.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool SealAndOpenDeep(AeadTransform aead, byte[] iv, int length, bool open, int depth = 4)
    {
        Span<byte> padding = stackalloc byte[64 * 1024];
        padding[^1] = 1;
        if (depth > 0)
        {
            return SealAndOpenDeep(aead, iv, length, open, depth - 1);
        }

        byte[] data = new byte[length];
        byte[] sealedData = new byte[length];
        byte[] tag = new byte[16];
        byte[] aad = new byte[8];
        aead.Seal(iv, aad, default, data, sealedData, tag);
        if (!open)
        {
            return true;
        }

        tag[0] ^= 1;
        return aead.TryOpen(iv, aad, default, sealedData, tag, data);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddPoly1305Powers(List<MaskedPattern> patterns, byte[] keyMaterial, byte[] iv)
    {
        uint[] key = new uint[8];
        for (int i = 0; i < 8; i++)
        {
            key[i] = BinaryPrimitives.ReadUInt32LittleEndian(keyMaterial.AsSpan(4 * i));
        }

        ChaCha20.State state = default;
        ChaCha20.Initialize(ref state, key, 0, BinaryPrimitives.ReadUInt32LittleEndian(keyMaterial.AsSpan(32)),
            BinaryPrimitives.ReadUInt32LittleEndian(iv), BinaryPrimitives.ReadUInt32LittleEndian(iv.AsSpan(4)));
        Span<byte> block = stackalloc byte[64];
        ChaCha20.Block(ref state, block);
        Poly1305Limbs r = Poly1305Limbs.FromRadix64(
            BinaryPrimitives.ReadUInt64LittleEndian(block) & 0x0ffffffc0fffffff,
            BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(8)) & 0x0ffffffc0ffffffc, 0);
        Poly1305Limbs r2 = Poly1305Limbs.Multiply(r, r);
        Poly1305Limbs r4 = Poly1305Limbs.Multiply(r2, r2);
        Poly1305Limbs r8 = Poly1305Limbs.Multiply(r4, r4);
        Span<ulong> pair = stackalloc ulong[2];
        lock (patterns)
        {
            patterns.Add(MaskedPattern.From("Poly1305 key block (r unclamped, s)", block.Slice(0, 32)));
            pair[0] = r8.L0;
            pair[1] = r4.L0;
            patterns.Add(MaskedPattern.From("r⁸, r⁴ limb 0 (eight-lane table)", MemoryMarshal.AsBytes(pair)));
            pair[0] = r8.L2;
            pair[1] = r4.L2;
            patterns.Add(MaskedPattern.From("r⁸, r⁴ limb 2 (eight-lane table)", MemoryMarshal.AsBytes(pair)));
            pair[0] = r8.L1;
            pair[1] = r8.L1;
            patterns.Add(MaskedPattern.From("r⁸ limb 1 broadcast (eight-lane step)", MemoryMarshal.AsBytes(pair)));
            pair[0] = r4.L0;
            pair[1] = r2.L0;
            patterns.Add(MaskedPattern.From("r⁴, r² limb 0 (four-lane table)", MemoryMarshal.AsBytes(pair)));
            pair[0] = r4.L1;
            pair[1] = r4.L1;
            patterns.Add(MaskedPattern.From("r⁴ limb 1 broadcast (four-lane step)", MemoryMarshal.AsBytes(pair)));
        }

        pair.Clear();
        r = r2 = r4 = r8 = default;
        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(key.AsSpan()));
        state = default;
    }

    [Test]
    public void TheStackScanFindsWhatADeeperFrameLeftBehind()
    {
        RequireLinux();
        var patterns = new List<MaskedPattern>();
        LeaveASecret(patterns);
        MemoryRegion stack = ProcessMemoryScanner.RegionOf(StackAddress());
        List<ResidueHit> hits = ProcessMemoryScanner.Scan(patterns, [stack]);
        Assert.That(hits, Is.Not.Empty, "a positive control: a random block left in a dead frame 256 KiB down is found");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeaveASecret(List<MaskedPattern> patterns, int depth = 4)
    {
        Span<byte> padding = stackalloc byte[64 * 1024];
        padding[^1] = 1;
        if (depth > 0)
        {
            LeaveASecret(patterns, depth - 1);
            return;
        }

        Span<byte> secret = stackalloc byte[16];
        RandomNumberGenerator.Fill(secret);
        patterns.Add(MaskedPattern.From("left on the stack", secret));
    }

    /// <summary>
    /// Makes the call 256 KiB below this frame (under stack padding) and catches its exception there, so the scan that
    /// follows, which runs much nearer the top of the stack, cannot overwrite what the call left behind.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CallWithAMistake(AeadTransform aead, byte[] iv, bool open, int depth = 4)
    {
        Span<byte> padding = stackalloc byte[64 * 1024];
        padding[^1] = 1;
        if (depth > 0)
        {
            CallWithAMistake(aead, iv, open, depth - 1);
            return;
        }

        byte[] data = new byte[64];
        bool threw = false;
        try
        {
            if (open)
            {
                aead.TryOpen(iv, default, default, data, new byte[16], new byte[63]);
            }
            else
            {
                aead.Seal(iv, default, default, data, new byte[64], new byte[15]);
            }
        }
        catch (ArgumentException)
        {
            threw = true;
        }

        Assert.That(threw, Is.True, "the call with a wrong-sized buffer throws");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe ulong StackAddress()
    {
        int local = 0;
        return (ulong)&local;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddPoly1305Key(List<MaskedPattern> patterns, byte[] keyMaterial, byte[] iv)
    {
        uint[] key = new uint[8];
        for (int i = 0; i < 8; i++)
        {
            key[i] = BinaryPrimitives.ReadUInt32LittleEndian(keyMaterial.AsSpan(4 * i));
        }

        ChaCha20.State state = default;
        ChaCha20.Initialize(ref state, key, 0, BinaryPrimitives.ReadUInt32LittleEndian(keyMaterial.AsSpan(32)),
            BinaryPrimitives.ReadUInt32LittleEndian(iv), BinaryPrimitives.ReadUInt32LittleEndian(iv.AsSpan(4)));
        Span<byte> block = stackalloc byte[64];
        ChaCha20.Block(ref state, block);
        BinaryPrimitives.WriteUInt64LittleEndian(block, BinaryPrimitives.ReadUInt64LittleEndian(block) & 0x0ffffffc0fffffff);
        BinaryPrimitives.WriteUInt64LittleEndian(block.Slice(8), BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(8)) & 0x0ffffffc0ffffffc);
        lock (patterns)
        {
            patterns.Add(MaskedPattern.From("Poly1305 r (clamped)", block.Slice(0, 16)));
            patterns.Add(MaskedPattern.From("Poly1305 s", block.Slice(16, 16)));
        }

        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(key.AsSpan()));
        state = default;
    }

    /// <summary>
    /// The whole secret (8 to 32 bytes) and its 16-byte windows at 0, 16, 48, 64 and the end, skipping all-zero ones.
    /// Shorter arrays (the 3- and 4-byte salts) are too short to find without false hits.
    /// </summary>
    private static void AddWindows(List<MaskedPattern> patterns, string name, ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 8)
        {
            return;
        }

        if (secret.Length <= 32)
        {
            patterns.Add(MaskedPattern.From($"{name} ({secret.Length} bytes)", secret));
        }

        var offsets = new SortedSet<int> { 0, 16, 48, 64, secret.Length - 16 };
        foreach (int offset in offsets)
        {
            if (offset < 0 || offset + 16 > secret.Length || (offset == 0 && secret.Length == 16))
            {
                continue;
            }

            ReadOnlySpan<byte> window = secret.Slice(offset, 16);
            if (window.IndexOfAnyExcept((byte)0) >= 0)
            {
                patterns.Add(MaskedPattern.From($"{name}[{offset}..{offset + 16}]", window));
            }
        }
    }

    private static Span<byte> AsBytes(Array array) => array switch
    {
        byte[] b => b,
        uint[] u => MemoryMarshal.AsBytes(u.AsSpan()),
        ulong[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        Vector128<byte>[] v => MemoryMarshal.AsBytes(v.AsSpan()),
        Vector128<ulong>[] v => MemoryMarshal.AsBytes(v.AsSpan()),
        _ => throw new InvalidOperationException("unexpected key array " + array.GetType()),
    };

    private static void FullGc()
    {
        for (int i = 0; i < 2; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>
    /// The stack-residue guarantee of the Poly1305 paths is made for the optimised library, which the package ships. In a
    /// Debug build the JIT does not optimise: it gives every vector temporary its own stack slot, which no code of the
    /// library can reach to clear, so the r powers and s are found there (ten cases failed so). Release-only, and it says so.
    /// </summary>
    private static void RequireOptimizedLibrary()
    {
        var debuggable = (System.Diagnostics.DebuggableAttribute?)Attribute.GetCustomAttribute(
            typeof(AeadTransform).Assembly, typeof(System.Diagnostics.DebuggableAttribute));
        if (debuggable is not null && debuggable.IsJITOptimizerDisabled)
        {
            Assert.Ignore(
                "Release-only: in a Debug build of Ipsec.Packets the JIT keeps every vector temporary of the Poly1305 paths in a stack slot of its own, which the library cannot clear; the guarantee is for the optimised library (run with -c Release).");
        }
    }

    private static void RequireLinux()
    {
        if (OperatingSystem.IsLinux())
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail("The residue scan reads /proc/self/maps and /proc/self/mem, which only Linux has.");
        }

        Assert.Ignore("The residue scan reads /proc/self/maps and /proc/self/mem, which only Linux has.");
    }
}
