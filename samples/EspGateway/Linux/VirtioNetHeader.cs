using System.Runtime.InteropServices;

namespace EspGateway.Linux;

/// <summary>struct virtio_net_hdr (without num_buffers), in host byte order, as a TUN device with IFF_VNET_HDR exchanges it.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct VirtioNetHeader
{
    public const int Length = 10;

    /// <summary>The checksum from <see cref="ChecksumStart"/> to the end is partial (pseudo-header sum in the field).</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary>The checksums were verified; the kernel need not check them again.</summary>
    public const byte FlagDataValid = 2;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;
    public const byte GsoEcn = 0x80;

    public byte Flags;
    public byte GsoType;
    public ushort HeaderLength;
    public ushort GsoSize;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;
}
