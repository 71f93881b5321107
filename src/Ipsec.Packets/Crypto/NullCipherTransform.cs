using System;

namespace Ipsec.Packets.Crypto;

/// <summary>ENCR_NULL (RFC 2410): no IV, no encryption; the data is copied when the buffers differ.</summary>
internal sealed class NullCipherTransform : CipherTransform
{
    public override int IvSize => 0;

    public override int BlockSize => 1;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv)
    {
    }

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) => source.CopyTo(destination);

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) => source.CopyTo(destination);

    public override void Dispose()
    {
    }
}
