using System;
using System.Collections.Generic;
using System.Text;

namespace EspGateway.Linux;

/// <summary>
/// A TUN device (layer 3, no packet-information prefix) with one file descriptor per queue (IFF_MULTI_QUEUE when more
/// than one). With <see cref="VnetHeader"/> every read and write starts with a 10-byte virtio_net_hdr and the kernel hands
/// over TCP segments of up to 64 KB (TSO), which the gateway cuts into MTU-sized packets itself.
/// </summary>
internal sealed unsafe class TunDevice : IDisposable
{
    private readonly List<int> _queues = [];

    private TunDevice(string name, bool vnetHeader)
    {
        Name = name;
        VnetHeader = vnetHeader;
    }

    public string Name { get; }

    /// <summary>Reads and writes carry a <see cref="VirtioNetHeader"/> and reads may be TSO segments.</summary>
    public bool VnetHeader { get; }

    public IReadOnlyList<int> Queues => _queues;

    /// <summary>Opens (creating if needed) the device with <paramref name="queueCount"/> queues, each non-blocking.</summary>
    /// <param name="name">The interface name.</param>
    /// <param name="queueCount">The number of queues (file descriptors).</param>
    /// <param name="offload">Ask for IFF_VNET_HDR and TSO; falls back to plain packets when the kernel refuses.</param>
    /// <exception cref="InvalidOperationException">The device cannot be opened; the message says which call failed.</exception>
    public static TunDevice Open(string name, int queueCount, bool offload)
    {
        TunDevice? device = null;
        if (offload)
        {
            try
            {
                device = OpenQueues(name, queueCount, vnetHeader: true);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"tun: offload unavailable ({e.Message}); plain packets");
            }
        }

        return device ?? OpenQueues(name, queueCount, vnetHeader: false);
    }

    private static TunDevice OpenQueues(string name, int queueCount, bool vnetHeader)
    {
        var device = new TunDevice(name, vnetHeader);
        try
        {
            for (int i = 0; i < queueCount; i++)
            {
                int fd = Native.Open("/dev/net/tun", Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC);
                if (fd < 0)
                {
                    throw new InvalidOperationException("open /dev/net/tun: " + Native.Describe(Native.LastError));
                }

                device._queues.Add(fd);
                Native.IfReq request = default;
                byte[] nameBytes = Encoding.ASCII.GetBytes(name);
                for (int j = 0; j < nameBytes.Length && j < 15; j++)
                {
                    request.Name[j] = nameBytes[j];
                }

                request.Flags = (short)(Native.IFF_TUN | Native.IFF_NO_PI | (queueCount > 1 ? Native.IFF_MULTI_QUEUE : 0) | (vnetHeader ? Native.IFF_VNET_HDR : 0));
                if (Native.Ioctl(fd, Native.TUNSETIFF, &request) < 0)
                {
                    throw new InvalidOperationException($"TUNSETIFF {name}: " + Native.Describe(Native.LastError));
                }

                if (vnetHeader)
                {
                    int size = VirtioNetHeader.Length;
                    if (Native.Ioctl(fd, Native.TUNSETVNETHDRSZ, &size) < 0)
                    {
                        throw new InvalidOperationException("TUNSETVNETHDRSZ: " + Native.Describe(Native.LastError));
                    }

                    if (Native.IoctlValue(fd, Native.TUNSETOFFLOAD, Native.TUN_F_CSUM | Native.TUN_F_TSO4 | Native.TUN_F_TSO6) < 0)
                    {
                        throw new InvalidOperationException("TUNSETOFFLOAD: " + Native.Describe(Native.LastError));
                    }
                }
            }
        }
        catch
        {
            device.Dispose();
            throw;
        }

        return device;
    }

    public void Dispose()
    {
        foreach (int fd in _queues)
        {
            Native.Close(fd);
        }

        _queues.Clear();
    }
}
