using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Ipsec.Packets.Tool.Captures;
using Ipsec.Packets.Tool.Commands;
using Ipsec.Packets.Tool.SecurityAssociations;

namespace Ipsec.Packets.Tool;

/// <summary>
/// The tool behind <see cref="Program.Main"/>, with its writers passed in so tests run it in-process. Every error the
/// user can cause ends as one line on <c>error</c> and an exit code: 0 success, 1 failure, 2 usage.
/// </summary>
internal static class ToolMain
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 1 && args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(ToolOptions.Usage);
            return Success;
        }

        ToolOptions options;
        try
        {
            options = ToolOptions.Parse(args);
        }
        catch (UsageException e)
        {
            error.WriteLine("ipsec-packets: " + e.Message);
            error.WriteLine(ToolOptions.Usage);
            return UsageError;
        }

        string? createdOutput = null;
        try
        {
            List<SaDefinition>? sas = options.SaFile is null ? null : SaFileReader.Read(options.SaFile);
            if (options.WiresharkExport is not null)
            {
                WiresharkExport.Write(options.WiresharkExport, sas!, error);
            }

            var progress = new Progress(error);
            switch (options.Command)
            {
                case "inspect":
                {
                    var inspect = new InspectCommand(output, sas, progress);
                    await CaptureFiles.ReadAsync(options.Positional[0], inspect).ConfigureAwait(false);
                    progress.Done();
                    inspect.WriteTotals();
                    return Success;
                }

                case "decrypt":
                {
                    createdOutput = options.Positional[1];
                    bool fine = CaptureFiles.HasFineTimestamps(options.Positional[0]);
                    await using FileStream file = CaptureFiles.CreateOutput(createdOutput);
                    using var writer = new PcapWriter(file, fine);
                    using var decrypt = new DecryptCommand(sas!, writer, options.PassThrough, progress);
                    await CaptureFiles.ReadAsync(options.Positional[0], decrypt).ConfigureAwait(false);
                    progress.Done();
                    decrypt.WriteSummary(error);
                    createdOutput = null;
                    return options.Strict && decrypt.Failures != 0 ? Failure : Success;
                }

                default:
                {
                    SaDefinition sa = ChooseSa(sas!, options);
                    createdOutput = options.Positional[1];
                    bool fine = CaptureFiles.HasFineTimestamps(options.Positional[0]);
                    await using FileStream file = CaptureFiles.CreateOutput(createdOutput);
                    using var writer = new PcapWriter(file, fine);
                    using var encrypt = new EncryptCommand(sa, writer, progress);
                    await CaptureFiles.ReadAsync(options.Positional[0], encrypt).ConfigureAwait(false);
                    progress.Done();
                    encrypt.WriteSummary(error);
                    createdOutput = null;
                    return Success;
                }
            }
        }
        catch (Exception e) when (e is SaFileException or CaptureFormatException or UsageException)
        {
            error.WriteLine("ipsec-packets: " + e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine("ipsec-packets: " + OneLine(e.Message));
        }

        if (createdOutput is not null)
        {
            TryDelete(createdOutput);
        }

        return Failure;
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
                    found = found is null ? sa : throw new UsageException($"--spi 0x{spi:x8}: more than one SA has this SPI in {options.SaFile}");
                }
            }

            return found ?? throw new UsageException($"--spi 0x{spi:x8}: no SA with this SPI in {options.SaFile}");
        }

        if (sas.Count != 1)
        {
            throw new UsageException($"{options.SaFile} holds {sas.Count} SAs: choose one with --spi HEX");
        }

        return sas[0];
    }

    private static string OneLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
