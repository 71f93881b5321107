using System;
using System.Runtime.InteropServices;

namespace EspGateway.Linux;

/// <summary>The Linux system calls and constants the gateway uses (x86-64 and arm64 layouts), nothing else.</summary>
internal static unsafe partial class Native
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;

    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;

    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_REUSEPORT = 15;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;

    public const int IPPROTO_IP = 0;
    public const int IPPROTO_IPV6 = 41;
    public const int IPPROTO_UDP = 17;
    public const int IP_TOS = 1;
    public const int IP_MTU_DISCOVER = 10;
    public const int IP_RECVTOS = 13;
    public const int IP_PMTUDISC_DO = 2;
    public const int IPV6_TCLASS = 67;
    public const int IPV6_RECVTCLASS = 66;
    public const int UDP_SEGMENT = 103;
    public const int UDP_GRO = 104;

    public const int MSG_DONTWAIT = 0x40;

    public const short POLLIN = 0x1;

    public const uint TUNSETIFF = 0x400454ca;
    public const uint TUNSETOFFLOAD = 0x400454d0;
    public const uint TUNSETVNETHDRSZ = 0x400454d8;
    public const short IFF_TUN = 0x0001;
    public const short IFF_MULTI_QUEUE = 0x0100;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;

    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>struct sockaddr_in6 (28 bytes) also holds a sockaddr_in (16 bytes): family, port (big-endian), address.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 28)]
    public struct SockAddr
    {
        public ushort Family;
        public ushort PortBigEndian;
        public uint FlowInfoOrIPv4;
        public fixed byte IPv6[16];
        public uint ScopeId;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [StructLayout(LayoutKind.Sequential, Size = 40)]
    public struct IfReq
    {
        public fixed byte Name[16];
        public short Flags;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlValue(int fd, nuint request, nuint argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddr* address, uint length);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, SockAddr* address, uint* length);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    public static int SetInt(int fd, int level, int name, int value) => SetSockOpt(fd, level, name, &value, sizeof(int));

    public static int LastError => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno) + " (errno " + errno + ")";
}
