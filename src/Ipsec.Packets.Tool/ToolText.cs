using System.Globalization;
using System.Text;

namespace Ipsec.Packets.Tool;

/// <summary>Text the tool prints that may quote user input (file names, tokens from an SA file, exception messages).</summary>
internal static class ToolText
{
    /// <summary>
    /// Escapes what must not reach a terminal raw: C0 and C1 control characters (escape sequences, carriage returns, line
    /// breaks), DEL, the Unicode bidirectional overrides and the replacement character of undecodable bytes, as <c>\xNN</c>
    /// or <c>\uNNNN</c>; a backslash becomes <c>\\</c> only when something else was escaped, so ordinary paths stay as typed.
    /// </summary>
    public static string Escape(string text)
    {
        int first = IndexOfUnsafe(text);
        if (first < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                escaped.Append(@"\\");
            }
            else if (!IsUnsafe(c))
            {
                escaped.Append(c);
            }
            else if (c <= 0xFF)
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }

        return escaped.ToString();
    }

    /// <summary>The first line of an exception message, escaped.</summary>
    public static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return Escape(end < 0 ? message : message[..end]);
    }

    private static int IndexOfUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsUnsafe(char c) =>
        c < 0x20 || c is >= '\x7F' and <= '\x9F' || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069' || c == '\uFFFD';
}
