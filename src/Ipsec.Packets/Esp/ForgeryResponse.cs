using System.Runtime.InteropServices;
using System.Threading;

namespace Ipsec.Packets;

/// <summary>
/// How an SA answers forged packets: after one fails its ICV, the SA's next <see cref="PacketsVerifiedFirst"/> genuine
/// packets are authenticated in full before any byte is decrypted, also into separate memory, so that a flood of
/// forgeries costs the receiver only the authentication pass of each. Without forgeries AES-GCM decrypts into separate
/// memory while it hashes (one pass), which is cheaper for genuine packets but makes a forgery cost as much as one.
/// </summary>
/// <remarks>
/// Performance only: which way a packet is opened changes neither its status nor its output. Every forgery restarts the
/// count; genuine packets count it down (a thread-safe decrement, only while it runs), so the one-pass open returns
/// once forgeries stop. The count sits on its own cache line: while forgeries arrive, the threads that write it do not
/// share a line with the SA's read-only fields that every packet reads.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal sealed class ForgeryResponse
{
    /// <summary>The genuine packets verified before decryption after the latest forgery.</summary>
    public const int PacketsVerifiedFirst = 4096;

    // 64 bytes from either end of the object, as in PaddedInt32.
    [FieldOffset(64)]
    private int _remaining;

    /// <summary>True while packets are to be verified before decryption.</summary>
    public bool VerifyFirst => Volatile.Read(ref _remaining) > 0;

    /// <summary>A packet failed its ICV: verify the next <see cref="PacketsVerifiedFirst"/> genuine ones first.</summary>
    public void Forged() => Volatile.Write(ref _remaining, PacketsVerifiedFirst);

    /// <summary>A genuine packet was verified first: one fewer to go.</summary>
    public void VerifiedFirst() => Interlocked.Decrement(ref _remaining);
}
