using System.Globalization;

namespace Tributary.Benchmarks;

/// <summary>What the end-to-end benchmark commands share: their integer options, the median of their runs and how sure a ratio of medians is.</summary>
internal static class BenchmarkMath
{
    /// <summary>The integer after <paramref name="name"/> on the command line, or <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>
    /// A bootstrap interval of median(<paramref name="numerator"/>) / median(<paramref name="denominator"/>): both sets of
    /// runs are resampled with replacement <paramref name="resamples"/> times, and the interval holds the middle
    /// <paramref name="confidence"/> of the ratios of the resamples' medians. It says how far the ratio of one run's medians
    /// could move on this machine's noise: with five runs a side, a single slow run moves a median, and the interval shows it.
    /// Seeded, so that the same runs print the same interval.
    /// </summary>
    public static (double Low, double High) RatioOfMediansInterval(IReadOnlyList<double> numerator, IReadOnlyList<double> denominator,
        double confidence = 0.95, int resamples = 10_000)
    {
        var random = new Random(20);
        var ratios = new double[resamples];
        var a = new double[numerator.Count];
        var b = new double[denominator.Count];
        for (var i = 0; i < resamples; i++)
        {
            for (var j = 0; j < a.Length; j++) a[j] = numerator[random.Next(a.Length)];
            for (var j = 0; j < b.Length; j++) b[j] = denominator[random.Next(b.Length)];
            ratios[i] = Median(a) / Median(b);
        }
        Array.Sort(ratios);
        var tail = (1 - confidence) / 2;
        return (ratios[(int)(tail * (resamples - 1))], ratios[(int)((1 - tail) * (resamples - 1))]);
    }
}
