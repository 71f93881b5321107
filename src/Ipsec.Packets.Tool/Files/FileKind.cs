namespace Ipsec.Packets.Tool.Files;

/// <summary>The type of file a path names (after following links).</summary>
internal enum FileKind
{
    /// <summary>A block device or anything else.</summary>
    Other,

    /// <summary>A regular file: written through a temporary file and a rename.</summary>
    Regular,

    /// <summary>A directory: never an input or output.</summary>
    Directory,

    /// <summary>A named pipe (also what <c>/dev/fd/N</c> of process substitution names): read or written in place.</summary>
    Fifo,

    /// <summary>A character device such as <c>/dev/null</c> or a terminal: written in place.</summary>
    CharacterDevice,

    /// <summary>A Unix socket.</summary>
    Socket,
}
