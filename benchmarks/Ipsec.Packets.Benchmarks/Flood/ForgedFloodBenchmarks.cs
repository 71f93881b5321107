using System;
using BenchmarkDotNet.Attributes;
using Ipsec.Packets.Benchmarks.Support;

namespace Ipsec.Packets.Benchmarks.Flood;

/// <summary>
/// Issue #8: forged ESP packets at full speed against a live SA (AES-GCM-128, tunnel mode, replay window of 4,096 on),
/// through the whole inbound path. Forged packets carry the SA's SPI, fresh sequence numbers (so the replay check lets
/// them through to the ICV, the expensive case) and a bad ICV. Rows, per packet: valid only, forged only, and a mix of
/// nine forged to one valid; a forged packet must cost no more than a valid one and throw nothing.
/// Valid traffic must be unaffected: the setup floods first and checks every valid packet is still accepted, and the
/// cleanup throws if any valid packet sent during the run was refused or any forged one accepted.
/// </summary>
[MemoryDiagnoser]
public class ForgedFloodBenchmarks
{
    public const int PacketsPerInvoke = 1000;
    private const int ForgedCount = 1024;

    private EspTestbed _testbed = null!;
    private EspSecurityAssociation _receiver = null!;
    private PacketRing _valid = null!;
    private PacketRing _forged = null!;
    private byte[] _work = null!;
    private int _nextValid;
    private int _nextForged;
    private long _validSent;
    private long _validAccepted;
    private long _forgedSent;
    private long _forgedAccepted;

    [Params(64, 1400)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        EspSuite suite = EspSuite.AesGcm128;
        _testbed = new EspTestbed(IpsecMode.Tunnel);
        _receiver = _testbed.AddReceiver(suite.Options(0x1000, 4096));
        byte[] plain = _testbed.PlainPacket(PayloadSize);
        using (EspProcessor sender = _testbed.CreateSender(suite.Options(0x1000, 0)))
        {
            _valid = new PacketRing(sender, plain, 8192);
        }

        using (EspProcessor forger = _testbed.CreateSender(suite.Options(0x1000, 0, initialOutboundSequenceNumber: 0x4000_0000)))
        {
            // The attacker's packets: sequence numbers far ahead of the window, ICV bytes corrupted.
            _forged = new PacketRing(
                () =>
                {
                    byte[] packet = EspTestbed.Protect(forger, plain);
                    packet[^1] ^= 0x5A;
                    return packet;
                },
                ForgedCount);
        }

        _work = new byte[_valid.Length];

        // Flood, then check the valid stream is untouched: every one of a full ring of valid packets is accepted.
        for (int i = 0; i < 10 * ForgedCount; i++)
        {
            BenchmarkPackets.Expect(Receive(_forged[i % ForgedCount]), IpsecStatus.AuthenticationFailed, "forged packet");
        }

        for (int i = 0; i < _valid.Count; i++)
        {
            BenchmarkPackets.Expect(Receive(_valid[i]), IpsecStatus.Success, "valid packet after a flood");
        }

        _receiver.ResetReplayWindow();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _testbed.Dispose();
        if (_validAccepted != _validSent || _forgedAccepted != 0)
        {
            throw new InvalidOperationException(
                $"valid traffic was affected by the flood: {_validAccepted} of {_validSent} valid packets accepted, {_forgedAccepted} of {_forgedSent} forged ones");
        }
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "valid only")]
    public long ValidOnly()
    {
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            SendValid();
        }

        return _validAccepted;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "forged only (bad ICV)")]
    public long ForgedOnly()
    {
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            SendForged();
        }

        return _forgedAccepted;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "9 forged : 1 valid")]
    public long Mixed()
    {
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            if (i % 10 == 9)
            {
                SendValid();
            }
            else
            {
                SendForged();
            }
        }

        return _validAccepted;
    }

    /// <summary>Copies the packet into the receive buffer (unprotect works in place) and runs the inbound path.</summary>
    private IpsecStatus Receive(ReadOnlySpan<byte> packet)
    {
        packet.CopyTo(_work);
        return _testbed.Inbound.ProcessInbound(_work, 0, packet.Length, out _);
    }

    /// <summary>The next valid packet; at the ring's wrap the window is emptied (amortised over 8,192 packets).</summary>
    private void SendValid()
    {
        _validSent++;
        if (Receive(_valid[_nextValid]) == IpsecStatus.Success)
        {
            _validAccepted++;
        }

        if (++_nextValid == _valid.Count)
        {
            _nextValid = 0;
            _receiver.ResetReplayWindow();
        }
    }

    private void SendForged()
    {
        _forgedSent++;
        if (Receive(_forged[_nextForged]) == IpsecStatus.Success)
        {
            _forgedAccepted++;
        }

        if (++_nextForged == ForgedCount)
        {
            _nextForged = 0;
        }
    }
}
