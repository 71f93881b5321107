using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;

namespace Ipsec.Packets.Sad;

/// <summary>
/// The library's <see cref="System.Diagnostics.Metrics"/> instruments, on the meter "Ipsec.Packets", so that
/// OpenTelemetry (<c>AddMeter("Ipsec.Packets")</c>) and <c>dotnet-counters</c> see them with no further code.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>ipsec.packets</c> (counter, {packet}) and <c>ipsec.bytes</c> (counter, By): packets and payload bytes
/// accepted under an SA, tagged <c>ipsec.direction</c> = inbound | outbound.</item>
/// <item><c>ipsec.drops</c> (counter, {packet}): dropped packets, tagged <c>ipsec.direction</c> and <c>ipsec.drop.reason</c>
/// (the <see cref="IpsecStatus"/> in snake case, e.g. unknown_spi, sa_expired, policy_mismatch).</item>
/// <item><c>ipsec.sa.lifetime_events</c> (counter, {event}): soft and hard lifetime expirations, tagged <c>ipsec.lifetime</c> = soft | hard.</item>
/// <item><c>ipsec.sa.count</c> (observable gauge, {sa}): SAs in all live databases, tagged <c>ipsec.direction</c>.</item>
/// </list>
/// Recording never allocates: the tags are pre-built <see cref="KeyValuePair{TKey, TValue}"/> values passed to the
/// one- and two-tag overloads, and with no listener an instrument's <c>Add</c> returns at once.
/// </remarks>
internal static class IpsecMetrics
{
    public const string MeterName = "Ipsec.Packets";

    private const string DirectionKey = "ipsec.direction";

    private static readonly Meter Meter = new(MeterName, typeof(IpsecMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Packets = Meter.CreateCounter<long>(
        "ipsec.packets", "{packet}", "Packets accepted under a security association (outbound: protected; inbound: authenticated).");

    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "ipsec.bytes", "By", "Payload bytes accepted under a security association.");

    private static readonly Counter<long> Drops = Meter.CreateCounter<long>(
        "ipsec.drops", "{packet}", "Packets dropped, by reason.");

    private static readonly Counter<long> LifetimeEvents = Meter.CreateCounter<long>(
        "ipsec.sa.lifetime_events", "{event}", "Soft and hard lifetime expirations of security associations.");

    private static readonly ObservableGauge<long> SaCount = Meter.CreateObservableGauge(
        "ipsec.sa.count", ObserveSaCounts, "{sa}", "Security associations in all live databases.");

    private static readonly KeyValuePair<string, object?>[] DirectionTags =
    [
        new(DirectionKey, "inbound"),
        new(DirectionKey, "outbound"),
    ];

    private static readonly KeyValuePair<string, object?>[] ReasonTags = BuildReasonTags();

    private static readonly KeyValuePair<string, object?> SoftTag = new("ipsec.lifetime", "soft");
    private static readonly KeyValuePair<string, object?> HardTag = new("ipsec.lifetime", "hard");

    private static long s_inboundSas;
    private static long s_outboundSas;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordPacket(SecurityAssociationDirection direction, int byteCount)
    {
        KeyValuePair<string, object?> tag = DirectionTags[(int)direction];
        Packets.Add(1, tag);
        Bytes.Add(byteCount, tag);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RecordDrop(IpsecStatus reason, SecurityAssociationDirection direction)
    {
        if (Drops.Enabled)
        {
            int index = (int)reason;
            KeyValuePair<string, object?> reasonTag = (uint)index < (uint)ReasonTags.Length ? ReasonTags[index] : ReasonTags[0];
            Drops.Add(1, DirectionTags[(int)direction], reasonTag);
        }
    }

    public static void RecordLifetimeEvent(bool hard) => LifetimeEvents.Add(1, hard ? HardTag : SoftTag);

    /// <summary>The instrument behind <c>ipsec.sa.count</c> (kept so that it lives as long as the meter).</summary>
    internal static ObservableGauge<long> SaCountInstrument => SaCount;

    public static void AdjustSaCount(SecurityAssociationDirection direction, int delta)
    {
        if (direction == SecurityAssociationDirection.Inbound)
        {
            Interlocked.Add(ref s_inboundSas, delta);
        }
        else
        {
            Interlocked.Add(ref s_outboundSas, delta);
        }
    }

    private static IEnumerable<Measurement<long>> ObserveSaCounts() =>
    [
        new Measurement<long>(Volatile.Read(ref s_inboundSas), DirectionTags[0]),
        new Measurement<long>(Volatile.Read(ref s_outboundSas), DirectionTags[1]),
    ];

    private static KeyValuePair<string, object?>[] BuildReasonTags()
    {
        IpsecStatus[] values = Enum.GetValues<IpsecStatus>();
        int max = 0;
        foreach (IpsecStatus value in values)
        {
            max = Math.Max(max, (int)value);
        }

        var tags = new KeyValuePair<string, object?>[max + 1];
        for (int i = 0; i < tags.Length; i++)
        {
            tags[i] = new("ipsec.drop.reason", "other");
        }

        foreach (IpsecStatus value in values)
        {
            tags[(int)value] = new("ipsec.drop.reason", ToSnakeCase(value.ToString()));
        }

        return tags;
    }

    private static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
