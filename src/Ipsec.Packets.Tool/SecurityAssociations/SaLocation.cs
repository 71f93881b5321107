using System.Globalization;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>
/// Where something is in an SA file: a line of <c>ip xfrm state</c> text, or the JSON path of a field
/// (<c>$.sas[0].aead.key</c>). Errors and warnings about it start with <see cref="ToString"/>.
/// </summary>
/// <param name="File">The SA file as named on the command line.</param>
/// <param name="Line">The 1-based line (xfrm text); 0 for JSON.</param>
/// <param name="JsonPath">The JSON path; <see langword="null"/> for xfrm text.</param>
internal readonly record struct SaLocation(string File, int Line, string? JsonPath)
{
    /// <summary>A line of xfrm text.</summary>
    public static SaLocation AtLine(string file, int line) => new(file, line, null);

    /// <summary>A JSON value.</summary>
    public static SaLocation AtPath(string file, string jsonPath) => new(file, 0, jsonPath);

    /// <summary>The line number or JSON path alone.</summary>
    public string Where => JsonPath ?? Line.ToString(CultureInfo.InvariantCulture);

    /// <summary>An error here: <c>file:line: field: problem</c> for text, <c>file: path: problem</c> for JSON (the path names the field).</summary>
    public SaFileException Error(string field, string problem) =>
        JsonPath is null ? new SaFileException(File, Where, field, problem) : SaFileException.AtJsonPath(File, JsonPath, problem);

    /// <summary><c>file:line</c> or <c>file: $.path</c>.</summary>
    public override string ToString() => JsonPath is null ? $"{File}:{Where}" : $"{File}: {JsonPath}";
}
