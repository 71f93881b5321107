using System.IO;

namespace Ipsec.Packets.Tool.Files;

/// <summary>Opens a capture for one sequential pass: a file, a named pipe, <c>/dev/fd/N</c> from process substitution, or standard input.</summary>
internal static class InputFile
{
    /// <summary>The name for standard input and standard output on the command line.</summary>
    public const string StandardStream = "-";

    /// <summary>Opens <paramref name="path"/> for reading once, start to end (no seeking, no second open).</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at the path (<see cref="FileNotFoundException.FileName"/> is the path as given).</exception>
    /// <exception cref="IOException">The file cannot be opened, or is a directory.</exception>
    public static Stream Open(string path)
    {
        bool known = FileIdentity.TryGet(path, out FileIdentity identity);
        if (known && identity.Kind == FileKind.Directory)
        {
            throw new IOException($"{path}: is a directory");
        }

        if (!known)
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        // Read-ahead advice only for a regular file; a pipe is read as it comes.
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite,
            BufferSize = 0,
            Options = identity.Kind == FileKind.Regular ? FileOptions.SequentialScan : FileOptions.None,
        });
    }
}
