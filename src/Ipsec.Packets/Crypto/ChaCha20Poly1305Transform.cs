using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>
/// ChaCha20-Poly1305 for ESP (RFC 7634, the AEAD of RFC 8439): KEYMAT = key (32) || salt (4); nonce = salt || IV (8);
/// AAD = head || tail; 16-byte ICV. Our own vectorised ChaCha20 and Poly1305, state on the stack. Every packet starts
/// with one vector run of key stream that keys Poly1305 and covers up to 960 bytes of text (all of a short packet).
/// </summary>
[SkipLocalsInit]
internal sealed class ChaCha20Poly1305Transform : AeadTransform, IKeyMaterialOwner
{
    private readonly uint[] _key = new uint[8];
    private uint _salt;   // KEYMAT, zeroed by Dispose

    public ChaCha20Poly1305Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt)
    {
        for (int i = 0; i < 8; i++)
        {
            _key[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i));
        }

        _salt = BinaryPrimitives.ReadUInt32LittleEndian(salt);
    }

    /// <summary>The longest first run: sixteen blocks, the Poly1305 key block and 960 bytes of text.</summary>
    private const int FirstRunLimit = 1024;

    // One stack workspace per call holds every secret the call makes, so one ZeroMemory clears them all: the ChaCha20
    // state, the Poly1305 state, the expected tag (open) and the first run of key stream.
    private const int StateOffset = 0;
    private const int MacOffset = 64;
    private const int ExpectedOffset = 128;
    private const int RunOffset = 192;
    private const int WorkspaceLength = RunOffset + FirstRunLimit;

    /// <summary>The per-call workspace (state, MAC, expected tag, first run) as a stack local; see <see cref="StackBlock16"/> for why not stackalloc.</summary>
    [InlineArray(WorkspaceLength)]
    private struct Workspace
    {
        private byte _element;
    }

    public override int IcvSize => 16;

    /// <summary>
    /// The packet's first run of key-stream blocks from counter 0 in one vector pass (4, 8 or 16 blocks: the narrowest
    /// that covers the Poly1305 key block and the text, the widest when none does; one scalar block without 128-bit
    /// vectors): block 0 keys Poly1305, the rest covers the start of the text. Leaves the state at the next block and
    /// returns the run's length in bytes.
    /// </summary>
    private int StartRun(ReadOnlySpan<byte> iv, int textLength, Span<byte> keyStream, ref ChaCha20.State state)
    {
        ChaCha20.Initialize(
            ref state, _key, 0, _salt, BinaryPrimitives.ReadUInt32LittleEndian(iv), BinaryPrimitives.ReadUInt32LittleEndian(iv.Slice(4)));
        int width = ChaCha20.ParallelBlocks;
        int runLength;
        if (width >= 4)
        {
            int blocks = Math.Min(ChaCha20.RunCovering(64 + textLength), width);
            ChaCha20.KeyStreamRun(ref state, keyStream, blocks);
            runLength = 64 * blocks;
        }
        else
        {
            ChaCha20.Block(ref state, keyStream);
            state[12] = 1;
            runLength = 64;
        }

        return runLength;
    }

    private static void MacTail(ref Poly1305 mac, long aadLength, int textLength, Span<byte> tag)
    {
        Unsafe.SkipInit(out StackBlock16 lengthsStorage);
        Span<byte> lengths = lengthsStorage;
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)aadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths.Slice(8), (ulong)textLength);
        mac.Absorb(lengths);
        mac.Finish(tag);
    }

    /// <summary>XORs the text with the first run's blocks after the key block, then the key stream from the state on.</summary>
    private static void Crypt(ref ChaCha20.State state, ReadOnlySpan<byte> firstRun, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int head = Math.Min(source.Length, firstRun.Length - 64);
        KeyStream.Xor(source.Slice(0, head), firstRun.Slice(64), destination);
        if (head < source.Length)
        {
            ChaCha20.Xor(ref state, source.Slice(head), destination.Slice(head));
        }
    }

    public override void Seal(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        KeyMaterial.CheckInOut(plaintext, ciphertext, nameof(ciphertext));
        KeyMaterial.CheckLength(tag, 16, nameof(tag));
        Unsafe.SkipInit(out Workspace workspaceStorage);
        Span<byte> workspace = workspaceStorage;
        ref ChaCha20.State state = ref MemoryMarshal.AsRef<ChaCha20.State>(workspace.Slice(StateOffset, MacOffset - StateOffset));
        int runLength = StartRun(iv, plaintext.Length, workspace.Slice(RunOffset), ref state);
        Span<byte> firstRun = workspace.Slice(RunOffset, runLength);
        ref Poly1305 mac = ref MemoryMarshal.AsRef<Poly1305>(workspace.Slice(MacOffset, ExpectedOffset - MacOffset));
        mac.Start(firstRun.Slice(0, 32));
        Crypt(ref state, firstRun, plaintext, ciphertext);
        BlockPadding.AbsorbPadded(ref mac, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref mac, ciphertext, default, default);
        MacTail(ref mac, (long)aadHead.Length + aadTail.Length, ciphertext.Length, tag);
        CryptographicOperations.ZeroMemory(workspace.Slice(0, RunOffset + runLength));
    }

    public override bool TryOpen(
        ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aadHead, ReadOnlySpan<byte> aadTail,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        KeyMaterial.CheckLength(iv, 8, nameof(iv));
        KeyMaterial.CheckInOut(ciphertext, plaintext, nameof(plaintext));
        Unsafe.SkipInit(out Workspace workspaceStorage);
        Span<byte> workspace = workspaceStorage;
        ref ChaCha20.State state = ref MemoryMarshal.AsRef<ChaCha20.State>(workspace.Slice(StateOffset, MacOffset - StateOffset));
        int runLength = StartRun(iv, ciphertext.Length, workspace.Slice(RunOffset), ref state);
        Span<byte> firstRun = workspace.Slice(RunOffset, runLength);
        ref Poly1305 mac = ref MemoryMarshal.AsRef<Poly1305>(workspace.Slice(MacOffset, ExpectedOffset - MacOffset));
        mac.Start(firstRun.Slice(0, 32));
        Span<byte> expected = workspace.Slice(ExpectedOffset, 16);
        BlockPadding.AbsorbPadded(ref mac, aadHead, aadTail, default);
        BlockPadding.AbsorbPadded(ref mac, ciphertext, default, default);
        MacTail(ref mac, (long)aadHead.Length + aadTail.Length, ciphertext.Length, expected);
        bool verified = tag.Length == 16 && CryptographicOperations.FixedTimeEquals(expected, tag);
        if (verified)
        {
            Crypt(ref state, firstRun, ciphertext, plaintext);
        }

        CryptographicOperations.ZeroMemory(workspace.Slice(0, RunOffset + runLength));
        return verified;
    }

    public void AppendKeyArrays(List<Array> arrays) => arrays.Add(_key);

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_key.AsSpan()));
        _salt = 0;
    }

    public override string ToString() => "ChaCha20-Poly1305";
}
