using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Ipsec.Packets.Tool.Captures;
using Ipsec.Packets.Tool.Commands;
using Ipsec.Packets.Tool.Files;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace Ipsec.Packets.Tool;

/// <summary>
/// The tool behind <see cref="Program.Main"/>, with its writers passed in so tests run it in-process. Every error the
/// user can cause ends as one line on <c>error</c> (escaped, no stack trace, no key) and an exit code: 0 success,
/// 1 failure, 2 usage.
/// </summary>
internal static class ToolMain
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    private const string Prefix = "ipsec-packets: ";

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, output, error, ToolConsole.ForProcess(output, error));

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, ToolConsole console)
    {
        RootCommand root = ToolCommandLine.Create((options, token) => RunCommandAsync(options, output, error, console, token));
        ParseResult parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            error.WriteLine(Prefix + ToolCommandLine.DescribeError(parsed));
            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false })
            .ConfigureAwait(false);
    }

    private static async Task<int> RunCommandAsync(ToolOptions options, TextWriter output, TextWriter error, ToolConsole console, CancellationToken cancellationToken)
    {
        try
        {
            List<SaDefinition>? sas = options.SaFile is null ? null : SaFileReader.Read(options.SaFile);
            foreach (SaDefinition sa in sas ?? [])
            {
                if (sa.Warning is { } warning)
                {
                    error.WriteLine(Prefix + "warning: " + ToolText.Escape(warning));
                }
            }

            SaDefinition? chosen = options.Command == "encrypt" ? ChooseSa(sas!, options) : null;
            EnsureDistinctFiles(options);
            if (options.WiresharkExport is not null)
            {
                WiresharkExport.Write(options.WiresharkExport, sas!, error);
            }

            var progress = new Progress(error, console.ErrorIsTerminal, console.ProgressInterval);
            string inputName = options.Input == InputFile.StandardStream ? "(standard input)" : options.Input;
            await using Stream input = options.Input == InputFile.StandardStream ? console.OpenStandardInput() : InputFile.Open(options.Input);
            if (options.Command == "inspect")
            {
                using var inspect = new InspectCommand(output, sas, progress);
                await CaptureReader.ReadAsync(input, inputName, inspect, cancellationToken).ConfigureAwait(false);
                progress.Done();
                inspect.WriteTotals();
                inspect.WriteWarnings(error);
                return Success;
            }

            using OutputFile file = OpenOutput(options.Output!, console);
            var writer = new PcapWriter(file.Stream);
            if (options.Command == "decrypt")
            {
                using var decrypt = new DecryptCommand(sas!, writer, options.PassThrough, progress);
                await CaptureReader.ReadAsync(input, inputName, decrypt, cancellationToken).ConfigureAwait(false);
                progress.Done();
                writer.Finish();
                file.Commit();
                decrypt.WriteSummary(error);
                return options.Strict && decrypt.Failures != 0 ? Failure : Success;
            }

            using var encrypt = new EncryptCommand(chosen!, writer, progress);
            await CaptureReader.ReadAsync(input, inputName, encrypt, cancellationToken).ConfigureAwait(false);
            progress.Done();
            writer.Finish();
            file.Commit();
            encrypt.WriteSummary(error);
            return Success;
        }
        catch (Exception e) when (e is SaFileException or CaptureFormatException or UsageException)
        {
            // Their messages are built from escaped parts already.
            error.WriteLine(Prefix + ToolText.FirstLine(e.Message));
        }
        catch (FileNotFoundException e) when (e.FileName is not null)
        {
            error.WriteLine(Prefix + ToolText.Escape(e.FileName) + ": no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine(Prefix + ToolText.FirstLine(e.Message));
        }
        catch (OperationCanceledException)
        {
            error.WriteLine(Prefix + "interrupted; no output written");
        }
#pragma warning disable CA1031 // A bug must still end as one line (no stack trace, no key) and leave no temporary file.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error.WriteLine(Prefix + $"internal error ({e.GetType().Name}): " + ToolText.FirstLine(e.Message) + "; please report it");
        }

        return Failure;
    }

    private static OutputFile OpenOutput(string path, ToolConsole console)
    {
        if (path != InputFile.StandardStream)
        {
            return OutputFile.Create(path);
        }

        if (console.OutputIsTerminal)
        {
            throw new UsageException("OUTPUT '-' is a terminal: redirect standard output to a file or a pipe");
        }

        return OutputFile.InPlace(console.OpenStandardOutput());
    }

    /// <summary>
    /// Refuses an output (OUTPUT, the Wireshark export) that is the same file as an input (INPUT, SAFILE) or as the other
    /// output, by device and inode: the same path, a symbolic link or a hard link to it.
    /// </summary>
    private static void EnsureDistinctFiles(ToolOptions options)
    {
        var inputs = new List<(string Role, string Path)>();
        if (options.Input != InputFile.StandardStream)
        {
            inputs.Add(("INPUT", options.Input));
        }

        if (options.SaFile is not null)
        {
            inputs.Add(("SAFILE", options.SaFile));
        }

        var outputs = new List<(string Role, string Path)>();
        if (options.Output is not null && options.Output != InputFile.StandardStream)
        {
            outputs.Add(("OUTPUT", options.Output));
        }

        if (options.WiresharkExport is not null)
        {
            outputs.Add(("--export-wireshark", options.WiresharkExport));
        }

        if (outputs.Count == 2 && string.Equals(Path.GetFullPath(outputs[0].Path), Path.GetFullPath(outputs[1].Path), StringComparison.Ordinal))
        {
            throw new UsageException(ToolText.Escape($"--export-wireshark '{outputs[1].Path}' is the same file as OUTPUT: refusing to overwrite it"));
        }

        foreach ((string outputRole, string outputPath) in outputs)
        {
            if (!FileIdentity.TryGet(outputPath, out FileIdentity target))
            {
                continue;
            }

            foreach ((string inputRole, string inputPath) in inputs)
            {
                if (FileIdentity.TryGet(inputPath, out FileIdentity source) && source.IsSameFileAs(target))
                {
                    throw new UsageException(ToolText.Escape(
                        $"{outputRole} '{outputPath}' is the same file as {inputRole} '{inputPath}': refusing to overwrite it"));
                }
            }
        }
    }

    private static SaDefinition ChooseSa(List<SaDefinition> sas, ToolOptions options)
    {
        if (options.Spi is uint spi)
        {
            SaDefinition? found = null;
            foreach (SaDefinition sa in sas)
            {
                if (sa.Spi == spi)
                {
                    found = found is null ? sa : throw new UsageException(ToolText.Escape($"--spi 0x{spi:x8}: more than one SA has this SPI in {options.SaFile}"));
                }
            }

            return found ?? throw new UsageException(ToolText.Escape($"--spi 0x{spi:x8}: no SA with this SPI in {options.SaFile}"));
        }

        if (sas.Count != 1)
        {
            throw new UsageException(ToolText.Escape($"{options.SaFile} holds {sas.Count} SAs: choose one with --spi HEX"));
        }

        return sas[0];
    }
}
