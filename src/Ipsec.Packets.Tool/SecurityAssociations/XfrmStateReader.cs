using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>
/// Reads the text <c>ip xfrm state</c> and <c>ip -s xfrm state</c> print: one SA per block starting with a
/// <c>src ADDRESS dst ADDRESS</c> line. Lines the tool has no use for (sel, lifetime, stats, lastused, offload, if_id,
/// dir, mark, ...) are skipped; the lines that define the SA are checked field by field.
/// </summary>
internal static class XfrmStateReader
{
    private static readonly char[] s_separators = [' ', '\t'];

    /// <summary>Parses every SA in the text.</summary>
    /// <exception cref="SaFileException">A line or field is wrong; the message names the file, the line and the field.</exception>
    public static List<SaDefinition> Parse(string file, TextReader text)
    {
        var result = new List<SaDefinition>();
        Builder? current = null;
        int lineNumber = 0;
        while (text.ReadLine() is { } line)
        {
            lineNumber++;
            // Key lengths go first: a line holding nothing but " (160 bits)" is as empty as a blank one.
            string[] tokens = WithoutKeyLengths(line.Split(s_separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (tokens.Length == 0 || tokens[0].StartsWith('#'))
            {
                continue;
            }

            var cursor = new LineCursor(file, lineNumber, tokens);
            if (tokens[0] == "src")
            {
                if (current is not null)
                {
                    result.Add(current.Build());
                }

                current = new Builder(file, lineNumber);
                current.ReadAddresses(cursor);
                continue;
            }

            if (current is null)
            {
                throw cursor.Error(tokens[0], "expected an SA starting with 'src ADDRESS dst ADDRESS'");
            }

            current.ReadLine(cursor);
        }

        if (current is not null)
        {
            result.Add(current.Build());
        }

        if (result.Count == 0)
        {
            throw new SaFileException(file, "1", "src", "no security association in the file");
        }

        SaFileChecks.EnsureUnique(result);
        return result;
    }

    /// <summary>Drops the " (160 bits)" that <c>ip -s</c> prints after every key.</summary>
    private static string[] WithoutKeyLengths(string[] tokens)
    {
        int bits = Array.IndexOf(tokens, "bits)");
        if (bits < 1 || !tokens[bits - 1].StartsWith('('))
        {
            return tokens;
        }

        var kept = new List<string>(tokens.Length - 2);
        for (int i = 0; i < tokens.Length; i++)
        {
            if (i != bits && i != bits - 1)
            {
                kept.Add(tokens[i]);
            }
        }

        return kept.ToArray();
    }

    /// <summary>The tokens of one line, with commas and colons that iproute2 puts after values stripped.</summary>
    private sealed class LineCursor(string file, int line, string[] tokens)
    {
        public string[] Tokens { get; } = tokens;

        public int Line { get; } = line;

        public string Token(int index, string field) =>
            index < Tokens.Length ? Tokens[index].TrimEnd(',', ':') : throw Error(field, "value missing");

        public bool Has(int index) => index < Tokens.Length;

        public ulong Number(int index, string field, ulong maximum)
        {
            string text = Token(index, field);
            if (!LinuxAlgorithmNames.TryParseNumber(text, out ulong value) || value > maximum)
            {
                throw Error(field, $"'{text}' is not a number from 0 to {maximum.ToString(CultureInfo.InvariantCulture)}");
            }

            return value;
        }

        public byte[] Key(int index, string field)
        {
            if (!Has(index))
            {
                return [];
            }

            // The key's text is never repeated in a message.
            return LinuxAlgorithmNames.TryParseKey(Tokens[index], out byte[]? key) ? key : throw Error(field, "key is not 0x followed by an even number of hex digits");
        }

        public SaFileException Error(string field, string problem) =>
            new(file, Line.ToString(CultureInfo.InvariantCulture), field, problem);
    }

    private sealed class Builder(string file, int startLine)
    {
        private IPAddress? _source;
        private IPAddress? _destination;
        private byte _protocol;
        private int _protocolLine;
        private uint? _spi;
        private IpsecMode? _mode;
        private int _replayWindow;
        private int _esnReplayWindow;
        private bool _esn;
        private EncryptionAlgorithm? _encryption;
        private byte[] _encryptionKey = [];
        private IntegrityAlgorithm? _integrity;
        private byte[] _integrityKey = [];
        private int _aeadLine;
        private int _encLine;
        private int _authLine;
        private ushort _encapSource;
        private ushort _encapDestination;
        private ulong _seq;
        private ulong _seqHi;
        private ulong _oseq;
        private ulong _oseqHi;

        public void ReadAddresses(LineCursor cursor)
        {
            _source = Address(cursor, 1, "src");
            if (cursor.Token(2, "dst") != "dst")
            {
                throw cursor.Error("dst", "expected 'dst ADDRESS' after the source address");
            }

            _destination = Address(cursor, 3, "dst");
            if (_source.AddressFamily != _destination.AddressFamily)
            {
                throw cursor.Error("dst", "source and destination are of different address families");
            }
        }

        public void ReadLine(LineCursor cursor)
        {
            string[] tokens = cursor.Tokens;
            switch (tokens[0])
            {
                case "proto":
                    ReadProto(cursor);
                    break;
                case "replay-window" when Array.IndexOf(tokens, "failed") < 0:
                    ReadReplayWindow(cursor, 0);
                    break;
                case "flag":
                    ReadFlags(cursor, 1);
                    break;
                case "aead":
                    ReadAead(cursor);
                    break;
                case "enc":
                    ReadEnc(cursor);
                    break;
                case "auth":
                case "auth-trunc":
                    ReadAuth(cursor, tokens[0] == "auth-trunc");
                    break;
                case "comp":
                    throw cursor.Error("comp", "IPComp is not supported");
                case "encap":
                    ReadEncap(cursor);
                    break;
                case "anti-replay":
                case "seq-hi":
                case "seq":
                case "oseq-hi":
                case "oseq":
                case "replay_window":
                    ReadAntiReplay(cursor);
                    break;
                default:
                    // sel, lifetime, limit, expire, add/use, stats, replay counters, lastused, offload, if_id, dir,
                    // mark, output-mark, ctx, tfcpad, extra-flag and the ESN bitmap words carry nothing the tool uses.
                    break;
            }
        }

        public SaDefinition Build()
        {
            string location = startLine.ToString(CultureInfo.InvariantCulture);
            if (_protocol == 0)
            {
                throw new SaFileException(file, location, "proto", "missing 'proto esp|ah spi SPI' line");
            }

            if (_spi is not uint spi)
            {
                throw new SaFileException(file, _protocolLine.ToString(CultureInfo.InvariantCulture), "spi", "missing");
            }

            if (_protocol == SaDefinition.EspProtocol)
            {
                if (_encryption is null)
                {
                    throw new SaFileException(file, location, "enc", "an ESP SA needs an 'aead' or 'enc' line");
                }

                if (_encryption.IsAead && _integrity is not null)
                {
                    throw new SaFileException(file, _authLine.ToString(CultureInfo.InvariantCulture), "auth", "an AEAD SA takes no separate integrity algorithm");
                }

            }
            else
            {
                if (_encryption is not null)
                {
                    throw new SaFileException(file, Math.Max(_encLine, _aeadLine).ToString(CultureInfo.InvariantCulture), "enc", "an AH SA has no encryption");
                }

                if (_integrity is null)
                {
                    throw new SaFileException(file, location, "auth", "an AH SA needs an 'auth' or 'auth-trunc' line");
                }
            }

            if (_mode is not IpsecMode mode)
            {
                // `ip xfrm state` always prints the mode; guessing transport would decrypt tunnel packets into nonsense.
                throw new SaFileException(file, _protocolLine.ToString(CultureInfo.InvariantCulture), "mode", "missing: the proto line needs 'mode transport' or 'mode tunnel'");
            }

            if (!_esn && (_seqHi != 0 || _oseqHi != 0))
            {
                throw new SaFileException(file, location, "seq-hi", "high sequence bits without 'flag esn'");
            }

            var origin = SaLocation.AtLine(file, startLine);
            int encryptionLine = Math.Max(_encLine, _aeadLine);
            var sa = new SaDefinition
            {
                File = file,
                Origin = origin,
                EncryptionOrigin = encryptionLine == 0 ? origin : SaLocation.AtLine(file, encryptionLine),
                IntegrityOrigin = _authLine == 0 ? origin : SaLocation.AtLine(file, _authLine),
                Source = _source!,
                Destination = _destination!,
                Protocol = _protocol,
                Spi = spi,
                Mode = mode,
                ReplayWindowSize = Math.Max(_replayWindow, _esnReplayWindow),
                ExtendedSequenceNumbers = _esn,
                Encryption = _encryption,
                EncryptionKey = _encryptionKey,
                Integrity = _integrity,
                IntegrityKey = _integrityKey,
                EncapsulationSourcePort = _encapSource,
                EncapsulationDestinationPort = _encapDestination,
                InboundSequenceNumber = (_seqHi << 32) | _seq,
                OutboundSequenceNumber = (_oseqHi << 32) | _oseq,
            };
            sa.Validate();
            return sa;
        }

        private static IPAddress Address(LineCursor cursor, int index, string field)
        {
            string text = cursor.Token(index, field);
            return IPAddress.TryParse(text, out IPAddress? address) && text.Length > 0
                ? address
                : throw cursor.Error(field, $"'{text}' is not an IPv4 or IPv6 address");
        }

        private void ReadProto(LineCursor cursor)
        {
            _protocolLine = cursor.Line;
            for (int i = 0; i < cursor.Tokens.Length; i += 2)
            {
                string key = cursor.Tokens[i];
                switch (key)
                {
                    case "proto":
                        _protocol = cursor.Token(i + 1, "proto") switch
                        {
                            "esp" => SaDefinition.EspProtocol,
                            "ah" => SaDefinition.AhProtocol,
                            string other => throw cursor.Error("proto", $"'{other}' is not supported (esp or ah)"),
                        };
                        break;
                    case "spi":
                        ulong spi = cursor.Number(i + 1, "spi", uint.MaxValue);
                        if (spi < 256)
                        {
                            throw cursor.Error("spi", "SPIs 0 to 255 are reserved");
                        }

                        _spi = (uint)spi;
                        break;
                    case "mode":
                        _mode = cursor.Token(i + 1, "mode") switch
                        {
                            "transport" => IpsecMode.Transport,
                            "tunnel" => IpsecMode.Tunnel,
                            string other => throw cursor.Error("mode", $"'{other}' is not supported (transport or tunnel)"),
                        };
                        break;
                    default:
                        // reqid and anything newer iproute2 puts on this line.
                        break;
                }
            }
        }

        private void ReadReplayWindow(LineCursor cursor, int start)
        {
            for (int i = start; i < cursor.Tokens.Length; i += 2)
            {
                switch (cursor.Tokens[i])
                {
                    case "replay-window":
                        _replayWindow = (int)cursor.Number(i + 1, "replay-window", int.MaxValue);
                        break;
                    case "flag":
                        ReadFlags(cursor, i + 1);
                        return;
                    default:
                        break;
                }
            }
        }

        private void ReadFlags(LineCursor cursor, int start)
        {
            for (int i = start; i < cursor.Tokens.Length; i++)
            {
                if (cursor.Tokens[i] == "esn")
                {
                    _esn = true;
                }
            }
        }

        private void ReadAead(LineCursor cursor)
        {
            string name = cursor.Token(1, "aead");
            byte[] key = cursor.Key(2, "aead");
            int bits = (int)cursor.Number(3, "aead", 1024);
            if (!LinuxAlgorithmNames.TryResolveAead(name, bits, out EncryptionAlgorithm? algorithm, out string? problem))
            {
                throw cursor.Error("aead", problem);
            }

            if (_encryption is not null)
            {
                throw cursor.Error("aead", "a second encryption algorithm");
            }

            _encryption = algorithm;
            _encryptionKey = key;
            _aeadLine = cursor.Line;
        }

        private void ReadEnc(LineCursor cursor)
        {
            string name = cursor.Token(1, "enc");
            if (!LinuxAlgorithmNames.TryResolveCipher(name, out EncryptionAlgorithm? algorithm))
            {
                throw cursor.Error("enc", $"unsupported encryption algorithm '{name}'");
            }

            if (_encryption is not null)
            {
                throw cursor.Error("enc", "a second encryption algorithm");
            }

            _encryption = algorithm;
            _encryptionKey = cursor.Key(2, "enc");
            _encLine = cursor.Line;
        }

        private void ReadAuth(LineCursor cursor, bool truncated)
        {
            string field = cursor.Tokens[0];
            string name = cursor.Token(1, field);
            byte[] key = cursor.Key(2, field);
            int bits = truncated ? (int)cursor.Number(3, field, 1024) : LinuxAlgorithmNames.DefaultTruncationBits(name);
            if (!LinuxAlgorithmNames.TryResolveIntegrity(name, bits, out IntegrityAlgorithm? algorithm, out string? problem))
            {
                throw cursor.Error(field, problem);
            }

            if (_integrity is not null)
            {
                throw cursor.Error(field, "a second integrity algorithm");
            }

            _integrity = algorithm;
            _integrityKey = key;
            _authLine = cursor.Line;
        }

        private void ReadEncap(LineCursor cursor)
        {
            // iproute2 prints "encap type espinudp sport 4500 dport 4500 addr 0.0.0.0"; the short form
            // "encap espinudp 4500 4500 0.0.0.0" is what `ip xfrm state add` takes.
            string type;
            ulong sport;
            ulong dport;
            if (cursor.Token(1, "encap") == "type")
            {
                type = cursor.Token(2, "encap type");
                sport = 0;
                dport = 0;
                for (int i = 3; i < cursor.Tokens.Length; i += 2)
                {
                    switch (cursor.Tokens[i])
                    {
                        case "sport":
                            sport = cursor.Number(i + 1, "encap sport", ushort.MaxValue);
                            break;
                        case "dport":
                            dport = cursor.Number(i + 1, "encap dport", ushort.MaxValue);
                            break;
                        default:
                            break;
                    }
                }
            }
            else
            {
                type = cursor.Token(1, "encap");
                sport = cursor.Number(2, "encap sport", ushort.MaxValue);
                dport = cursor.Number(3, "encap dport", ushort.MaxValue);
            }

            if (type != "espinudp")
            {
                throw cursor.Error("encap", $"'{type}' is not supported (espinudp)");
            }

            if (sport == 0 || dport == 0)
            {
                throw cursor.Error("encap", "sport and dport must be non-zero");
            }

            _encapSource = (ushort)sport;
            _encapDestination = (ushort)dport;
        }

        private void ReadAntiReplay(LineCursor cursor)
        {
            // "anti-replay context: seq 0x0, oseq 0x5, bitmap 0x00000000"
            // "anti-replay esn context:" then "seq-hi 0x0, seq 0x0, oseq-hi 0x0, oseq 0x0" and "replay_window 128, bitmap-length 4".
            for (int i = 0; i < cursor.Tokens.Length; i++)
            {
                switch (cursor.Tokens[i].TrimEnd(',', ':'))
                {
                    case "seq":
                        _seq = cursor.Number(++i, "seq", uint.MaxValue);
                        break;
                    case "seq-hi":
                        _seqHi = cursor.Number(++i, "seq-hi", uint.MaxValue);
                        break;
                    case "oseq":
                        _oseq = cursor.Number(++i, "oseq", uint.MaxValue);
                        break;
                    case "oseq-hi":
                        _oseqHi = cursor.Number(++i, "oseq-hi", uint.MaxValue);
                        break;
                    case "replay_window":
                        _esnReplayWindow = (int)cursor.Number(++i, "replay_window", int.MaxValue);
                        break;
                    default:
                        break;
                }
            }
        }
    }
}
