using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace Ipsec.Packets.Tool.Commands;

/// <summary>
/// The command line, declared with System.CommandLine: <c>decrypt</c>, <c>encrypt</c> and <c>inspect</c>, each with its own
/// options, arguments and <c>--help</c>; <c>--version</c>; validation; typo suggestions; and shell completion through the
/// <c>[suggest]</c> directive (what <c>dotnet-suggest</c> calls).
/// </summary>
internal static class ToolCommandLine
{
    private const string Conventions =
        "INPUT and OUTPUT may be '-' for standard input and standard output; named pipes and /dev/fd/N (process substitution) work, " +
        "as the input is read exactly once. OUTPUT is written to a temporary file beside it and renamed over it on success, so a " +
        "failed run leaves an existing OUTPUT as it was; an OUTPUT that is the same file as INPUT or SAFILE (a path, symbolic link " +
        "or hard link) is refused. Summaries, warnings and errors go to stderr, errors as one line; exit codes: 0 success, 1 failure, 2 usage.";

    /// <summary>Builds the command tree; each command's action hands its <see cref="ToolOptions"/> to <paramref name="run"/>.</summary>
    public static RootCommand Create(Func<ToolOptions, CancellationToken, Task<int>> run)
    {
        var root = new RootCommand(
            "ipsec-packets: decrypt, encrypt and inspect ESP and AH in pcap and pcapng captures, with the keys `ip xfrm state` prints " +
            "or a JSON SA file. " + Conventions);
        root.Subcommands.Add(Decrypt(run));
        root.Subcommands.Add(Encrypt(run));
        root.Subcommands.Add(Inspect(run));
        return root;
    }

    /// <summary>
    /// One line for a parse error: an unknown option (a word starting with '-' where INPUT or OUTPUT was expected) or an
    /// unrecognized word first, with a suggestion when one is close, else the library's first message; then where help is.
    /// </summary>
    public static string DescribeError(ParseResult result)
    {
        Command command = result.CommandResult.Command;
        string? message = null;
        string? word = null;
        foreach (Token token in command is RootCommand ? [] : result.Tokens)
        {
            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-')
            {
                word = token.Value;
                message = $"unknown option '{word}'.";
                break;
            }
        }

        if (message is null && result.UnmatchedTokens.Count > 0)
        {
            word = result.UnmatchedTokens[0];
            message = $"unrecognized command or argument '{word}'.";
        }

        message ??= result.Errors.Count == 0 ? "invalid command line." : result.Errors[0].Message;
        string? suggestion = word is null ? null : Suggest(word, command);
        string help = command is RootCommand ? "ipsec-packets --help" : $"ipsec-packets {command.Name} --help";
        return ToolText.Escape(message + (suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?") + $" See '{help}'.");
    }

    private static Command Decrypt(Func<ToolOptions, CancellationToken, Task<int>> run)
    {
        Option<string> sa = SaOption(required: true);
        var strict = new Option<bool>("--strict")
        {
            Description = "Exit with 1 when any packet could not be decrypted or verified: unknown SPI, authentication failure, replay, " +
                "malformed, bad padding, fragments that could not be reassembled, frames of an unsupported link type. Without it those " +
                "packets are counted in the summary on stderr, left out of OUTPUT, and the exit code is 0.",
        };
        var passThrough = new Option<bool>("--pass-through")
        {
            Description = "Also write the packets that are neither ESP nor AH to OUTPUT, unchanged (fragments reassembled), in input order. " +
                "Without it they are dropped and counted.",
        };
        Option<string> export = ExportOption();
        Argument<string> input = InputArgument();
        Argument<string> output = OutputArgument("The decrypted capture: pcap, raw-IP link type, input timestamps kept.");
        var command = new Command("decrypt",
            "Find ESP (raw, or in UDP on an SA's encapsulation port) and AH by SPI and destination, reassemble outer IP fragments, " +
            "check replay and integrity, decrypt, follow nested AH/ESP, and write the inner packets. A summary per SA goes to stderr.")
        {
            sa, strict, passThrough, export, input, output,
        };
        command.SetAction((result, token) => run(
            new ToolOptions
            {
                Command = "decrypt",
                SaFile = result.GetValue(sa),
                Strict = result.GetValue(strict),
                PassThrough = result.GetValue(passThrough),
                WiresharkExport = result.GetValue(export),
                Input = result.GetRequiredValue(input),
                Output = result.GetRequiredValue(output),
            },
            token));
        return command;
    }

    private static Command Encrypt(Func<ToolOptions, CancellationToken, Task<int>> run)
    {
        Option<string> sa = SaOption(required: true);
        var spi = new Option<uint?>("--spi")
        {
            Description = "The SA to encrypt with, by SPI in hexadecimal (0xc0de or c0de), when SAFILE holds more than one.",
            HelpName = "HEX",
            CustomParser = ParseSpi,
        };
        Option<string> export = ExportOption();
        Argument<string> input = InputArgument();
        Argument<string> output = OutputArgument("The protected capture: pcap, raw-IP link type, input timestamps kept.");
        var command = new Command("encrypt",
            "Protect every IP packet of INPUT with one SA: sequence numbers continue from its oseq, tunnel mode takes the outer " +
            "addresses from its src and dst, and its espinudp encapsulation puts ESP in UDP. The summary gives the next oseq.")
        {
            sa, spi, export, input, output,
        };
        command.SetAction((result, token) => run(
            new ToolOptions
            {
                Command = "encrypt",
                SaFile = result.GetValue(sa),
                Spi = result.GetValue(spi),
                WiresharkExport = result.GetValue(export),
                Input = result.GetRequiredValue(input),
                Output = result.GetRequiredValue(output),
            },
            token));
        return command;
    }

    private static Command Inspect(Func<ToolOptions, CancellationToken, Task<int>> run)
    {
        Option<string> sa = SaOption(required: false);
        Option<string> export = ExportOption();
        Argument<string> input = InputArgument();
        var command = new Command("inspect",
            "Print one line per packet (time, addresses, ESP/AH, SPI, sequence number, lengths; fragments and the datagrams " +
            "reassembled from them) and per-SPI totals with sequence gaps and duplicates. ESP in UDP is recognised on port 4500 and " +
            "on the encapsulation ports of the SAs given.")
        {
            sa, export, input,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(export) is not null && result.GetResult(sa) is null)
            {
                result.AddError("--export-wireshark needs --sa SAFILE.");
            }
        });
        command.SetAction((result, token) => run(
            new ToolOptions
            {
                Command = "inspect",
                SaFile = result.GetValue(sa),
                WiresharkExport = result.GetValue(export),
                Input = result.GetRequiredValue(input),
            },
            token));
        return command;
    }

    private static Option<string> SaOption(bool required) => new("--sa")
    {
        Description = "The security associations: the text `ip xfrm state` or `ip -s xfrm state` prints, or the JSON SA format " +
            "(a file starting with '{' or '['). Two SAs with the same protocol, SPI, source and destination are refused.",
        HelpName = "SAFILE",
        Required = required,
    };

    private static Option<string> ExportOption() => new("--export-wireshark")
    {
        Description = "Also write the SAs as a Wireshark esp_sa file (Preferences > Protocols > ESP > ESP SAs, or " +
            "~/.config/wireshark/esp_sa), created with mode 0600 since it holds the keys. SAs Wireshark cannot decrypt are left out " +
            "and listed on stderr.",
        HelpName = "PATH",
    };

    private static Argument<string> InputArgument() => NotAnOption(new Argument<string>("INPUT")
    {
        Description = "The capture to read: pcap (microsecond or nanosecond, either byte order) or pcapng; Ethernet (VLAN tags), " +
            "raw IP, Linux SLL/SLL2 or BSD loopback; '-' for standard input.",
    });

    private static Argument<string> OutputArgument(string what) => NotAnOption(new Argument<string>("OUTPUT")
    {
        Description = what + " '-' for standard output.",
    });

    /// <summary>A mistyped option would otherwise be taken for a file name: '-' alone is standard input or output, './-x' a file.</summary>
    private static Argument<string> NotAnOption(Argument<string> argument)
    {
        argument.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.Tokens[0].Value is { Length: > 1 } value && value[0] == '-')
            {
                result.AddError($"unknown option '{value}'.");
            }
        });
        return argument;
    }

    private static uint? ParseSpi(ArgumentResult result)
    {
        string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length > 0 && uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint spi))
        {
            return spi;
        }

        result.AddError($"--spi: '{text}' is not a 32-bit hexadecimal SPI.");
        return null;
    }

    /// <summary>The command or option of <paramref name="command"/> closest to a mistyped word (edit distance at most 2), if any.</summary>
    private static string? Suggest(string word, Command command)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (Command subcommand in command.Subcommands)
        {
            Consider(subcommand.Name);
        }

        foreach (Option option in command.Options)
        {
            Consider(option.Name);
        }

        return best;

        void Consider(string candidate)
        {
            int distance = EditDistance(word, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
