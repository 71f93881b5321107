namespace Ipsec.Packets.Tool.Commands;

/// <summary>The parsed command line of one run.</summary>
internal sealed class ToolOptions
{
    /// <summary>decrypt, encrypt or inspect.</summary>
    public required string Command { get; init; }

    /// <summary>The SA file (required for decrypt and encrypt).</summary>
    public string? SaFile { get; init; }

    /// <summary>encrypt: the SA to use.</summary>
    public uint? Spi { get; init; }

    /// <summary>decrypt: keep packets that are not IPsec.</summary>
    public bool PassThrough { get; init; }

    /// <summary>decrypt: exit 1 when any packet failed.</summary>
    public bool Strict { get; init; }

    /// <summary>Where to write the Wireshark esp_sa file.</summary>
    public string? WiresharkExport { get; init; }

    /// <summary>The input capture, or "-" for standard input.</summary>
    public required string Input { get; init; }

    /// <summary>The output capture, or "-" for standard output (decrypt and encrypt).</summary>
    public string? Output { get; init; }
}
