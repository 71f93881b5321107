using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading;
using EspGateway.Linux;
using Ipsec.Packets;

namespace EspGateway.Gateway;

/// <summary>
/// UDP to TUN for one socket: receives a batch of datagrams with <c>recvmmsg</c> (with UDP GRO, each may hold many ESP
/// packets of one size), unprotects each ESP packet in place with the SA its SPI names, checks the inner packet and the
/// tunnel's policy, follows a peer whose address or port changed, and writes the inner packet to the TUN device.
/// Buffers are allocated once, outside the GC heap; nothing allocates per packet.
/// </summary>
internal sealed unsafe class InboundWorker : IDisposable
{
    private const int SlotHeadroom = 64;
    private const int SlotDataLength = 65536;
    private const int SlotLength = SlotHeadroom + SlotDataLength;
    private const int ControlLength = 64;

    private readonly GatewayContext _context;
    private readonly int _tun;
    private readonly WorkerCounters _counters;
    private readonly bool _vnet;
    private readonly int _batch;
    private readonly byte* _slots;
    private readonly Native.MMsgHdr* _messages;
    private readonly Native.IoVec* _iov;
    private readonly Native.SockAddr* _names;
    private readonly byte* _control;
    private int _socket;
    private int _pendingSocket = -1;
    private int _previousSocket = -1;
    private long _previousSocketUntil;
    private long _packets;
    private IpsecEndpoint _localEndpoint;
    private readonly TcpCoalescer? _coalescer;

    public InboundWorker(GatewayContext context, int tun, int socket, bool gro, WorkerCounters counters)
    {
        _context = context;
        _tun = tun;
        _socket = socket;
        _counters = counters;
        _vnet = context.TunVnetHeader;
        _coalescer = _vnet ? new TcpCoalescer(tun, counters) : null;
        _localEndpoint = IpsecEndpoint.FromIPAddress(context.Options.Local, (ushort)context.Options.Port);
        _batch = Math.Min(context.Options.Batch, gro ? 32 : 64);
        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)(_batch * SlotLength), 64);
        _messages = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(Native.MMsgHdr)));
        _iov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(Native.IoVec)));
        _names = (Native.SockAddr*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(Native.SockAddr)));
        _control = (byte*)NativeMemory.AllocZeroed((nuint)(_batch * ControlLength));
        for (int i = 0; i < _batch; i++)
        {
            _iov[i].Base = _slots + (i * SlotLength) + SlotHeadroom;
            _messages[i].Header.Iov = &_iov[i];
            _messages[i].Header.IovLength = 1;
            _messages[i].Header.Name = &_names[i];
            _messages[i].Header.Control = _control + (i * ControlLength);
        }
    }

    /// <summary>Moves reception to <paramref name="socket"/>; the old socket keeps being read for the drain time, then is closed.</summary>
    public void ReplaceSocket(int socket, int port)
    {
        _localEndpoint = _localEndpoint.WithPort((ushort)port);
        Volatile.Write(ref _pendingSocket, socket);
    }

    public void Run()
    {
        Native.PollFd* polls = stackalloc Native.PollFd[2];
        bool busy = false;
        while (!_context.Stopping)
        {
            int pending = Interlocked.Exchange(ref _pendingSocket, -1);
            if (pending >= 0)
            {
                if (_previousSocket >= 0)
                {
                    Native.Close(_previousSocket);
                }

                _previousSocket = _socket;
                _previousSocketUntil = Environment.TickCount64 + _context.Options.DrainMilliseconds;
                _socket = pending;
            }

            if (_previousSocket >= 0 && Environment.TickCount64 > _previousSocketUntil)
            {
                Native.Close(_previousSocket);
                _previousSocket = -1;
            }

            if (busy && _previousSocket < 0)
            {
                // Under load the last batch came back full: receive on without asking poll first.
                busy = ReceiveBatch(_socket);
                _counters.SampleAllocations(_packets);
                continue;
            }

            polls[0] = new Native.PollFd { Fd = _socket, Events = Native.POLLIN };
            polls[1] = new Native.PollFd { Fd = _previousSocket, Events = Native.POLLIN };
            int ready = Native.Poll(polls, _previousSocket >= 0 ? 2u : 1u, 200);
            if (ready <= 0)
            {
                continue;
            }

            busy = false;
            if ((polls[0].ReturnedEvents & Native.POLLIN) != 0)
            {
                busy = ReceiveBatch(_socket);
            }

            if (_previousSocket >= 0 && (polls[1].ReturnedEvents & Native.POLLIN) != 0)
            {
                ReceiveBatch(_previousSocket);
            }

            _counters.SampleAllocations(_packets);
        }
    }

    /// <summary>Receives and handles one batch; returns whether it was full (more is probably waiting).</summary>
    private bool ReceiveBatch(int socket)
    {
        for (int i = 0; i < _batch; i++)
        {
            _iov[i].Length = SlotDataLength;
            _messages[i].Header.NameLength = (uint)sizeof(Native.SockAddr);
            _messages[i].Header.ControlLength = ControlLength;
            _messages[i].Header.Flags = 0;
        }

        int received = Native.RecvMMsg(socket, _messages, (uint)_batch, Native.MSG_DONTWAIT, null);
        _counters.ReceiveCalls++;
        if (received <= 0)
        {
            return false;
        }

        SecurityAssociationSnapshot snapshot = _context.SecurityAssociations.Current;
        for (int i = 0; i < received; i++)
        {
            Native.MMsgHdr* message = &_messages[i];
            int length = (int)message->Length;
            ReadControl(&message->Header, out int segment, out byte tos);
            if (segment <= 0 || segment >= length)
            {
                segment = length;
            }
            else
            {
                _counters.GroDatagrams++;
            }

            byte* slot = _slots + (i * SlotLength);
            for (int offset = 0; offset < length; offset += segment)
            {
                HandleEsp(snapshot, slot, SlotHeadroom + offset, Math.Min(segment, length - offset), in _names[i], tos);
            }
        }

        _coalescer?.Flush();
        return received == _batch;
    }

    private static void ReadControl(Native.MsgHdr* header, out int segment, out byte tos)
    {
        segment = 0;
        tos = 0;
        byte* control = (byte*)header->Control;
        nuint end = header->ControlLength;
        nuint offset = 0;
        while (offset + (nuint)sizeof(Native.CMsgHdr) <= end)
        {
            var cmsg = (Native.CMsgHdr*)(control + offset);
            if (cmsg->Length < (nuint)sizeof(Native.CMsgHdr))
            {
                break;
            }

            byte* value = control + offset + sizeof(Native.CMsgHdr);
            if (cmsg->Level == Native.IPPROTO_UDP && cmsg->Type == Native.UDP_GRO)
            {
                segment = *(int*)value;
            }
            else if ((cmsg->Level == Native.IPPROTO_IP && cmsg->Type == Native.IP_TOS) ||
                     (cmsg->Level == Native.IPPROTO_IPV6 && cmsg->Type == Native.IPV6_TCLASS))
            {
                tos = *value;
            }

            offset += (cmsg->Length + 7) & ~(nuint)7;
        }
    }

    private void HandleEsp(SecurityAssociationSnapshot snapshot, byte* slot, int offset, int length, in Native.SockAddr source, byte tos)
    {
        _counters.EspPacketsReceived++;
        _counters.EspBytesReceived += length;
        _packets++;
        byte* packet = slot + offset;
        if (length < 8)
        {
            // A NAT-keepalive (one 0xFF byte, RFC 3948 §2.3) or a runt.
            if (length == 1 && packet[0] == 0xFF)
            {
                _counters.NonEspDropped++;
            }
            else
            {
                _counters.Refused[(int)IpsecStatus.Truncated]++;
            }

            return;
        }

        uint spi = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(packet, 4));
        if (spi == 0)
        {
            _counters.NonEspDropped++; // the non-ESP marker: IKE on the same port, not ours to handle
            return;
        }

        EspProcessor? processor = snapshot.FindInbound(spi);
        if (processor is null)
        {
            _counters.Refused[(int)IpsecStatus.UnknownSpi]++;
            return;
        }

        IpsecEndpoint remote = ToEndpoint(source);
        var buffer = new Span<byte>(slot, SlotLength);
        var datagram = IpsecDatagram.Received(offset, length, _localEndpoint, remote, tos);
        IpsecStatus status = processor.UnprotectDatagram(buffer, ref datagram);
        if (status != IpsecStatus.Success)
        {
            if (status == IpsecStatus.NotIpsec)
            {
                _counters.NonEspDropped++;
            }
            else
            {
                _counters.Refused[(int)status]++;
            }

            return;
        }

        // The tunnel's routing policy: the inner source must be a network behind the peer.
        ReadOnlySpan<byte> inner = buffer.Slice(datagram.Offset, datagram.Length);
        if (!_context.Policy.Allows(inner[0] >> 4 == 4 ? inner.Slice(12, 4) : inner.Slice(8, 16)))
        {
            _counters.Refused[(int)IpsecStatus.PolicyMismatch]++;
            return;
        }

        // NAT rebinding (RFC 3948 §3.5): only a packet the SA accepted may move the peer.
        EspProcessor? outbound = snapshot.Outbound;
        if (outbound is not null && outbound.RemoteEndpoint != remote)
        {
            outbound.UpdateRemoteEndpoint(remote);
            _counters.PeerEndpointUpdates++;
        }

        WriteTun(slot + datagram.Offset, datagram.Length);
    }

    private static IpsecEndpoint ToEndpoint(in Native.SockAddr source)
    {
        ushort port = BinaryPrimitives.ReverseEndianness(source.PortBigEndian);
        fixed (Native.SockAddr* address = &source)
        {
            ReadOnlySpan<byte> bytes = address->Family == Native.AF_INET6
                ? new ReadOnlySpan<byte>(address->IPv6, 16)
                : new ReadOnlySpan<byte>(&address->FlowInfoOrIPv4, 4);
            IpsecEndpoint.TryCreate(bytes, port, out IpsecEndpoint endpoint);
            return endpoint;
        }
    }

    private void WriteTun(byte* inner, int length)
    {
        _counters.InnerPacketsDelivered++;
        _counters.InnerBytesDelivered += length;
        if (_coalescer is not null)
        {
            _coalescer.Add(inner, length);
            return;
        }

        if (Native.Write(_tun, inner, (nuint)length) < 0)
        {
            _counters.TunWriteErrors++;
            return;
        }

        _counters.TunPacketsWritten++;
    }

    public void Dispose()
    {
        _coalescer?.Dispose();
        if (_previousSocket >= 0)
        {
            Native.Close(_previousSocket);
        }

        NativeMemory.AlignedFree(_slots);
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
        NativeMemory.Free(_control);
    }

    /// <summary>The socket currently read (closed by the host at exit).</summary>
    public int Socket => Volatile.Read(ref _socket);
}
