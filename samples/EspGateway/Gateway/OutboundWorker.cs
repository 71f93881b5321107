using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading;
using EspGateway.Linux;
using Ipsec.Packets;

namespace EspGateway.Gateway;

/// <summary>
/// TUN to UDP for one queue: reads inner packets (with offload, TCP segments of up to 64 KB, cut to the inner MTU here),
/// protects each with the current outbound SA into one contiguous staging area, and sends the ESP packets with
/// <c>sendmmsg</c>, runs of equal-sized packets as one UDP GSO message each. Buffers are allocated once, outside the GC heap.
/// </summary>
internal sealed unsafe class OutboundWorker : IDisposable
{
    private const int MaxMessages = 64;
    private const int MaxGsoSegments = 64;
    private const int MaxGsoBytes = 65000;
    private const int ReadBufferLength = VirtioNetHeader.Length + 65536;
    private const int StagingLength = 1 << 20;
    private const int StagingReserve = 96 * 1024;
    private const int ControlSpace = 24; // CMSG_SPACE(sizeof(ushort))
    private const int IcmpBufferLength = 1400;

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
    private readonly int[] _segmentSizes = new int[MaxMessages];
    private PeerEndpoint.Holder? _peerHolder;
    private bool _gso;
    private int _socket;

    // The message being built: a GSO run of _runCount packets of _runSegment bytes (the last may be shorter).
    private int _stagingUsed;
    private int _messageCount;
    private int _runStart;
    private int _runSegment;
    private int _runCount;
    private bool _runClosed = true;
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
        while (!_context.Stopping)
        {
            poll.ReturnedEvents = 0;
            int ready = Native.Poll(&poll, 1, 200);
            if (ready <= 0)
            {
                continue;
            }

            SecurityAssociationSnapshot snapshot = _context.SecurityAssociations.Current;
            for (int reads = 0; reads < _maxReads; reads++)
            {
                if (StagingLength - _stagingUsed < StagingReserve || _messageCount > MaxMessages - 2)
                {
                    Flush();
                }

                nint length = Native.Read(_tun, _read, ReadBufferLength);
                if (length <= 0)
                {
                    break;
                }

                _counters.TunReads++;
                HandleRead(snapshot, (int)length);
            }

            Flush();
            _counters.SampleAllocations(_packets);
        }
    }

    private void HandleRead(SecurityAssociationSnapshot snapshot, int length)
    {
        EspSecurityAssociation? sa = snapshot.Outbound;
        if (sa is null)
        {
            _counters.NoOutboundSa++;
            return;
        }

        if (!_vnet)
        {
            Emit(sa, snapshot.InnerMtu, new Span<byte>(_read, length));
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
            Segment(sa, snapshot.InnerMtu, packet, header);
            return;
        }

        if ((header.Flags & VirtioNetHeader.FlagNeedsChecksum) != 0)
        {
            TcpSegmentation.CompletePartialChecksum(packet, header.ChecksumStart, header.ChecksumOffset);
        }

        Emit(sa, snapshot.InnerMtu, packet);
    }

    /// <summary>Cuts a TSO segment into packets of at most gso_size payload bytes, in place: the headers of segment k are
    /// written over the tail of segment k-1, which has already been encrypted into the staging area.</summary>
    private void Segment(EspSecurityAssociation sa, int innerMtu, Span<byte> packet, VirtioNetHeader header)
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
            TooBig(packet[..(headerLength + Math.Min(mss, payload))], innerMtu);
            return;
        }

        Span<byte> headers = stackalloc byte[TcpSegmentation.MaximumHeaderLength];
        packet[..headerLength].CopyTo(headers);
        uint sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(l4 + 4)..]);
        int count = (payload + mss - 1) / mss;
        for (int k = 0; k < count; k++)
        {
            int start = k * mss;
            int segmentPayload = Math.Min(mss, payload - start);
            Span<byte> segment = packet.Slice(start, headerLength + segmentPayload);
            if (k > 0)
            {
                headers[..headerLength].CopyTo(segment);
            }

            TcpSegmentation.Patch(segment, l4, k, k == count - 1, sequence + (uint)start);
            if (StagingLength - _stagingUsed < 2048 || _messageCount > MaxMessages - 2)
            {
                Flush();
            }

            Emit(sa, innerMtu, segment);
        }

        _counters.TunSegmentsCut += count;
    }

    private void Emit(EspSecurityAssociation sa, int innerMtu, Span<byte> inner)
    {
        if (inner.Length < 20)
        {
            _counters.InnerMalformed++;
            return;
        }

        int version = inner[0] >> 4;
        byte nextHeader = version == 4 ? (byte)4 : version == 6 ? (byte)41 : (byte)0;
        if (nextHeader == 0)
        {
            _counters.InnerMalformed++;
            return;
        }

        if (inner.Length > innerMtu && (version == 6 || (inner[6] & 0x40) != 0))
        {
            TooBig(inner, innerMtu);
            return;
        }

        var destination = new Span<byte>(_staging + _stagingUsed, StagingLength - _stagingUsed);
        IpsecStatus status = sa.Protect(inner, nextHeader, destination, out int written);
        if (status != IpsecStatus.Success)
        {
            _counters.Refused[(int)status]++;
            return;
        }

        _packets++;
        Append(written);
    }

    /// <summary>Adds the ESP packet just written at the end of the staging area to the current GSO run or a new message.</summary>
    private void Append(int length)
    {
        if (_gso && !_runClosed && _runCount < MaxGsoSegments && _stagingUsed + length - _runStart <= MaxGsoBytes && length <= _runSegment)
        {
            _runCount++;
            _runClosed = length < _runSegment;
            _stagingUsed += length;
            _iov[_messageCount - 1].Length = (nuint)(_stagingUsed - _runStart);
            return;
        }

        Native.MMsgHdr* message = &_messages[_messageCount];
        Native.IoVec* iov = &_iov[_messageCount];
        iov->Base = _staging + _stagingUsed;
        iov->Length = (nuint)length;
        message->Header.Iov = iov;
        message->Header.IovLength = 1;
        message->Header.Control = null;
        message->Header.ControlLength = 0;
        _segmentSizes[_messageCount] = length;
        _messageCount++;
        _runStart = _stagingUsed;
        _runSegment = length;
        _runCount = 1;
        _runClosed = false;
        _stagingUsed += length;
    }

    private void Flush()
    {
        int count = _messageCount;
        if (count == 0)
        {
            _stagingUsed = 0;
            return;
        }

        PeerEndpoint.Holder peer = _context.Peer.Current;
        if (!ReferenceEquals(peer, _peerHolder))
        {
            *_peer = peer.Address;
            _peerHolder = peer;
        }

        uint peerLength = peer.Length;
        for (int i = 0; i < count; i++)
        {
            Native.MMsgHdr* message = &_messages[i];
            message->Header.Name = _peer;
            message->Header.NameLength = peerLength;
            message->Header.Control = null;
            message->Header.ControlLength = 0;
        }

        SetSegmentSizes(count);
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
                Native.PollFd poll = default;
                poll.Fd = socket;
                poll.Events = 0x4; // POLLOUT
                Native.Poll(&poll, 1, 100);
                if (_context.Stopping)
                {
                    break;
                }

                continue;
            }

            if (error == Native.EINTR)
            {
                continue;
            }

            _counters.SendErrors++;
            if (_messages[sent].Header.ControlLength != 0 && _gso)
            {
                // The path refuses UDP GSO (EIO or EINVAL): send this run packet by packet and stop using GSO.
                _gso = false;
                Console.Error.WriteLine("udp: GSO refused (" + Native.Describe(error) + "); sending packet by packet");
                SendRunSeparately(socket, &_messages[sent]);
            }

            sent++;
        }

        for (int i = 0; i < count; i++)
        {
            Native.MMsgHdr* message = &_messages[i];
            int length = (int)message->Header.Iov->Length;
            int segment = message->Header.ControlLength != 0 ? *(ushort*)(_control + i * ControlSpace + sizeof(Native.CMsgHdr)) : length;
            _counters.EspPacketsSent += (length + segment - 1) / segment;
            _counters.EspBytesSent += length;
            if (message->Header.ControlLength != 0)
            {
                _counters.GsoSends++;
            }
        }

        _messageCount = 0;
        _stagingUsed = 0;
        _runClosed = true;
    }

    /// <summary>Writes UDP_SEGMENT control messages for the messages holding more than one packet.</summary>
    private void SetSegmentSizes(int count)
    {
        // Only runs of more than one packet carry UDP_SEGMENT; the segment size is the run's first packet's length.
        for (int i = 0; i < count; i++)
        {
            int segment = _segmentSizes[i];
            Native.MMsgHdr* message = &_messages[i];
            if (segment > 0 && (int)message->Header.Iov->Length > segment)
            {
                byte* control = _control + i * ControlSpace;
                var cmsg = (Native.CMsgHdr*)control;
                cmsg->Length = (nuint)(sizeof(Native.CMsgHdr) + sizeof(ushort));
                cmsg->Level = Native.IPPROTO_UDP;
                cmsg->Type = Native.UDP_SEGMENT;
                *(ushort*)(control + sizeof(Native.CMsgHdr)) = (ushort)segment;
                message->Header.Control = control;
                message->Header.ControlLength = ControlSpace;
            }
        }
    }

    private void SendRunSeparately(int socket, Native.MMsgHdr* message)
    {
        byte* start = message->Header.Iov->Base;
        int length = (int)message->Header.Iov->Length;
        int segment = *(ushort*)((byte*)message->Header.Control + sizeof(Native.CMsgHdr));
        for (int offset = 0; offset < length; offset += segment)
        {
            Native.IoVec iov;
            iov.Base = start + offset;
            iov.Length = (nuint)Math.Min(segment, length - offset);
            Native.MMsgHdr single = default;
            single.Header.Name = message->Header.Name;
            single.Header.NameLength = message->Header.NameLength;
            single.Header.Iov = &iov;
            single.Header.IovLength = 1;
            Native.SendMMsg(socket, &single, 1, 0);
        }
    }

    private void TooBig(ReadOnlySpan<byte> packet, int innerMtu)
    {
        int offset = _vnet ? VirtioNetHeader.Length : 0;
        var reply = new Span<byte>(_icmp + offset, IcmpBufferLength);
        int length = IcmpTooBig.Write(packet, innerMtu, _context.IcmpSourceV4, _context.IcmpSourceV6, reply);
        if (length == 0)
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
