using System.Runtime.CompilerServices;

namespace Ipsec.Packets.Internal;

// Fixed-size scratch on the stack for the packet paths, in place of `stackalloc`. A method with a stackalloc (or one that
// inlines a helper with one) gets a stack cookie, and the JIT then copies every span parameter to a shadow slot below the
// buffer in its prologue: two eight-byte stores read back as one sixteen-byte load, which the store buffer cannot
// forward, a stall on every packet (with the frame zeroing that comes with it, about a third of a 64-byte AES-GCM
// unprotect). Inline arrays are ordinary struct locals: no cookie, no shadow copies. Declared with Unsafe.SkipInit where
// the code writes before it reads, as the stackalloc'd buffers were under SkipLocalsInit; callers that hold key-derived
// bytes in them clear them after use, as before.

/// <summary>Sixteen bytes of scratch: one block (or a shorter field, sliced).</summary>
[InlineArray(16)]
internal struct StackBlock16
{
    private byte _element;
}

/// <summary>64 bytes of scratch: a ChaCha20 block, a hash output.</summary>
[InlineArray(64)]
internal struct StackBlock64
{
    private byte _element;
}

/// <summary>128 bytes of scratch: eight blocks (a short packet's key stream).</summary>
[InlineArray(128)]
internal struct StackBlock128
{
    private byte _element;
}

/// <summary>256 bytes of scratch.</summary>
[InlineArray(256)]
internal struct StackBlock256
{
    private byte _element;
}

/// <summary>1,024 bytes of scratch: a run of sixteen ChaCha20 blocks.</summary>
[InlineArray(1024)]
internal struct StackBlock1024
{
    private byte _element;
}
