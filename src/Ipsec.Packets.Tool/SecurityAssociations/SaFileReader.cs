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
        catch (IOException e)
        {
            throw new SaFileException(path, "0", "file", e.Message);
        }
        catch (System.UnauthorizedAccessException e)
        {
            throw new SaFileException(path, "0", "file", e.Message);
        }

        return Parse(path, text);
    }

    public static List<SaDefinition> Parse(string file, string text)
    {
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return JsonSaReader.Parse(file, text);
        }

        using var reader = new StringReader(text);
        return XfrmStateReader.Parse(file, reader);
    }
}
