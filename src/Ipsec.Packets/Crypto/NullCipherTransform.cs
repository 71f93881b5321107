using System;

namespace Ipsec.Packets.Crypto;

/// <summary>ENCR_NULL (RFC 2410): no IV, no confidentiality; Encrypt and Decrypt copy when the buffers differ.</summary>
internal sealed class NullCipherTransform : CipherTransform
{
    public override int IvSize => 0;

    public override int BlockSize => 1;

    public override void CreateIv(ulong sequenceNumber, Span<byte> iv) => KeyMaterial.CheckLength(iv, 0, nameof(iv));

    public override void Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) => Copy(iv, source, destination);

    public override void Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination) => Copy(iv, source, destination);

    private static void Copy(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        KeyMaterial.CheckLength(iv, 0, nameof(iv));
        KeyMaterial.CheckInOut(source, destination, nameof(destination));
        source.CopyTo(destination);
    }

    public override void Dispose()
    {
        // No key material.
    }

    public override string ToString() => "NULL";
}
