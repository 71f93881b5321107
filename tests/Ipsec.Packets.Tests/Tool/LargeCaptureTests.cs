using System;
using System.Buffers.Binary;
using System.IO;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Tool;

/// <summary>A 1,000,000-packet capture encrypted and decrypted by the tool in-process, with memory staying flat.</summary>
[TestFixture]
public class LargeCaptureTests
{
    private const int PacketCount = 1_000_000;
    private const long MemoryBudgetBytes = 200L * 1024 * 1024;

    [Test]
    public void MillionPackets_DecryptWithFlatMemory()
    {
        string dir = ToolRunner.TempDirectory();
        try
        {
            string plain = Path.Combine(dir, "plain.pcap");
            WritePlainCapture(plain);
            string sa = Path.Combine(dir, "sa.txt");
            File.WriteAllText(sa, "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x0000c0de mode tunnel\n\treplay-window 64\n\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 128\n");
            var encrypt = ToolRunner.Run("encrypt", "--sa", sa, plain, Path.Combine(dir, "enc.pcap"));
            Assert.That(encrypt.ExitCode, Is.Zero, encrypt.Error);
            File.Delete(plain);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long workingSetBefore = Environment.WorkingSet;

            var decrypt = ToolRunner.Run("decrypt", "--strict", "--sa", sa, Path.Combine(dir, "enc.pcap"), Path.Combine(dir, "dec.pcap"));

            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            long heapGrowth = GC.GetTotalMemory(forceFullCollection: false) - heapBefore;
            long workingSetGrowth = Environment.WorkingSet - workingSetBefore;
            TestContext.Out.WriteLine($"decrypt of {PacketCount} packets: allocated {allocated / 1024} KiB, heap growth {heapGrowth / 1024} KiB, working set growth {workingSetGrowth / 1024} KiB");

            Assert.That(decrypt.ExitCode, Is.Zero, decrypt.Error);
            Assert.That(decrypt.Error, Does.Contain($": {PacketCount} decrypted\n"));
            Assert.That(workingSetGrowth, Is.LessThan(MemoryBudgetBytes));
            Assert.That(heapGrowth, Is.LessThan(MemoryBudgetBytes));
            // Flat: what the whole run allocates is bounded by buffers, not by the packet count (a few bytes per packet at most).
            Assert.That(allocated, Is.LessThan(16L * 1024 * 1024));
            Assert.That(new FileInfo(Path.Combine(dir, "dec.pcap")).Length, Is.EqualTo(24 + PacketCount * (16L + 48)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WritePlainCapture(string path)
    {
        byte[] ip = CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, new byte[20]);
        using var stream = new BufferedStream(File.Create(path), 1 << 20);
        stream.Write(CaptureBuilder.Pcap([], 101));
        byte[] header = new byte[16];
        for (int i = 0; i < PacketCount; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(1_700_000_000 + i / 1000));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)(i % 1000 * 1000));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)ip.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)ip.Length);
            // The UDP source port and payload vary; neither is under the IPv4 header checksum, and the UDP checksum is 0.
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(20), (ushort)i);
            BinaryPrimitives.WriteInt32BigEndian(ip.AsSpan(28), i);
            stream.Write(header);
            stream.Write(ip);
        }
    }
}
