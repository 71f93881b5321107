using System;

namespace Ipsec.Packets.ConstantTime;

/// <summary>
/// Welch's t-test between two classes of timings, one accumulator per cropping threshold as in dudect (Reparaz, Balasch
/// and Verbauwhede, "Dude, is my code constant time?", 2017): the uncropped test, then tests that drop every measurement
/// above the p-th percentile of a warm-up sample, p = 1 - 0.5^(10(k + 1) / thresholds). The result is the largest |t|.
/// </summary>
internal sealed class WelchTest
{
    private readonly double[] _thresholds;
    private readonly Moments[] _moments;

    public WelchTest(ReadOnlySpan<long> warmUp, int croppings)
    {
        long[] sorted = warmUp.ToArray();
        Array.Sort(sorted);
        _thresholds = new double[croppings + 1];
        _thresholds[0] = double.PositiveInfinity;
        for (int k = 0; k < croppings; k++)
        {
            double p = 1 - Math.Pow(0.5, 10.0 * (k + 1) / croppings);
            _thresholds[k + 1] = sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        }

        _moments = new Moments[2 * _thresholds.Length];
    }

    /// <summary>Adds one timing of class 0 (fixed) or 1 (random).</summary>
    public void Add(int cls, long ticks)
    {
        double x = ticks;
        for (int k = 0; k < _thresholds.Length; k++)
        {
            if (x <= _thresholds[k])
            {
                _moments[2 * k + cls].Add(x);
            }
        }
    }

    /// <summary>The largest |t| over the croppings, and the number of measurements behind the uncropped test.</summary>
    public (double MaxT, long Count, int Cropping) Result()
    {
        double max = 0;
        int at = 0;
        for (int k = 0; k < _thresholds.Length; k++)
        {
            Moments a = _moments[2 * k], b = _moments[2 * k + 1];
            if (a.N < 1000 || b.N < 1000)
            {
                continue;
            }

            double t = Math.Abs((a.Mean - b.Mean) / Math.Sqrt(a.Variance / a.N + b.Variance / b.N));
            if (t > max)
            {
                max = t;
                at = k;
            }
        }

        return (max, _moments[0].N + _moments[1].N, at);
    }

    /// <summary>Welford's running mean and variance.</summary>
    private struct Moments
    {
        public long N;
        public double Mean;
        private double _m2;

        public readonly double Variance => N > 1 ? _m2 / (N - 1) : 0;

        public void Add(double x)
        {
            N++;
            double delta = x - Mean;
            Mean += delta / N;
            _m2 += delta * (x - Mean);
        }
    }
}
