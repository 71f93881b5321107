using System;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Ipsec.Packets.Benchmarks.Support;
using Ipsec.Packets.Wire;

namespace Ipsec.Packets.Benchmarks.DataPlane;

/// <summary>
/// The socket-level path (issue #14), AES-GCM-128 in tunnel mode over UDP: <see cref="BatchSize"/> packets one call each
/// (the baseline) against one batch call for all of them, per packet. Both rows copy the same packets into the same slots
/// first (protect encrypts in place, unprotect decrypts in place), so the difference is the batch's amortisation: one
/// sequence-number reservation, one counter update and one endpoint read per batch instead of per packet.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class DatagramBatchBenchmarks
{
    public const int BatchSize = 32;
    private const string Protect = "Protect";
    private const string Unprotect = "Unprotect";
    private const int Slot = 2048;
    private const int Headroom = IpsecDatagram.MaximumHeadroom;

    private EspProcessor _sender = null!;
    private EspProcessor _receiver = null!;
    private byte[] _inner = null!;
    private byte[] _buffer = null!;
    private byte[] _protected = null!;
    private IpsecDatagram[] _datagrams = null!;
    private IpsecDatagram[] _received = null!;
    private IpsecEndpoint _local;
    private IpsecEndpoint _remote;

    /// <summary>The inner packet length in bytes.</summary>
    [Params(64, 1400)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        EspSuite suite = EspSuite.AesGcm128;
        EspSecurityAssociation Sa() => new(new EspSecurityAssociationOptions
        {
            Spi = 0x1000, Encryption = suite.Encryption, EncryptionKey = suite.EncryptionKey, ReplayWindowSize = 0,
        });
        var options = new EspProcessorOptions
        {
            TunnelSource = IPAddress.Parse("192.0.2.1"), TunnelDestination = IPAddress.Parse("198.51.100.1"), UdpEncapsulation = true,
        };
        _sender = new EspProcessor(Sa(), options);
        _receiver = new EspProcessor(Sa(), options);
        _local = _sender.RemoteEndpoint;
        _remote = _sender.LocalEndpoint;
        _inner = BenchmarkPackets.IPv4Udp(new IPv4Address(10, 1, 0, 1), new IPv4Address(10, 2, 0, 1), PayloadSize, 1);
        _buffer = new byte[BatchSize * Slot];
        _protected = new byte[BatchSize * Slot];
        _datagrams = new IpsecDatagram[BatchSize];
        _received = new IpsecDatagram[BatchSize];
        FillInner();
        if (_sender.ProtectDatagrams(_buffer, _datagrams) != BatchSize)
        {
            throw new InvalidOperationException("setup: protect failed");
        }

        _buffer.CopyTo(_protected, 0);
        for (int i = 0; i < BatchSize; i++)
        {
            _received[i] = IpsecDatagram.Received(_datagrams[i].Offset, _datagrams[i].Length, _local, _remote, 0);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    private void FillInner()
    {
        for (int i = 0; i < BatchSize; i++)
        {
            _inner.CopyTo(_buffer, i * Slot + Headroom);
            _datagrams[i] = IpsecDatagram.Outgoing(i * Slot + Headroom, _inner.Length);
        }
    }

    private void FillProtected(IpsecDatagram[] datagrams)
    {
        for (int i = 0; i < BatchSize; i++)
        {
            _protected.AsSpan(i * Slot, Headroom + PayloadSize + 64).CopyTo(_buffer.AsSpan(i * Slot));
            datagrams[i] = IpsecDatagram.Received(_received[i].Offset, _received[i].Length, _local, _remote, 0);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize, Description = "ProtectDatagram x32 (one call per packet)")]
    [BenchmarkCategory(Protect)]
    public int ProtectSingle()
    {
        FillInner();
        int succeeded = 0;
        for (int i = 0; i < BatchSize; i++)
        {
            if (_sender.ProtectDatagram(_buffer, ref _datagrams[i]) == IpsecStatus.Success)
            {
                succeeded++;
            }
        }

        return succeeded;
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "ProtectDatagrams (batch of 32)")]
    [BenchmarkCategory(Protect)]
    public int ProtectBatch()
    {
        FillInner();
        return _sender.ProtectDatagrams(_buffer, _datagrams);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize, Description = "UnprotectDatagram x32 (one call per packet)")]
    [BenchmarkCategory(Unprotect)]
    public int UnprotectSingle()
    {
        IpsecDatagram[] datagrams = _datagrams;
        FillProtected(datagrams);
        int succeeded = 0;
        for (int i = 0; i < BatchSize; i++)
        {
            if (_receiver.UnprotectDatagram(_buffer, ref datagrams[i]) == IpsecStatus.Success)
            {
                succeeded++;
            }
        }

        return succeeded;
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "UnprotectDatagrams (batch of 32)")]
    [BenchmarkCategory(Unprotect)]
    public int UnprotectBatch()
    {
        IpsecDatagram[] datagrams = _datagrams;
        FillProtected(datagrams);
        return _receiver.UnprotectDatagrams(_buffer, datagrams);
    }
}
