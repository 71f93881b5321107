using System;
using System.Text.RegularExpressions;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>
/// A bad SA file: the message is one line naming the file, the line (or JSON path) and the field, and never a key. What it
/// quotes from the file is escaped (<see cref="ToolText.Escape"/>), so control bytes never reach the terminal.
/// </summary>
internal sealed partial class SaFileException : Exception
{
    /// <param name="file">The SA file.</param>
    /// <param name="location">The line number or JSON path.</param>
    /// <param name="field">The field; redacted like <paramref name="problem"/>.</param>
    /// <param name="problem">What is wrong. It may quote the offending token, which may be a key pasted into the wrong
    /// place, so every run of 12 or more hex digits in it is redacted (see <see cref="Redact"/>).</param>
    public SaFileException(string file, string location, string field, string problem)
        : base($"{ToolText.Escape(file)}:{ToolText.Escape(Redact(location))}: {ToolText.Escape(Redact(field))}: {ToolText.Escape(Redact(problem))}")
    {
    }

    public SaFileException()
    {
    }

    public SaFileException(string message)
        : base(message)
    {
    }

    public SaFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An error in a JSON SA file: <c>file: $.sas[0].aead.key: problem</c>.</summary>
    public static SaFileException AtJsonPath(string file, string path, string problem) =>
        new($"{ToolText.Escape(file)}: {ToolText.Escape(Redact(path))}: {ToolText.Escape(Redact(problem))}");

    /// <summary>An error about the file as a whole: <c>file: problem</c>.</summary>
    public static SaFileException ForFile(string file, string problem) =>
        new($"{ToolText.Escape(file)}: {ToolText.Escape(Redact(problem))}");

    /// <summary>Replaces every run of 12 or more hex digits (a key or part of one; no address, SPI or small number has as many) with a placeholder.</summary>
    internal static string Redact(string text) => HexRun().Replace(text, "<hex redacted>");

    [GeneratedRegex("(0[xX])?[0-9A-Fa-f]{12,}", RegexOptions.CultureInvariant)]
    private static partial Regex HexRun();
}
