using MathNet.Numerics;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Whether events (slow entries, failed AUTHs) came faster in one period than in another: the exact conditional test of
/// two Poisson rates. With k1 events in t1 seconds and k0 in t0, if both periods had one rate then, given the n = k0 + k1
/// events, k1 is Binomial(n, t1 / (t0 + t1)); the one-sided p-value is P(X ≥ k1) = I_p(k1, n − k1 + 1), the regularized
/// incomplete beta function (Math.NET Numerics). Exact for small counts, where the normal approximation misleads.
/// </summary>
public static class PoissonRateTest
{
    public const string Description =
        "exact conditional test of two Poisson rates (one-sided: is the capture's rate higher?), " +
        "p = P(X ≥ k₁) for X ~ Binomial(k₀ + k₁, t₁ / (t₀ + t₁))";

    /// <summary>The one-sided p-value that the rate in period 1 (<paramref name="k1"/> in <paramref name="t1"/>) is no higher than in period 0.</summary>
    public static double PValue(long k1, double t1, long k0, double t0)
    {
        if (k1 <= 0 || t1 <= 0) return 1;
        if (t0 <= 0) return double.NaN; // no baseline time: nothing to compare with
        var n = k0 + k1;
        var p = t1 / (t0 + t1);
        return Math.Clamp(SpecialFunctions.BetaRegularized(k1, n - k1 + 1, p), 0, 1);
    }
}
