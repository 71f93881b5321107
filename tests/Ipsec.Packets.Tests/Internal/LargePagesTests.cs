using System;
using System.IO;
using System.Text.RegularExpressions;
using Ipsec.Packets.Internal;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Internal;

public class LargePagesTests
{
    [Test]
    public void SmallArraysAreLeftAlone()
    {
        Assert.That(LargePages.Prepare(new long[1024]), Is.False);
        Assert.That(LargePages.Collapse(Array.Empty<object?>()), Is.False);
    }

    /// <summary>
    /// On Linux 6.1 or later with transparent huge pages on, a large array (references included, as the SAD's slots have)
    /// is collapsed onto 2 MiB pages; off Linux the hint reports false. Either way it never throws and the array's contents
    /// survive. (With THP set to never the kernel may take the collapse or not; only the contents are checked there.)
    /// </summary>
    [Test]
    public void LargeArraysAreCollapsedWhereTheKernelCan([Values] bool preparedFirst)
    {
        var array = new (object? Reference, long Value)[(int)(LargePages.MinimumBytes / 16 * 2)];
        bool prepared = preparedFirst && LargePages.Prepare(array);
        for (int i = 0; i < array.Length; i += 4096)
        {
            array[i] = (i, i);
        }

        bool collapsed = LargePages.Collapse(array);
        for (int i = 0; i < array.Length; i += 4096)
        {
            Assert.That(array[i].Value, Is.EqualTo(i));
            Assert.That(array[i].Reference, Is.EqualTo(i));
        }

        if (!OperatingSystem.IsLinux())
        {
            Assert.That(collapsed, Is.False, "only Linux has the hint");
        }
        else if (KernelCanCollapse())
        {
            Assert.That(collapsed, Is.True, "Linux 6.1+ with transparent huge pages on (always or madvise) takes MADV_COLLAPSE");
            Assert.That(prepared, Is.EqualTo(preparedFirst), "and MADV_HUGEPAGE");
        }
        GC.KeepAlive(array);
    }

    private static bool KernelCanCollapse()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        if (!File.Exists(Setting) || File.ReadAllText(Setting).Contains("[never]", StringComparison.Ordinal))
        {
            return false;
        }

        Match release = Regex.Match(Environment.OSVersion.Version.ToString(), @"^(\d+)\.(\d+)");
        return release.Success && (int.Parse(release.Groups[1].Value) > 6 || (int.Parse(release.Groups[1].Value) == 6 && int.Parse(release.Groups[2].Value) >= 1));
    }
}
