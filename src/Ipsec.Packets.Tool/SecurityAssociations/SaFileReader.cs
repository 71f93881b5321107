using System;
using System.Collections.Generic;
using System.IO;

namespace Ipsec.Packets.Tool.SecurityAssociations;

/// <summary>Reads an SA file in either format: JSON when its first non-blank character is '{' or '[', xfrm text otherwise.</summary>
internal static class SaFileReader
{
    /// <exception cref="SaFileException">The file cannot be read or is invalid; the message is one line.</exception>
    public static List<SaDefinition> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw SaFileException.ForFile(path, "cannot read the SA file: no such file");
        }
        catch (UnauthorizedAccessException)
        {
            throw SaFileException.ForFile(path, "cannot read the SA file: permission denied");
        }
        catch (IOException e)
        {
            throw SaFileException.ForFile(path, "cannot read the SA file: " + ToolText.FirstLine(e.Message));
        }

        return Parse(path, text);
    }

    /// <exception cref="SaFileException">The text is not a valid SA file; the message is one line.</exception>
    public static List<SaDefinition> Parse(string file, string text)
    {
        if (LooksBinary(text))
        {
            throw SaFileException.ForFile(file, "not an SA file: binary data (expected the text of `ip xfrm state` or JSON)");
        }

        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return JsonSaReader.Parse(file, text);
        }

        using var reader = new StringReader(text);
        return XfrmStateReader.Parse(file, reader);
    }

    /// <summary>A NUL, or control characters other than tab, line breaks and form feed, in the first 4 KiB.</summary>
    private static bool LooksBinary(string text)
    {
        ReadOnlySpan<char> head = text.AsSpan(0, Math.Min(text.Length, 4096));
        foreach (char c in head)
        {
            if (c < 0x20 && c is not ('\t' or '\n' or '\r' or '\f'))
            {
                return true;
            }
        }

        return false;
    }
}
