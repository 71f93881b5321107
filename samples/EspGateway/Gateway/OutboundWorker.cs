using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading;
using EspGateway.Linux;
using Ipsec.Packets;
using Ipsec.Packets.Wire;

namespace EspGateway.Gateway;

/// <summary>
/// TUN to UDP for one queue. Reads inner packets (with offload, TCP segments of up to 64 KB, cut to the inner MTU here)
/// and stages each in one contiguous area, where the outbound processor's batch protect (<see cref="EspProcessor.ProtectDatagrams"/>)
/// turns them into ESP in place, back to back; then <c>sendmmsg</c> sends them, each run of equal-sized packets as one
/// UDP GSO message, with the outer TOS the library decided (RFC 6040) as an IP_TOS control message. Oversize packets get an
/// ICMP "fragmentation needed" / "packet too big" reply from the library's builder. Buffers live outside the GC heap.
/// </summary>
internal sealed unsafe class OutboundWorker : IDisposable
{
    private const int MaxMessages = 64;
    private const int MaxBatch = 256;
    private const int MaxGsoSegments = 64;
    private const int MaxGsoBytes = 65000;
    private const int ReadBufferLength = VirtioNetHeader.Length + 65536;
    private const int StagingLength = 1 << 20;
    private const int StagingReserve = 2048;
    private const int ControlSpace = 48; // CMSG_SPACE(sizeof(ushort)) for UDP_SEGMENT + CMSG_SPACE(sizeof(int)) for IP_TOS
    private const int IcmpBufferLength = IcmpPacketTooBig.MaximumIPv6ReplyLength;

    private readonly GatewayContext _context;
    private readonly int _tun;
    private readonly WorkerCounters _counters;
    private readonly bool _vnet;
    private readonly int _maxReads;
    private readonly byte* _read;
    private readonly byte* _staging;
    private readonly byte* _icmp;
    private readonly Native.MMsgHdr* _messages;
    private readonly Native.IoVec* _iov;
    private readonly byte* _control;
    private readonly Native.SockAddr* _peer;
    private readonly IpsecDatagram[] _datagrams = new IpsecDatagram[MaxBatch];
    private readonly int[] _segmentSizes = new int[MaxMessages];
    private readonly byte[] _trafficClasses = new byte[MaxMessages];
    private IpsecEndpoint _peerEndpoint;
    private uint _peerLength;
    private bool _gso;
    private int _socket;

    // Staged inner packets waiting for the batch protect, all for _stagedProcessor.
    private EspProcessor? _stagedProcessor;
    private int _staged;
    private int _stagingUsed;
    private long _packets;

    public OutboundWorker(GatewayContext context, int tun, int socket, bool gso, WorkerCounters counters)
    {
        _context = context;
        _tun = tun;
        _socket = socket;
        _gso = gso;
        _counters = counters;
        _vnet = context.TunVnetHeader;
        _maxReads = Math.Max(1, context.Options.Batch);
        _read = (byte*)NativeMemory.AlignedAlloc(ReadBufferLength, 64);
        _staging = (byte*)NativeMemory.AlignedAlloc(StagingLength, 64);
        _icmp = (byte*)NativeMemory.AlignedAlloc(IcmpBufferLength + VirtioNetHeader.Length, 64);
        _messages = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(MaxMessages * sizeof(Native.MMsgHdr)));
        _iov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(MaxMessages * sizeof(Native.IoVec)));
        _control = (byte*)NativeMemory.AllocZeroed(MaxMessages * ControlSpace);
        _peer = (Native.SockAddr*)NativeMemory.AllocZeroed((nuint)sizeof(Native.SockAddr));
    }

    /// <summary>The socket to send from; replaced when the local port changes.</summary>
    public int Socket
    {
        get => Volatile.Read(ref _socket);
        set => Volatile.Write(ref _socket, value);
    }

    public void Run()
    {
        Native.PollFd poll = default;
        poll.Fd = _tun;
        poll.Events = Native.POLLIN;
        bool busy = false;
        while (!_context.Stopping)
        {
            // Under load the last batch ended full: read on without asking poll first.
            poll.ReturnedEvents = 0;
            if (!busy && Native.Poll(&poll, 1, 200) <= 0)
            {
                continue;
            }

            SecurityAssociationSnapshot snapshot = _context.SecurityAssociations.Current;
            int reads = 0;
            for (; reads < _maxReads; reads++)
            {
                nint length = Native.Read(_tun, _read, ReadBufferLength);
                if (length <= 0)
                {
                    break;
                }

                _counters.TunReads++;
                HandleRead(snapshot, (int)length);
            }

            busy = reads == _maxReads;

            Flush();
            _counters.SampleAllocations(_packets);
        }
    }

    private void HandleRead(SecurityAssociationSnapshot snapshot, int length)
    {
        EspProcessor? processor = snapshot.Outbound;
        if (processor is null)
        {
            _counters.NoOutboundSa++;
            return;
        }

        if (!ReferenceEquals(processor, _stagedProcessor))
        {
            Flush();
            _stagedProcessor = processor;
        }

        if (!_vnet)
        {
            Stage(processor, snapshot.InnerMtu, new ReadOnlySpan<byte>(_read, length));
            return;
        }

        if (length < VirtioNetHeader.Length)
        {
            _counters.InnerMalformed++;
            return;
        }

        VirtioNetHeader header = *(VirtioNetHeader*)_read;
        var packet = new Span<byte>(_read + VirtioNetHeader.Length, length - VirtioNetHeader.Length);
        byte gsoType = (byte)(header.GsoType & ~VirtioNetHeader.GsoEcn);
        if (gsoType is VirtioNetHeader.GsoTcpV4 or VirtioNetHeader.GsoTcpV6)
        {
            Segment(processor, snapshot.InnerMtu, packet, header);
            return;
        }

        if ((header.Flags & VirtioNetHeader.FlagNeedsChecksum) != 0)
        {
            TcpSegmentation.CompletePartialChecksum(packet, header.ChecksumStart, header.ChecksumOffset);
        }

        Stage(processor, snapshot.InnerMtu, packet);
    }

    /// <summary>Cuts a TSO segment into packets of at most gso_size payload bytes, each built straight into the staging area.</summary>
    private void Segment(EspProcessor processor, int innerMtu, ReadOnlySpan<byte> packet, VirtioNetHeader header)
    {
        int l4 = header.ChecksumStart;
        if (l4 < 20 || l4 + 20 > packet.Length)
        {
            _counters.InnerMalformed++;
            return;
        }

        int headerLength = l4 + ((packet[l4 + 12] >> 4) * 4);
        int mss = header.GsoSize;
        int payload = packet.Length - headerLength;
        if (headerLength > TcpSegmentation.MaximumHeaderLength || headerLength > packet.Length || mss == 0 || payload <= 0)
        {
            _counters.InnerMalformed++;
            return;
        }

        if (headerLength + mss > innerMtu)
        {
            // The reply quotes the headers (the kernel matches it to the socket by them); the whole segment keeps the
            // quoted packet's lengths consistent.
            TooBig(packet, innerMtu);
            return;
        }

        ReadOnlySpan<byte> headers = packet[..headerLength];
        uint sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(l4 + 4)..]);
        int count = (payload + mss - 1) / mss;
        int headroom = processor.DatagramHeadroom;
        for (int k = 0; k < count; k++)
        {
            int start = k * mss;
            int segmentPayload = Math.Min(mss, payload - start);
            int segmentLength = headerLength + segmentPayload;
            Span<byte> segment = Reserve(processor, segmentLength, headroom);
            headers.CopyTo(segment);
            packet.Slice(headerLength + start, segmentPayload).CopyTo(segment[headerLength..]);
            TcpSegmentation.Patch(segment, l4, k, k == count - 1, sequence + (uint)start);
            Commit(processor, segmentLength, headroom);
        }

        _counters.TunSegmentsCut += count;
    }

    private void Stage(EspProcessor processor, int innerMtu, ReadOnlySpan<byte> inner)
    {
        if (inner.Length < 20 || (inner[0] >> 4 != 4 && inner[0] >> 4 != 6))
        {
            _counters.InnerMalformed++;
            return;
        }

        if (inner.Length > innerMtu)
        {
            TooBig(inner, innerMtu);
            return;
        }

        int headroom = processor.DatagramHeadroom;
        inner.CopyTo(Reserve(processor, inner.Length, headroom));
        Commit(processor, inner.Length, headroom);
    }

    /// <summary>The staging space for an inner packet of <paramref name="length"/> bytes, after the ESP header's headroom;
    /// flushes first when the batch or the area is full.</summary>
    private Span<byte> Reserve(EspProcessor processor, int length, int headroom)
    {
        int espLength = processor.SecurityAssociation.GetProtectedLength(length, 4);
        if (_staged == MaxBatch || _stagingUsed + espLength + StagingReserve > StagingLength)
        {
            Flush();
            _stagedProcessor = processor;
        }

        return new Span<byte>(_staging + _stagingUsed + headroom, length);
    }

    /// <summary>Records the packet just written by <see cref="Reserve"/>: its ESP form will fill exactly the next
    /// GetProtectedLength bytes of the staging area, so the ESP packets of a batch lie back to back, ready for GSO.</summary>
    private void Commit(EspProcessor processor, int length, int headroom)
    {
        byte nextHeader = (_staging[_stagingUsed + headroom] >> 4) == 6 ? (byte)41 : (byte)4;
        _datagrams[_staged++] = IpsecDatagram.Outgoing(_stagingUsed + headroom, length);
        _stagingUsed += processor.SecurityAssociation.GetProtectedLength(length, nextHeader);
    }

    /// <summary>Protects the staged batch in one library call and sends it.</summary>
    private void Flush()
    {
        EspProcessor? processor = _stagedProcessor;
        int staged = _staged;
        if (processor is null || staged == 0)
        {
            _staged = 0;
            _stagingUsed = 0;
            return;
        }

        var staging = new Span<byte>(_staging, StagingLength);
        Span<IpsecDatagram> datagrams = _datagrams.AsSpan(0, staged);
        processor.ProtectDatagrams(staging, datagrams);

        int messages = 0;
        int runEnd = -1;
        int runCount = 0;
        bool runClosed = true;
        for (int i = 0; i < staged; i++)
        {
            ref IpsecDatagram datagram = ref datagrams[i];
            if (datagram.Status != IpsecStatus.Success)
            {
                if (datagram.Status == IpsecStatus.MtuExceeded)
                {
                    TooBig(staging.Slice(datagram.Offset, datagram.Length), datagram.InnerMtu);
                }
                else
                {
                    _counters.Refused[(int)datagram.Status]++;
                }

                runClosed = true;
                continue;
            }

            _packets++;
            if (messages == 0)
            {
                SetPeer(datagram.RemoteEndpoint);
            }

            int offset = datagram.Offset;
            int length = datagram.Length;
            int m = messages - 1;
            if (_gso && !runClosed && offset == runEnd && runCount < MaxGsoSegments && length <= _segmentSizes[m] &&
                datagram.TrafficClass == _trafficClasses[m] && (int)_iov[m].Length + length <= MaxGsoBytes)
            {
                _iov[m].Length += (nuint)length;
                runCount++;
                runClosed = length < _segmentSizes[m];
                runEnd = offset + length;
                continue;
            }

            if (messages == MaxMessages)
            {
                Send(messages);
                messages = 0;
                SetPeer(datagram.RemoteEndpoint);
            }

            _iov[messages].Base = _staging + offset;
            _iov[messages].Length = (nuint)length;
            _segmentSizes[messages] = length;
            _trafficClasses[messages] = datagram.TrafficClass;
            messages++;
            runCount = 1;
            runClosed = false;
            runEnd = offset + length;
        }

        Send(messages);
        _staged = 0;
        _stagingUsed = 0;
    }

    private void SetPeer(IpsecEndpoint remote)
    {
        if (remote == _peerEndpoint && _peerLength != 0)
        {
            return;
        }

        Native.SockAddr address = default;
        address.PortBigEndian = BinaryPrimitives.ReverseEndianness(remote.Port);
        if (remote.IsIPv6)
        {
            address.Family = Native.AF_INET6;
            remote.WriteAddress(new Span<byte>(address.IPv6, 16));
            _peerLength = 28;
        }
        else
        {
            address.Family = Native.AF_INET;
            remote.WriteAddress(new Span<byte>(&address.FlowInfoOrIPv4, 4));
            _peerLength = 16;
        }

        *_peer = address;
        _peerEndpoint = remote;
    }

    private void Send(int count)
    {
        for (int i = 0; i < count; i++)
        {
            Native.MsgHdr* header = &_messages[i].Header;
            header->Name = _peer;
            header->NameLength = _peerLength;
            header->Iov = &_iov[i];
            header->IovLength = 1;
            byte* control = _control + (i * ControlSpace);
            int used = 0;
            int length = (int)_iov[i].Length;
            if (length > _segmentSizes[i])
            {
                var cmsg = (Native.CMsgHdr*)control;
                cmsg->Length = (nuint)(sizeof(Native.CMsgHdr) + sizeof(ushort));
                cmsg->Level = Native.IPPROTO_UDP;
                cmsg->Type = Native.UDP_SEGMENT;
                *(ushort*)(control + sizeof(Native.CMsgHdr)) = (ushort)_segmentSizes[i];
                used = 24;
            }

            if (_trafficClasses[i] != 0)
            {
                var cmsg = (Native.CMsgHdr*)(control + used);
                bool v6 = _peerLength == 28;
                cmsg->Length = (nuint)(sizeof(Native.CMsgHdr) + sizeof(int));
                cmsg->Level = v6 ? Native.IPPROTO_IPV6 : Native.IPPROTO_IP;
                cmsg->Type = v6 ? Native.IPV6_TCLASS : Native.IP_TOS;
                *(int*)(control + used + sizeof(Native.CMsgHdr)) = _trafficClasses[i];
                used += 24;
            }

            header->Control = used == 0 ? null : control;
            header->ControlLength = (nuint)used;
            _counters.EspPacketsSent += (length + _segmentSizes[i] - 1) / _segmentSizes[i];
            _counters.EspBytesSent += length;
            if (length > _segmentSizes[i])
            {
                _counters.GsoSends++;
            }
        }

        int sent = 0;
        int socket = Socket;
        while (sent < count)
        {
            int result = Native.SendMMsg(socket, _messages + sent, (uint)(count - sent), 0);
            _counters.SendCalls++;
            if (result > 0)
            {
                sent += result;
                continue;
            }

            int error = Native.LastError;
            if (error == Native.EAGAIN)
            {
                // The socket buffer is full: wait for room (back-pressure toward the TUN queue).
                Native.PollFd poll = default;
                poll.Fd = socket;
                poll.Events = 0x4; // POLLOUT
                Native.Poll(&poll, 1, 100);
                if (_context.Stopping)
                {
                    return;
                }

                continue;
            }

            if (error == Native.EINTR)
            {
                continue;
            }

            _counters.SendErrors++;
            if (_gso && (int)_iov[sent].Length > _segmentSizes[sent])
            {
                // The path refuses UDP GSO (EIO or EINVAL): send this run packet by packet and stop using GSO.
                _gso = false;
                Console.Error.WriteLine("udp: GSO refused (" + Native.Describe(error) + "); sending packet by packet");
                SendRunSeparately(socket, sent);
            }

            sent++;
        }
    }

    private void SendRunSeparately(int socket, int index)
    {
        byte* start = _iov[index].Base;
        int length = (int)_iov[index].Length;
        int segment = _segmentSizes[index];
        for (int offset = 0; offset < length; offset += segment)
        {
            Native.IoVec iov;
            iov.Base = start + offset;
            iov.Length = (nuint)Math.Min(segment, length - offset);
            Native.MMsgHdr single = default;
            single.Header.Name = _peer;
            single.Header.NameLength = _peerLength;
            single.Header.Iov = &iov;
            single.Header.IovLength = 1;
            Native.SendMMsg(socket, &single, 1, 0);
        }
    }

    /// <summary>Answers an inner packet too big for the tunnel with the library's ICMP reply, written to the TUN device.
    /// Its source is the packet's destination, the far end of the tunnel (the gateway has no inner address of its own, and
    /// a reply from the host's own address would be dropped by the kernel as a martian).</summary>
    private void TooBig(ReadOnlySpan<byte> packet, int innerMtu)
    {
        int offset = _vnet ? VirtioNetHeader.Length : 0;
        var reply = new Span<byte>(_icmp + offset, IcmpBufferLength);
        int length = 0;
        bool made = packet[0] >> 4 == 4
            ? IPv4Address.TryRead(packet.Slice(16, 4), out IPv4Address v4) && IcmpPacketTooBig.TryWriteIPv4(packet, innerMtu, v4, reply, out length)
            : packet.Length >= 40 && IcmpPacketTooBig.TryWriteIPv6(packet, innerMtu, new IPv6Address(BinaryPrimitives.ReadUInt64BigEndian(packet[24..]), BinaryPrimitives.ReadUInt64BigEndian(packet[32..])), reply, out length);
        _counters.TooBigDropped++;
        if (!made)
        {
            return;
        }

        if (_vnet)
        {
            new Span<byte>(_icmp, VirtioNetHeader.Length).Clear();
        }

        if (Native.Write(_tun, _icmp, (nuint)(length + offset)) > 0)
        {
            _counters.IcmpTooBigSent++;
        }
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_read);
        NativeMemory.AlignedFree(_staging);
        NativeMemory.AlignedFree(_icmp);
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_control);
        NativeMemory.Free(_peer);
    }
}
