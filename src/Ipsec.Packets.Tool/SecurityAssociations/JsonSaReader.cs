using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>
/// Reads the tool's JSON SA format: <c>{"sas": [ {...}, ... ]}</c> or a bare array, one object per SA with the
/// fields <c>ip xfrm state</c> shows (src, dst, proto, spi, mode, aead | enc + auth, esn, replayWindow, encap, seq,
/// seqHi, oseq, oseqHi) and the same Linux algorithm names. Unknown fields are refused so typos do not pass silently.
/// </summary>
internal static class JsonSaReader
{
    /// <summary>Parses every SA in the document.</summary>
    /// <exception cref="SaFileException">Invalid JSON (with its line) or a bad field (with its JSON path).</exception>
    public static List<SaDefinition> Parse(string file, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            string line = ((e.LineNumber ?? 0) + 1).ToString(CultureInfo.InvariantCulture);
            string message = e.Message;
            int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            throw new SaFileException(file, line, "json", "invalid JSON: " + (cut > 0 ? message[..cut] : message));
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            string path = "$";
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in root.EnumerateObject())
                {
                    if (property.Name != "sas")
                    {
                        throw SaFileException.AtJsonPath(file, "$." + property.Name, "unknown field (expected \"sas\")");
                    }
                }

                if (!root.TryGetProperty("sas", out root))
                {
                    throw SaFileException.AtJsonPath(file, "$.sas", "missing");
                }

                path = "$.sas";
            }

            if (root.ValueKind != JsonValueKind.Array)
            {
                throw SaFileException.AtJsonPath(file, path, "expected an array of SA objects");
            }

            var result = new List<SaDefinition>();
            int index = 0;
            foreach (JsonElement element in root.EnumerateArray())
            {
                result.Add(ReadSa(file, string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]"), element));
                index++;
            }

            if (result.Count == 0)
            {
                throw SaFileException.AtJsonPath(file, path, "no security association in the file");
            }

            SaFileChecks.EnsureUnique(result);
            return result;
        }
    }

    private static SaDefinition ReadSa(string file, string path, JsonElement sa)
    {
        var reader = new ObjectReader(file, path, sa,
            ["src", "dst", "proto", "spi", "mode", "aead", "enc", "auth", "esn", "replayWindow", "encap", "seq", "seqHi", "oseq", "oseqHi"]);
        IPAddress source = reader.Address("src");
        IPAddress destination = reader.Address("dst");
        if (source.AddressFamily != destination.AddressFamily)
        {
            throw reader.Error("dst", "source and destination are of different address families");
        }

        string proto = reader.OptionalString("proto") ?? "esp";
        byte protocol = proto switch
        {
            "esp" => SaDefinition.EspProtocol,
            "ah" => SaDefinition.AhProtocol,
            _ => throw reader.Error("proto", $"'{proto}' is not supported (esp or ah)"),
        };
        ulong spi = reader.Number("spi", uint.MaxValue, required: true);
        if (spi < 256)
        {
            throw reader.Error("spi", "SPIs 0 to 255 are reserved");
        }

        string modeText = reader.RequiredString("mode");
        IpsecMode mode = modeText switch
        {
            "transport" => IpsecMode.Transport,
            "tunnel" => IpsecMode.Tunnel,
            _ => throw reader.Error("mode", $"'{modeText}' is not supported (transport or tunnel)"),
        };

        SaLocation origin = SaLocation.AtPath(file, path);
        SaLocation encryptionOrigin = origin;
        SaLocation integrityOrigin = origin;
        EncryptionAlgorithm? encryption = null;
        byte[] encryptionKey = [];
        if (reader.Child("aead", ["name", "key", "icvBits"]) is { } aead)
        {
            string name = aead.RequiredString("name");
            int bits = (int)aead.Number("icvBits", 1024, required: true);
            encryption = LinuxAlgorithmNames.TryResolveAead(name, bits, out EncryptionAlgorithm? algorithm, out string? problem)
                ? algorithm
                : throw aead.Error(LinuxAlgorithmNames.IsAeadName(name) ? "icvBits" : "name", problem);
            encryptionKey = aead.Key("key");
            encryptionOrigin = aead.Location("key");
        }

        if (reader.Child("enc", ["name", "key"]) is { } enc)
        {
            if (encryption is not null)
            {
                throw reader.Error("enc", "an SA has either aead or enc, not both");
            }

            string name = enc.RequiredString("name");
            encryption = LinuxAlgorithmNames.TryResolveCipher(name, out EncryptionAlgorithm? algorithm) ? algorithm : throw enc.Error("name", $"unsupported encryption algorithm '{name}'");
            encryptionKey = enc.Key("key");
            encryptionOrigin = enc.Location("key");
        }

        IntegrityAlgorithm? integrity = null;
        byte[] integrityKey = [];
        if (reader.Child("auth", ["name", "key", "truncBits"]) is { } auth)
        {
            string name = auth.RequiredString("name");
            int bits = auth.Has("truncBits") ? (int)auth.Number("truncBits", 1024, required: true) : LinuxAlgorithmNames.DefaultTruncationBits(name);
            integrity = LinuxAlgorithmNames.TryResolveIntegrity(name, bits, out IntegrityAlgorithm? algorithm, out string? problem)
                ? algorithm
                : throw auth.Error(auth.Has("truncBits") && LinuxAlgorithmNames.DefaultTruncationBits(name) > 0 ? "truncBits" : "name", problem);
            integrityKey = auth.Key("key");
            integrityOrigin = auth.Location("key");
        }

        if (protocol == SaDefinition.EspProtocol)
        {
            if (encryption is null)
            {
                throw reader.Error("enc", "an ESP SA needs \"aead\" or \"enc\"");
            }

            if (encryption.IsAead && integrity is not null)
            {
                throw reader.Error("auth", "an AEAD SA takes no separate integrity algorithm");
            }

        }
        else if (encryption is not null || integrity is null)
        {
            throw reader.Error(encryption is not null ? "enc" : "auth", "an AH SA has \"auth\" and no encryption");
        }

        ushort sport = 0;
        ushort dport = 0;
        if (reader.Child("encap", ["type", "sport", "dport"]) is { } encap)
        {
            string type = encap.OptionalString("type") ?? "espinudp";
            if (type != "espinudp")
            {
                throw encap.Error("type", $"'{type}' is not supported (espinudp)");
            }

            sport = (ushort)encap.Number("sport", ushort.MaxValue, required: true);
            dport = (ushort)encap.Number("dport", ushort.MaxValue, required: true);
            if (sport == 0 || dport == 0)
            {
                throw encap.Error("sport", "sport and dport must be non-zero");
            }
        }

        bool esn = reader.Boolean("esn");
        ulong seqHi = reader.Number("seqHi", uint.MaxValue, required: false);
        ulong oseqHi = reader.Number("oseqHi", uint.MaxValue, required: false);
        if (!esn && (seqHi != 0 || oseqHi != 0))
        {
            throw reader.Error("seqHi", "high sequence bits without \"esn\": true");
        }

        var definition = new SaDefinition
        {
            File = file,
            Origin = origin,
            EncryptionOrigin = encryptionOrigin,
            IntegrityOrigin = integrityOrigin,
            Source = source,
            Destination = destination,
            Protocol = protocol,
            Spi = (uint)spi,
            Mode = mode,
            ReplayWindowSize = reader.Has("replayWindow") ? (int)reader.Number("replayWindow", int.MaxValue, required: true) : 64,
            ExtendedSequenceNumbers = esn,
            Encryption = encryption,
            EncryptionKey = encryptionKey,
            Integrity = integrity,
            IntegrityKey = integrityKey,
            EncapsulationSourcePort = sport,
            EncapsulationDestinationPort = dport,
            InboundSequenceNumber = (seqHi << 32) | reader.Number("seq", uint.MaxValue, required: false),
            OutboundSequenceNumber = (oseqHi << 32) | reader.Number("oseq", uint.MaxValue, required: false),
        };
        definition.Validate();
        return definition;
    }

    /// <summary>Typed access to one JSON object's fields, with errors naming the JSON path.</summary>
    private sealed class ObjectReader
    {
        private readonly string _file;
        private readonly string _path;
        private readonly JsonElement _element;

        public ObjectReader(string file, string path, JsonElement element, string[] allowed)
        {
            _file = file;
            _path = path;
            _element = element;
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw SaFileException.AtJsonPath(file, path, "expected an object");
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (Array.IndexOf(allowed, property.Name) < 0)
                {
                    throw Error(property.Name, "unknown field");
                }
            }
        }

        public bool Has(string field) => _element.TryGetProperty(field, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

        public ObjectReader? Child(string field, string[] allowed) =>
            Has(field) ? new ObjectReader(_file, _path + "." + field, _element.GetProperty(field), allowed) : null;

        public string RequiredString(string field) =>
            OptionalString(field) ?? throw Error(field, "missing");

        public string? OptionalString(string field)
        {
            if (!Has(field))
            {
                return null;
            }

            JsonElement value = _element.GetProperty(field);
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error(field, "expected a string");
        }

        public bool Boolean(string field)
        {
            if (!Has(field))
            {
                return false;
            }

            JsonElement value = _element.GetProperty(field);
            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error(field, "expected true or false"),
            };
        }

        /// <summary>A number as a JSON number or a string ("0x1234", "4660").</summary>
        public ulong Number(string field, ulong maximum, bool required)
        {
            if (!Has(field))
            {
                if (required)
                {
                    throw Error(field, "missing");
                }

                return 0;
            }

            JsonElement value = _element.GetProperty(field);
            ulong number;
            bool parsed = value.ValueKind switch
            {
                JsonValueKind.Number => value.TryGetUInt64(out number),
                JsonValueKind.String => LinuxAlgorithmNames.TryParseNumber(value.GetString()!, out number),
                _ => (number = 0) != 0,
            };
            return parsed && number <= maximum
                ? number
                : throw Error(field, $"expected a number from 0 to {maximum.ToString(CultureInfo.InvariantCulture)}");
        }

        public IPAddress Address(string field)
        {
            string text = RequiredString(field);
            return IPAddress.TryParse(text, out IPAddress? address) ? address : throw Error(field, $"'{text}' is not an IPv4 or IPv6 address");
        }

        public byte[] Key(string field)
        {
            string? text = OptionalString(field);
            if (text is null)
            {
                return [];
            }

            return LinuxAlgorithmNames.TryParseKey(text, out byte[]? key) ? key : throw Error(field, "key is not 0x followed by an even number of hex digits");
        }

        public SaLocation Location(string field) => SaLocation.AtPath(_file, _path + "." + field);

        public SaFileException Error(string field, string problem) => SaFileException.AtJsonPath(_file, _path + "." + field, problem);
    }
}
