using System;
using System.Net;
using System.Net.Sockets;

namespace EspGateway.Linux;

/// <summary>A non-blocking UDP socket bound with SO_REUSEPORT, with UDP GRO and received-TOS control messages where offered.</summary>
internal static unsafe class UdpSocket
{
    /// <summary>Opens and binds a socket; reports whether UDP GSO (UDP_SEGMENT) and GRO (UDP_GRO) are available.</summary>
    /// <exception cref="InvalidOperationException">socket or bind failed; the message names the call.</exception>
    public static int Open(IPAddress local, int port, bool offload, out bool gso, out bool gro)
    {
        bool v6 = local.AddressFamily == AddressFamily.InterNetworkV6;
        int fd = Native.Socket(v6 ? Native.AF_INET6 : Native.AF_INET, Native.SOCK_DGRAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new InvalidOperationException("socket: " + Native.Describe(Native.LastError));
        }

        Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_REUSEPORT, 1);
        const int bufferBytes = 8 << 20;
        if (Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUFFORCE, bufferBytes) < 0)
        {
            Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, bufferBytes);
        }

        if (Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_SNDBUFFORCE, bufferBytes) < 0)
        {
            Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_SNDBUF, bufferBytes);
        }

        if (v6)
        {
            Native.SetInt(fd, Native.IPPROTO_IPV6, Native.IPV6_RECVTCLASS, 1);
        }
        else
        {
            Native.SetInt(fd, Native.IPPROTO_IP, Native.IP_RECVTOS, 1);
        }

        gso = offload && Native.SetInt(fd, Native.IPPROTO_UDP, Native.UDP_SEGMENT, 0) == 0;
        gro = offload && Native.SetInt(fd, Native.IPPROTO_UDP, Native.UDP_GRO, 1) == 0;

        Native.SockAddr address = ToSockAddr(new IPEndPoint(local, port));
        if (Native.Bind(fd, &address, v6 ? 28u : 16u) < 0)
        {
            int error = Native.LastError;
            Native.Close(fd);
            throw new InvalidOperationException($"bind {local} port {port}: " + Native.Describe(error));
        }

        return fd;
    }

    public static Native.SockAddr ToSockAddr(IPEndPoint endpoint)
    {
        Native.SockAddr address = default;
        address.PortBigEndian = (ushort)IPAddress.HostToNetworkOrder((short)endpoint.Port);
        byte[] bytes = endpoint.Address.GetAddressBytes();
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address.Family = Native.AF_INET6;
            for (int i = 0; i < 16; i++)
            {
                address.IPv6[i] = bytes[i];
            }
        }
        else
        {
            address.Family = Native.AF_INET;
            address.FlowInfoOrIPv4 = BitConverter.ToUInt32(bytes);
        }

        return address;
    }
}
