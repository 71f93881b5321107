using System;
using System.Collections.Generic;
using System.Globalization;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>The parsed command line.</summary>
internal sealed class ToolOptions
{
    public const string Usage =
        """
        usage: ipsec-packets decrypt --sa SAFILE [--pass-through] [--strict] [--export-wireshark PATH] INPUT OUTPUT
               ipsec-packets encrypt --sa SAFILE [--spi HEX] [--export-wireshark PATH] INPUT OUTPUT
               ipsec-packets inspect [--sa SAFILE] [--export-wireshark PATH] INPUT

        SAFILE: the output of `ip xfrm state` / `ip -s xfrm state`, or the JSON SA format.
        INPUT:  pcap or pcapng (Ethernet, raw IP, IPv4, IPv6, Linux SLL/SLL2, BSD loopback).
        OUTPUT: pcap with the raw-IP link type; records keep their input timestamps.
        """;

    public required string Command { get; init; }

    public string? SaFile { get; private set; }

    public uint? Spi { get; private set; }

    public bool PassThrough { get; private set; }

    public bool Strict { get; private set; }

    public string? WiresharkExport { get; private set; }

    public List<string> Positional { get; } = [];

    /// <exception cref="UsageException">An unknown command or option, or a missing value.</exception>
    public static ToolOptions Parse(string[] args)
    {
        if (args.Length == 0)
        {
            throw new UsageException("missing command (decrypt, encrypt or inspect)");
        }

        string command = args[0];
        if (command is not ("decrypt" or "encrypt" or "inspect"))
        {
            throw new UsageException($"unknown command '{command}' (decrypt, encrypt or inspect)");
        }

        var options = new ToolOptions { Command = command };
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--sa":
                    options.SaFile = Value(args, ref i);
                    break;
                case "--spi":
                    string text = Value(args, ref i);
                    string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
                    options.Spi = uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint spi) && digits.Length > 0
                        ? spi
                        : throw new UsageException($"--spi: '{text}' is not a 32-bit hexadecimal SPI");
                    break;
                case "--pass-through":
                    options.PassThrough = true;
                    break;
                case "--strict":
                    options.Strict = true;
                    break;
                case "--export-wireshark":
                    options.WiresharkExport = Value(args, ref i);
                    break;
                case "--":
                    for (i++; i < args.Length; i++)
                    {
                        options.Positional.Add(args[i]);
                    }

                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"unknown option '{arg}'");
                    }

                    options.Positional.Add(arg);
                    break;
            }
        }

        int expected = command == "inspect" ? 1 : 2;
        if (options.Positional.Count != expected)
        {
            throw new UsageException(command == "inspect" ? "inspect takes one INPUT" : $"{command} takes INPUT and OUTPUT");
        }

        if (command != "inspect" && options.SaFile is null)
        {
            throw new UsageException($"{command} needs --sa SAFILE");
        }

        if (options.Spi is not null && command != "encrypt")
        {
            throw new UsageException("--spi applies to encrypt");
        }

        if ((options.PassThrough || options.Strict) && command != "decrypt")
        {
            throw new UsageException("--pass-through and --strict apply to decrypt");
        }

        if (options.WiresharkExport is not null && options.SaFile is null)
        {
            throw new UsageException("--export-wireshark needs --sa SAFILE");
        }

        return options;
    }

    private static string Value(string[] args, ref int i) =>
        i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
}
