using System;
using System.Collections.Generic;
using System.IO;
using Ipsec.Packets.Tests.Tool;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Adversarial;

/// <summary>
/// The tool never prints key bytes: encrypt, decrypt (plain, strict, pass-through, with forged packets) and inspect,
/// and every error for a bad SA file, with distinctive keys, checked in hex (both cases, with or without dashes) and base64.
/// </summary>
[TestFixture]
public class ToolKeyLeakTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = ToolRunner.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static byte[] Key(int length, int seed) => SamplePackets.Random(length, 9000 + seed);

    private static string Hex(byte[] key) => "0x" + Convert.ToHexString(key).ToLowerInvariant();

    /// <summary>An ESP SA in `ip xfrm state` form: algorithm lines built from the keys with <paramref name="lines"/>.</summary>
    private static string Xfrm(string algorithmLines, string mode = "tunnel") =>
        "src 192.0.2.1 dst 192.0.2.2\n" +
        $"\tproto esp spi 0x00007777 reqid 1 mode {mode}\n" +
        "\treplay-window 64\n" +
        algorithmLines;

    public static IEnumerable<TestCaseData> Suites()
    {
        yield return Suite("gcm", k => $"\taead rfc4106(gcm(aes)) {Hex(k[0])} 128\n", 20);
        yield return Suite("ccm", k => $"\taead rfc4309(ccm(aes)) {Hex(k[0])} 64\n", 35);
        yield return Suite("chacha", k => $"\taead rfc7539esp(chacha20,poly1305) {Hex(k[0])} 128\n", 36);
        yield return Suite("gmac", k => $"\taead rfc4543(gcm(aes)) {Hex(k[0])} 128\n", 20);
        yield return Suite("cbc-sha256", k => $"\tauth-trunc hmac(sha256) {Hex(k[1])} 128\n\tenc cbc(aes) {Hex(k[0])}\n", 32, 32);
        yield return Suite("ctr-xcbc", k => $"\tauth-trunc xcbc(aes) {Hex(k[1])} 96\n\tenc rfc3686(ctr(aes)) {Hex(k[0])}\n", 20, 16);
        yield return Suite("3des-md5", k => $"\tauth-trunc hmac(md5) {Hex(k[1])} 96\n\tenc cbc(des3_ede) {Hex(k[0])}\n", 24, 16);
        yield return Suite("null-cmac", k => $"\tauth-trunc cmac(aes) {Hex(k[1])} 96\n\tenc ecb(cipher_null) \n", 0, 16);
    }

    private static TestCaseData Suite(string name, Func<byte[][], string> lines, int encryptionKeyLength, int integrityKeyLength = 0)
    {
        byte[][] keys = [Key(encryptionKeyLength, name.Length), Key(integrityKeyLength, name.Length + 100)];
        return new TestCaseData(Xfrm(lines(keys)), keys).SetArgDisplayNames(name);
    }

    private static void AssertNoKey((int ExitCode, string Output, string Error) run, byte[][] keys, string what)
    {
        string all = run.Output + "\n" + run.Error;
        foreach (byte[] key in keys)
        {
            Assert.That(KeyHygieneTests.ShowsKey(all, key), Is.False, $"{what} printed a key:\n{all}");
        }
    }

    private void WritePlainCapture()
    {
        var frames = new List<CaptureBuilder.Frame>();
        for (int i = 0; i < 5; i++)
        {
            frames.Add(new(1_700_000_000 + i, 0, CaptureBuilder.IPv4Udp("10.0.0.1", "10.0.0.2", 1000, 53, SamplePackets.Random(30 + i, i))));
        }

        File.WriteAllBytes(PathOf("plain.pcap"), CaptureBuilder.Pcap(frames, 101));
    }

    [TestCaseSource(nameof(Suites))]
    public void EveryCommandKeepsTheKeysToItself(string sa, byte[][] keys)
    {
        WritePlainCapture();
        File.WriteAllText(PathOf("sa.txt"), sa);
        var encrypt = ToolRunner.Run("encrypt", "--sa", PathOf("sa.txt"), "--export-wireshark", PathOf("esp_sa"), PathOf("plain.pcap"), PathOf("enc.pcap"));
        Assert.That(encrypt.ExitCode, Is.Zero, encrypt.Error);
        AssertNoKey(encrypt, keys, "encrypt");

        // A capture with forged and replayed packets next to the genuine ones.
        List<(Ipsec.Packets.Tool.Captures.CaptureRecord Record, byte[] Bytes)> records = ToolEndToEndTests.ReadCapture(PathOf("enc.pcap"));
        var frames = new List<CaptureBuilder.Frame>();
        foreach ((Ipsec.Packets.Tool.Captures.CaptureRecord record, byte[] bytes) in records)
        {
            frames.Add(new(record.Seconds, record.Nanoseconds, bytes));
            byte[] forged = (byte[])bytes.Clone();
            forged[^1] ^= 1;
            frames.Add(new(record.Seconds, record.Nanoseconds, forged));
            frames.Add(new(record.Seconds, record.Nanoseconds, bytes));
        }

        File.WriteAllBytes(PathOf("mixed.pcap"), CaptureBuilder.Pcap(frames, 101));
        foreach (string[] args in new[]
                 {
                     new[] { "decrypt", "--sa", PathOf("sa.txt"), PathOf("enc.pcap"), PathOf("dec.pcap") },
                     new[] { "decrypt", "--sa", PathOf("sa.txt"), "--pass-through", PathOf("mixed.pcap"), PathOf("dec2.pcap") },
                     new[] { "decrypt", "--strict", "--sa", PathOf("sa.txt"), PathOf("mixed.pcap"), PathOf("dec3.pcap") },
                     new[] { "inspect", "--sa", PathOf("sa.txt"), PathOf("mixed.pcap") },
                     new[] { "inspect", "--sa", PathOf("sa.txt"), "--export-wireshark", PathOf("esp_sa2"), PathOf("enc.pcap") },
                     new[] { "inspect", PathOf("mixed.pcap") },
                     new[] { "decrypt", "--sa", PathOf("sa.txt"), "--spi", "0x1", PathOf("enc.pcap"), PathOf("dec4.pcap") },
                     new[] { "decrypt", "--sa", PathOf("sa.txt"), PathOf("missing.pcap"), PathOf("dec5.pcap") },
                     new[] { "decrypt", "--sa", PathOf("sa.txt"), PathOf("sa.txt"), PathOf("dec6.pcap") },
                 })
        {
            var run = ToolRunner.Run(args);
            AssertNoKey(run, keys, string.Join(' ', args[..Math.Min(3, args.Length)]));
        }

        var decrypt = ToolRunner.Run("decrypt", "--sa", PathOf("sa.txt"), PathOf("enc.pcap"), PathOf("dec.pcap"));
        Assert.That(decrypt.ExitCode, Is.Zero, "the SA works, so the runs above had keys to leak");
    }

    public static IEnumerable<TestCaseData> BadSaFiles()
    {
        byte[] key = Key(20, 1);
        byte[] other = Key(32, 2);
        string hex = Hex(key);
        string Esp(string line) => Xfrm(line);
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) {hex[..^2]} 128\n"), key).SetArgDisplayNames("key a byte short");
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) {hex}ab 128\n"), key).SetArgDisplayNames("key a byte long");
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) {hex}a 128\n"), key).SetArgDisplayNames("odd number of digits");
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) {hex[..20]}zz{hex[22..]} 128\n"), key).SetArgDisplayNames("not hex");
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) {hex} {hex}\n"), key).SetArgDisplayNames("key pasted into the ICV field");
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) {hex} 100\n"), key).SetArgDisplayNames("bad ICV length");
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) 128 {hex}\n"), key).SetArgDisplayNames("fields swapped");
        yield return new TestCaseData(Esp($"\taead gcm(aes) {hex} 128\n"), key).SetArgDisplayNames("unknown algorithm");
        yield return new TestCaseData(Esp($"\tauth-trunc hmac(sha256) {Hex(other)} {hex}\n\tenc cbc(aes) {hex[..34]}\n"), other).SetArgDisplayNames("integrity key, then a key as truncation");
        yield return new TestCaseData(Esp($"\tauth-trunc hmac(sha256) {Hex(other)} 128\n\tenc cbc(aes) {Hex(other)[..^2]}\n"), other).SetArgDisplayNames("cbc key of 31 bytes");
        yield return new TestCaseData(Esp($"\taead rfc4106(gcm(aes)) {hex} 128\n\tauth-trunc hmac(sha256) {Hex(other)} 128\n"), other).SetArgDisplayNames("aead and auth");
        yield return new TestCaseData($"src 192.0.2.1 dst {hex}\n\tproto esp spi 0x7777 mode tunnel\n\taead rfc4106(gcm(aes)) {hex} 128\n", key).SetArgDisplayNames("key as an address");
        yield return new TestCaseData(
            $$$"""{"sas":[{"src":"192.0.2.1","dst":"192.0.2.2","spi":"0x7777","mode":"tunnel","aead":{"name":"rfc4106(gcm(aes))","key":"{{{hex[..^2]}}}","icvBits":128}}]}""",
            key).SetArgDisplayNames("json: key a byte short");
        yield return new TestCaseData(
            $$$"""{"sas":[{"src":"192.0.2.1","dst":"192.0.2.2","spi":"0x7777","mode":"tunnel","aead":{"name":"rfc4106(gcm(aes))","key":"{{{hex[..20]}}}zz{{{hex[22..]}}}","icvBits":128}}]}""",
            key).SetArgDisplayNames("json: not hex");
        yield return new TestCaseData(
            $$$"""{"sas":[{"src":"192.0.2.1","dst":"192.0.2.2","spi":"0x7777","mode":"tunnel","aead":{"name":"rfc4106(gcm(aes))","key":"{{{hex}}}","icvBits":"{{{hex}}}"}}]}""",
            key).SetArgDisplayNames("json: key as the ICV length");
        yield return new TestCaseData(
            $$$"""{"sas":[{"src":"192.0.2.1","dst":"192.0.2.2","spi":"0x7777","mode":"tunnel","aead":{"name":"rfc4106(gcm(aes))","key":{{{hex}}},"icvBits":128}}]}""",
            key).SetArgDisplayNames("json: key without quotes");
        yield return new TestCaseData(
            $$$"""{"sas":[{"src":"192.0.2.1","dst":"192.0.2.2","spi":"0x7777","mode":"tunnel","aead":{"name":"rfc4106(gcm(aes))","key":"{{{hex}}}","icvBits":128,"{{{hex}}}":1}}]}""",
            key).SetArgDisplayNames("json: key as a field name");
        yield return new TestCaseData(
            $$$"""{"sas":[{"src":"192.0.2.1","dst":"192.0.2.2","spi":"0x7777","mode":"tunnel","aead":{"name":"rfc4106(gcm(aes))","key":"{{{hex}}}","icvBits":128""",
            key).SetArgDisplayNames("json: cut short");
        yield return new TestCaseData(
            $$$"""{"sas":[{"src":"192.0.2.1","dst":"{{{hex}}}","spi":"0x7777","mode":"tunnel","aead":{"name":"rfc4106(gcm(aes))","key":"{{{hex}}}","icvBits":128}}]}""",
            key).SetArgDisplayNames("json: key as an address");
    }

    [TestCaseSource(nameof(BadSaFiles))]
    public void ErrorsForBadSaFilesDoNotShowTheKey(string text, byte[] key)
    {
        WritePlainCapture();
        string file = PathOf(text.StartsWith('{') ? "sa.json" : "sa.txt");
        File.WriteAllText(file, text);
        foreach (string[] args in new[]
                 {
                     new[] { "decrypt", "--sa", file, PathOf("plain.pcap"), PathOf("dec.pcap") },
                     new[] { "encrypt", "--sa", file, PathOf("plain.pcap"), PathOf("enc.pcap") },
                     new[] { "inspect", "--sa", file, PathOf("plain.pcap") },
                 })
        {
            var run = ToolRunner.Run(args);
            if (args[0] != "inspect")
            {
                Assert.That(run.ExitCode, Is.Not.Zero, $"{args[0]}: the SA file is refused");
                Assert.That(run.Error, Is.Not.Empty);
            }

            AssertNoKey(run, [key], args[0]);
        }
    }
}
