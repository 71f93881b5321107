using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Ipsec.Packets.Tool.Files;

/// <summary>
/// What a path names once every symbolic link is followed: on Linux the device and inode numbers from <c>stat(2)</c>, so
/// two paths that are the same file (the same path, a symbolic link, a hard link, <c>/dev/fd/N</c>, a bind mount) compare
/// equal; elsewhere the final target's full path (hard links then go unnoticed).
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode, string? CanonicalPath, FileKind Kind)
{
    private const int StatBufferLength = 256;
    private const uint TypeMask = 0xF000;

    /// <summary>Whether the two identities name the same file.</summary>
    public bool IsSameFileAs(FileIdentity other) =>
        CanonicalPath is null ? Device == other.Device && Inode == other.Inode : string.Equals(CanonicalPath, other.CanonicalPath, StringComparison.Ordinal);

    /// <summary>Looks the path up, following links.</summary>
    /// <returns><see langword="false"/> when nothing exists at the path (or it cannot be looked up).</returns>
    public static bool TryGet(string path, out FileIdentity identity)
    {
        identity = default;
        if (OperatingSystem.IsLinux() && StatModeOffset() is int modeOffset)
        {
            return TryStat(path, modeOffset, out identity);
        }

        string canonical;
        try
        {
            canonical = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        if (Directory.Exists(canonical))
        {
            identity = new FileIdentity(0, 0, canonical, FileKind.Directory);
            return true;
        }

        if (!File.Exists(canonical))
        {
            return false;
        }

        identity = new FileIdentity(0, 0, canonical, FileKind.Regular);
        return true;
    }

    /// <summary>Where <c>st_mode</c> lies in <c>struct stat</c>: the 64-bit layouts the tool knows (st_dev and st_ino come first in both).</summary>
    private static int? StatModeOffset() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 24,
        Architecture.Arm64 or Architecture.LoongArch64 or Architecture.RiscV64 => 16,
        _ => null,
    };

    private static unsafe bool TryStat(string path, int modeOffset, out FileIdentity identity)
    {
        identity = default;
        byte* buffer = stackalloc byte[StatBufferLength];
        int result;
        try
        {
            result = Stat(path, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // glibc before 2.33 exports stat only as __xstat (version 1 on x86-64, 0 on the generic layout).
            result = XStat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buffer);
        }

        if (result != 0)
        {
            return false;
        }

        ulong device = *(ulong*)buffer;
        ulong inode = *(ulong*)(buffer + 8);
        uint mode = *(uint*)(buffer + modeOffset);
        FileKind kind = (mode & TypeMask) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        identity = new FileIdentity(device, inode, null, kind);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "__xstat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int XStat(int version, string path, byte* buffer);
}
