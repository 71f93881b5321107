using System;
using System.IO;
using System.Security.Cryptography;

namespace Ipsec.Packets.Tool.Files;

/// <summary>
/// An output the tool never half-writes and never destroys: a regular file (or a path that does not exist yet) is written to
/// a new temporary file beside its final target (symbolic links followed) and renamed over it by <see cref="Commit"/>,
/// atomically; without the commit only that temporary file is deleted, so a pre-existing output stays as it was. A pipe,
/// character device or standard output is written in place.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private const int BufferLength = 1 << 20;

    private readonly string? _temporaryPath;
    private readonly string? _finalPath;
    private bool _committed;

    private OutputFile(Stream stream, string? temporaryPath, string? finalPath)
    {
        Stream = stream;
        _temporaryPath = temporaryPath;
        _finalPath = finalPath;
    }

    /// <summary>Where to write.</summary>
    public Stream Stream { get; }

    /// <summary>Whether the output goes through a temporary file and a rename.</summary>
    public bool IsAtomic => _temporaryPath is not null;

    /// <summary>An output on standard output (or any stream the caller owns), written in place.</summary>
    public static OutputFile InPlace(Stream stream) => new(new BufferedStream(stream, BufferLength), null, null);

    /// <summary>Opens the output for <paramref name="path"/>.</summary>
    /// <param name="path">The output path as given.</param>
    /// <param name="mode">The permissions of a file holding secrets (0600 for a key file); <see langword="null"/> keeps an existing file's
    /// permissions, or gives a new file the usual 0666 less the umask.</param>
    /// <exception cref="IOException">The path is a directory, or the temporary file cannot be created (the message names the path given).</exception>
    public static OutputFile Create(string path, UnixFileMode? mode = null)
    {
        bool exists = FileIdentity.TryGet(path, out FileIdentity identity);
        if (exists && identity.Kind == FileKind.Directory)
        {
            throw new IOException($"{path}: is a directory");
        }

        if (exists && identity.Kind is FileKind.Fifo or FileKind.CharacterDevice or FileKind.Socket)
        {
            // A pipe (/dev/stdout, process substitution, mkfifo) or a device: nothing to rename over, nothing to lose. Opened by
            // the path given, since /dev/fd links lead to names like "pipe:[1234]".
            var direct = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Write, Share = FileShare.ReadWrite, BufferSize = 0 });
            return new OutputFile(new BufferedStream(direct, BufferLength), null, null);
        }

        string target = FinalTarget(path);

        UnixFileMode? existingMode = null;
        if (exists && !OperatingSystem.IsWindows())
        {
            existingMode = File.GetUnixFileMode(target);
        }

        string directory = Path.GetDirectoryName(target) ?? ".";
        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = BufferLength };
        if (!OperatingSystem.IsWindows() && (mode ?? existingMode) is UnixFileMode createMode)
        {
            options.UnixCreateMode = createMode;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(temporary, options);
        }
        catch (DirectoryNotFoundException)
        {
            throw new IOException($"{path}: no such directory");
        }
        catch (UnauthorizedAccessException)
        {
            throw new IOException($"{path}: permission denied (the output is written to a temporary file in {directory} first)");
        }

        try
        {
            if (!OperatingSystem.IsWindows() && (mode ?? existingMode) is UnixFileMode exact)
            {
                // The umask may have taken bits away from an existing file's mode: give it back exactly (never more than it had).
                File.SetUnixFileMode(stream.SafeFileHandle, exact);
            }
        }
        catch
        {
            stream.Dispose();
            File.Delete(temporary);
            throw;
        }

        return new OutputFile(stream, temporary, target);
    }

    /// <summary>Flushes the output and, for a file, moves it into place (replacing what was there).</summary>
    public void Commit()
    {
        if (Stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            Stream.Flush();
        }

        if (_temporaryPath is not null)
        {
            Stream.Dispose();
            File.Move(_temporaryPath, _finalPath!, overwrite: true);
        }

        _committed = true;
    }

    /// <summary>Closes the output; without <see cref="Commit"/> deletes the temporary file (and only that).</summary>
    public void Dispose()
    {
        try
        {
            Stream.Dispose();
        }
        catch (IOException)
        {
            // A pipe whose reader went away; the run has already failed or finished.
        }

        if (!_committed && _temporaryPath is not null)
        {
            try
            {
                File.Delete(_temporaryPath);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>The path with every symbolic link followed, so a link to an output file keeps pointing at the new output.</summary>
    private static string FinalTarget(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            // A dangling or looping link: write where the path says and let the rename report any problem.
            return Path.GetFullPath(path);
        }
    }
}
