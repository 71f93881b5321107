using System.IO;
using System.Threading.Tasks;

namespace Ipsec.Packets.Tool;

internal static class ToolMain
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        _ = args;
        _ = output;
        error.WriteLine("todo");
        return Task.FromResult(2);
    }
}
