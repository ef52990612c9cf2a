// The validation's statistics (statistics.h).
#include "validate/statistics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <random>

#include "core/error.h"

namespace cimchar::validate {
namespace {

constexpr double kZ95 = 1.959963984540054;  // two-sided 95 % normal quantile

double Variance(const std::vector<double>& x) {
  if (x.size() < 2) {
    return 0.0;
  }
  const double m = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double q = 0.0;
  for (double v : x) {
    q += (v - m) * (v - m);
  }
  return q / static_cast<double>(x.size() - 1);
}

// Finite entries of `x` only.
std::vector<double> Finite(const std::vector<double>& x) {
  std::vector<double> out;
  for (double v : x) {
    if (std::isfinite(v)) {
      out.push_back(v);
    }
  }
  return out;
}

std::vector<double> Logs(const std::vector<double>& x) {
  std::vector<double> out;
  for (double v : x) {
    out.push_back(v > 0.0 ? std::log(v) : std::numeric_limits<double>::quiet_NaN());
  }
  return out;
}

// Standard normal CDF and density.
double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
double Density(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi); }

int IdealCode(double u, int bits) {
  return std::clamp(static_cast<int>(std::floor(u)), 0, (1 << bits) - 1);
}

// One resampling of `n` instances with replacement.
std::vector<std::size_t> Resample(std::size_t n, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  std::vector<std::size_t> out(n);
  for (auto& i : out) {
    i = pick(rng);
  }
  return out;
}

std::vector<std::size_t> All(std::size_t n) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), 0);
  return out;
}

// Conversions per vector and code over the instances `which`: counts[v * levels + code].
std::vector<double> CodeCounts(const CodeTable& t,
                               const std::vector<std::size_t>& which,
                               std::size_t vectors,
                               int levels) {
  std::vector<double> counts(vectors * static_cast<std::size_t>(levels), 0.0);
  for (std::size_t i : which) {
    const auto& row = t[i];
    for (std::size_t v = 0; v < vectors; ++v) {
      if (row[v] >= 0) {
        counts[v * static_cast<std::size_t>(levels) +
               static_cast<std::size_t>(std::min(row[v], levels - 1))] += 1.0;
      }
    }
  }
  return counts;
}

// The probit fit of transition k from code counts.
ProbitFit FitTransition(const std::vector<double>& u,
                        const std::vector<double>& counts,
                        int levels,
                        int k,
                        bool test_step) {
  std::vector<double> x, ones, trials;
  for (std::size_t v = 0; v < u.size(); ++v) {
    double above = 0.0, all = 0.0;
    for (int c = 0; c < levels; ++c) {
      const double n = counts[v * static_cast<std::size_t>(levels) + static_cast<std::size_t>(c)];
      all += n;
      above += c >= k ? n : 0.0;
    }
    if (all > 0.0) {
      x.push_back(u[v]);
      ones.push_back(above);
      trials.push_back(all);
    }
  }
  return FitProbit(x, ones, trials, test_step);
}

// Per-instance sums of the error over the pooled vectors.
struct ErrorSums {
  double n = 0.0, sum = 0.0, sq = 0.0;
};

std::vector<ErrorSums> InstanceSums(const CodeTable& t,
                                    const std::vector<double>& u,
                                    const std::vector<bool>& pooled,
                                    int bits) {
  std::vector<ErrorSums> out;
  for (const auto& row : t) {
    ErrorSums s;
    for (std::size_t v = 0; v < u.size(); ++v) {
      if (pooled[v] && row[v] >= 0) {
        const double e = row[v] - IdealCode(u[v], bits);
        s.n += 1.0;
        s.sum += e;
        s.sq += e * e;
      }
    }
    out.push_back(s);
  }
  return out;
}

// Pooled error mean and sigma of the instances `which`.
std::pair<double, double> PooledMeanSigma(const std::vector<ErrorSums>& sums,
                                          const std::vector<std::size_t>& which) {
  ErrorSums t;
  for (std::size_t i : which) {
    t.n += sums[i].n;
    t.sum += sums[i].sum;
    t.sq += sums[i].sq;
  }
  if (t.n == 0.0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan};
  }
  const double m = t.sum / t.n;
  return {m, std::sqrt(std::max(0.0, t.sq / t.n - m * m))};
}

SideStats Stats(const std::vector<double>& u,
                const std::vector<bool>& pooled,
                int bits,
                const CodeTable& codes) {
  SideStats st;
  st.instances = static_cast<int>(codes.size());
  double sum = 0.0, sq = 0.0;
  std::vector<double> die_means, die_sigmas;
  for (const auto& row : codes) {
    double ds = 0.0, dss = 0.0;
    int dn = 0;
    for (std::size_t v = 0; v < u.size(); ++v) {
      if (!pooled[v] || row[v] < 0) {
        continue;
      }
      const int e = row[v] - IdealCode(u[v], bits);
      ++st.histogram[e];
      sum += e;
      sq += static_cast<double>(e) * e;
      ds += e;
      dss += static_cast<double>(e) * e;
      ++dn;
      ++st.conversions;
    }
    if (dn > 0) {
      const double m = ds / dn;
      die_means.push_back(m);
      die_sigmas.push_back(std::sqrt(std::max(0.0, dss / dn - m * m)));
    }
  }
  if (st.conversions == 0) {
    throw UsageError("no conversion to compare in the pooled vectors (every entry failed)");
  }
  const double n = static_cast<double>(st.conversions);
  st.error_mean = sum / n;
  st.error_sigma = std::sqrt(std::max(0.0, sq / n - st.error_mean * st.error_mean));
  const auto mean = [](const std::vector<double>& x) {
    return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  };
  st.die_mean_mean = mean(die_means);
  st.die_mean_sigma = std::sqrt(Variance(die_means));
  st.die_sigma_mean = mean(die_sigmas);
  return st;
}

// The chi-square distance between the pooled error histograms of the two sides (errors clamped
// to -2..2) and its permutation p-value over whole instances.
void TwoSampleTest(const std::vector<double>& u,
                   const std::vector<bool>& pooled,
                   int bits,
                   const CodeTable& spice,
                   const CodeTable& model,
                   int permutations,
                   std::uint64_t seed,
                   PooledComparison& c) {
  constexpr int kBins = 5;
  const auto bin = [](int e) { return static_cast<std::size_t>(std::clamp(e, -2, 2) + 2); };
  std::vector<std::array<double, kBins>> hist;
  for (const CodeTable* side : {&spice, &model}) {
    for (const auto& row : *side) {
      std::array<double, kBins> h{};
      for (std::size_t v = 0; v < u.size(); ++v) {
        if (pooled[v] && row[v] >= 0) {
          h[bin(row[v] - IdealCode(u[v], bits))] += 1.0;
        }
      }
      hist.push_back(h);
    }
  }
  const std::size_t ns = spice.size();
  const auto statistic = [&](const std::vector<std::size_t>& order) {
    std::array<double, kBins> a{}, b{};
    double na = 0.0, nb = 0.0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      auto& into = k < ns ? a : b;
      for (std::size_t i = 0; i < kBins; ++i) {
        into[i] += hist[order[k]][i];
        (k < ns ? na : nb) += hist[order[k]][i];
      }
    }
    double t = 0.0;
    for (std::size_t i = 0; i < kBins; ++i) {
      const double pa = na > 0.0 ? a[i] / na : 0.0;
      const double pb = nb > 0.0 ? b[i] / nb : 0.0;
      if (pa + pb > 0.0) {
        t += (pa - pb) * (pa - pb) / (pa + pb);
      }
    }
    return t;
  };
  std::vector<std::size_t> order = All(hist.size());
  c.chi2 = statistic(order);
  c.chi2_bins = 0;
  for (std::size_t i = 0; i < kBins; ++i) {
    double total = 0.0;
    for (const auto& h : hist) {
      total += h[i];
    }
    c.chi2_bins += total > 0.0 ? 1 : 0;
  }
  std::mt19937_64 rng(seed);
  int as_large = 0;
  for (int p = 0; p < permutations; ++p) {
    std::shuffle(order.begin(), order.end(), rng);
    as_large += statistic(order) >= c.chi2 - 1e-15 ? 1 : 0;
  }
  c.chi2_p = (1.0 + as_large) / (1.0 + permutations);
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kMiss:
      return "MISS";
    case Verdict::kInconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

Estimate PercentileInterval(double value, std::vector<double> draws) {
  draws = Finite(draws);
  if (draws.empty()) {
    return {value, value, value};
  }
  std::sort(draws.begin(), draws.end());
  const auto at = [&](double q) {
    return draws[std::min(draws.size() - 1, static_cast<std::size_t>(q * draws.size()))];
  };
  return {value, at(0.025), at(0.975)};
}

Decision Decide(const Estimate& figure,
                double lo,
                double hi,
                double spice_var,
                double model_var,
                int dies,
                bool log_scale) {
  Decision d;
  d.figure = figure;
  d.target_lo = lo;
  d.target_hi = hi;
  if (!std::isfinite(figure.value) || !std::isfinite(figure.lo) || !std::isfinite(figure.hi) ||
      (log_scale && (figure.value <= 0.0 || figure.lo <= 0.0))) {
    d.verdict = Verdict::kInconclusive;
    d.note = "the figure is not finite on every resampling";
    return d;
  }
  if (dies < kMinDecidingDies) {
    // A bootstrap over so few instances has too few distinct resamplings to bound anything.
    d.verdict = Verdict::kInconclusive;
    d.dies_to_decide = kMinDecidingDies;
    d.note = std::to_string(dies) + " dies: an interval over dies needs at least " +
             std::to_string(kMinDecidingDies);
    return d;
  }
  if (figure.lo >= lo && figure.hi <= hi) {
    d.verdict = Verdict::kPass;
    return d;
  }
  if (figure.hi < lo || figure.lo > hi) {
    d.verdict = Verdict::kMiss;
    return d;
  }
  d.verdict = Verdict::kInconclusive;
  const auto scale = [&](double x) { return log_scale ? std::log(x) : x; };
  const double x = scale(figure.value);
  const double edge = std::min(std::abs(x - scale(lo)), std::abs(x - scale(hi)));
  if (edge <= 0.0) {
    d.dies_to_decide = -1;
    return d;
  }
  const double room = (edge / kZ95) * (edge / kZ95) - model_var;
  if (room <= 0.0 || spice_var <= 0.0) {
    d.dies_to_decide = 0;
    return d;
  }
  d.dies_to_decide = std::max<long long>(
      dies + 1, static_cast<long long>(std::ceil(static_cast<double>(dies) * spice_var / room)));
  return d;
}

ProbitFit FitProbit(const std::vector<double>& u,
                    const std::vector<double>& ones,
                    const std::vector<double>& trials,
                    bool test_step) {
  if (u.size() != ones.size() || u.size() != trials.size()) {
    throw UsageError("probit fit: " + std::to_string(u.size()) + " inputs, " +
                     std::to_string(ones.size()) + " counts and " + std::to_string(trials.size()) +
                     " trials; one of each per vector");
  }
  double total = 0.0, centre = 0.0;
  for (std::size_t v = 0; v < u.size(); ++v) {
    total += trials[v];
    centre += trials[v] * u[v];
  }
  if (total <= 0.0) {
    throw UsageError("probit fit: no trial");
  }
  centre /= total;
  std::vector<std::size_t> order = All(u.size());
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return u[a] < u[b]; });
  // Separated data (every trial below some input 0, every one above it 1) have no finite
  // maximum: sigma -> 0 and mu anywhere in the gap, whose middle is returned.
  {
    double last_zero = -std::numeric_limits<double>::infinity();
    double first_one = std::numeric_limits<double>::infinity();
    bool mixed = false;
    for (std::size_t v : order) {
      if (trials[v] <= 0.0) {
        continue;
      }
      if (ones[v] <= 0.0) {
        last_zero = std::max(last_zero, u[v]);
      } else if (ones[v] >= trials[v]) {
        first_one = std::min(first_one, u[v]);
      } else {
        mixed = true;
      }
    }
    if (!mixed && last_zero < first_one) {
      ProbitFit fit{.mu = 0.0, .sigma = kMinProbitSigma, .resolved = false};
      fit.mu = std::isinf(last_zero)   ? first_one - 0.5
               : std::isinf(first_one) ? last_zero + 0.5
                                       : 0.5 * (last_zero + first_one);
      return fit;
    }
  }
  // Start where the observed fraction crosses 1/2 (inputs in increasing order), sigma 0.5.
  double mu0 = centre;
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    const std::size_t a = order[i], b = order[i + 1];
    if (trials[a] <= 0.0 || trials[b] <= 0.0) {
      continue;
    }
    const double pa = ones[a] / trials[a], pb = ones[b] / trials[b];
    if (pa <= 0.5 && pb > 0.5) {
      mu0 = u[a] + (0.5 - pa) / (pb - pa) * (u[b] - u[a]);
      break;
    }
  }
  // z = a + b (u - centre), b = 1 / sigma; Fisher scoring with step halving on the likelihood.
  const double b_lo = 1.0 / kMaxProbitSigma, b_hi = 1.0 / kMinProbitSigma;
  double a = (centre - mu0) / 0.5, b = 1.0 / 0.5;
  const auto loglik = [&](double aa, double bb) {
    double l = 0.0;
    for (std::size_t v = 0; v < u.size(); ++v) {
      const double z = aa + bb * (u[v] - centre);
      const double p = std::clamp(Phi(z), 1e-300, 1.0);
      const double q = std::clamp(Phi(-z), 1e-300, 1.0);
      l += ones[v] * std::log(p) + (trials[v] - ones[v]) * std::log(q);
    }
    return l;
  };
  double l = loglik(a, b);
  for (int iter = 0; iter < 200; ++iter) {
    double ga = 0.0, gb = 0.0, iaa = 0.0, iab = 0.0, ibb = 0.0;
    for (std::size_t v = 0; v < u.size(); ++v) {
      const double x = u[v] - centre;
      const double z = a + b * x;
      const double p = std::clamp(Phi(z), 1e-300, 1.0 - 1e-16);
      const double q = std::clamp(Phi(-z), 1e-300, 1.0 - 1e-16);
      const double f = Density(z);
      const double r = (ones[v] - trials[v] * p) * f / (p * q);
      const double w = trials[v] * f * f / (p * q);
      ga += r;
      gb += r * x;
      iaa += w;
      iab += w * x;
      ibb += w * x * x;
    }
    const double det = iaa * ibb - iab * iab;
    if (!(det > 1e-300)) {
      break;  // no information left (every vector far from the fitted transition)
    }
    const double da = (ibb * ga - iab * gb) / det;
    const double db = (iaa * gb - iab * ga) / det;
    double step = 1.0;
    bool improved = false;
    for (int h = 0; h < 40; ++h, step *= 0.5) {
      const double na = a + step * da;
      const double nb = std::clamp(b + step * db, b_lo, b_hi);
      const double nl = loglik(na, nb);
      if (nl >= l - 1e-12) {
        improved = nl > l + 1e-13 || (std::abs(na - a) + std::abs(nb - b)) > 1e-12;
        a = na;
        b = nb;
        l = nl;
        break;
      }
    }
    if (!improved || step * (std::abs(da) + std::abs(db)) < 1e-10) {
      break;
    }
  }
  ProbitFit fit;
  fit.sigma = 1.0 / b;
  fit.mu = centre - a / b;
  if (!test_step) {
    return fit;
  }
  // Resolved when a step is rejected by the likelihood ratio at 95 %. A step (sigma -> 0, mu
  // next to one input) explains every input below it as 0, every one above as 1 and that input
  // at its own fraction; a step in a gap between inputs explains them all as 0 or 1.
  double step = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i <= order.size(); ++i) {
    // The step at input order[i] (i < size) or in the gap below it.
    const double at = i < order.size() ? u[order[i]] : std::numeric_limits<double>::infinity();
    double ll = 0.0;
    for (std::size_t v : order) {
      const double n = trials[v], k = ones[v];
      if (u[v] < at) {
        ll += k > 0.0 ? -std::numeric_limits<double>::infinity() : 0.0;
      } else if (u[v] > at || i == order.size()) {
        ll += k < n ? -std::numeric_limits<double>::infinity() : 0.0;
      } else if (k > 0.0 && k < n) {
        ll += k * std::log(k / n) + (n - k) * std::log(1.0 - k / n);
      }
    }
    step = std::max(step, ll);
  }
  fit.resolved = l - step >= kProbitResolvedLogLik;
  return fit;
}

CodeComparison CompareCodes(const std::vector<double>& ideal_lsb,
                            int bits,
                            const CodeTable& spice,
                            const CodeTable& model,
                            const std::vector<bool>& pooled_mask,
                            const CompareOptions& options) {
  if (spice.empty() || model.empty() || ideal_lsb.empty()) {
    throw UsageError("the comparison needs vectors and at least one instance on each side");
  }
  const std::size_t vectors = ideal_lsb.size();
  for (const CodeTable* side : {&spice, &model}) {
    for (const auto& row : *side) {
      if (row.size() != vectors) {
        throw UsageError("a code table row has " + std::to_string(row.size()) +
                         " vectors, expected " + std::to_string(vectors));
      }
    }
  }
  if (!pooled_mask.empty() && pooled_mask.size() != vectors) {
    throw UsageError("the pooled-vector mask has " + std::to_string(pooled_mask.size()) +
                     " entries for " + std::to_string(vectors) + " vectors");
  }
  const std::vector<bool> pooled =
      pooled_mask.empty() ? std::vector<bool>(vectors, true) : pooled_mask;
  const int levels = 1 << bits;
  CodeComparison out;
  PooledComparison& p = out.pooled;
  p.vectors = static_cast<int>(std::count(pooled.begin(), pooled.end(), true));
  p.spice = Stats(ideal_lsb, pooled, bits, spice);
  p.model = Stats(ideal_lsb, pooled, bits, model);
  TwoSampleTest(ideal_lsb, pooled, bits, spice, model, options.permutations, options.seed + 2, p);

  // Fits on all data, then on every resampling of each side's instances.
  const auto fits = [&](const std::vector<double>& counts, bool test_step) {
    std::vector<ProbitFit> f;
    for (int k = 1; k < levels; ++k) {
      f.push_back(FitTransition(ideal_lsb, counts, levels, k, test_step));
    }
    return f;
  };
  const std::vector<ProbitFit> spice_fit =
      fits(CodeCounts(spice, All(spice.size()), vectors, levels), true);
  const std::vector<ProbitFit> model_fit =
      fits(CodeCounts(model, All(model.size()), vectors, levels), true);
  const std::vector<ErrorSums> spice_sums = InstanceSums(spice, ideal_lsb, pooled, bits);
  const std::vector<ErrorSums> model_sums = InstanceSums(model, ideal_lsb, pooled, bits);
  const auto [spice_mean, spice_sigma] = PooledMeanSigma(spice_sums, All(spice.size()));
  const auto [model_mean, model_sigma] = PooledMeanSigma(model_sums, All(model.size()));

  const std::size_t transitions = static_cast<std::size_t>(levels - 1);
  std::vector<std::vector<double>> s_mu(transitions), s_sig(transitions), m_mu(transitions),
      m_sig(transitions);
  std::vector<double> s_pmean, s_psig, m_pmean, m_psig;
  std::mt19937_64 rng(options.seed);
  for (int b = 0; b < options.bootstrap; ++b) {
    const auto rs = Resample(spice.size(), rng);
    const auto rm = Resample(model.size(), rng);
    const auto fs = fits(CodeCounts(spice, rs, vectors, levels), false);
    const auto fm = fits(CodeCounts(model, rm, vectors, levels), false);
    for (std::size_t k = 0; k < transitions; ++k) {
      s_mu[k].push_back(fs[k].mu);
      s_sig[k].push_back(fs[k].sigma);
      m_mu[k].push_back(fm[k].mu);
      m_sig[k].push_back(fm[k].sigma);
    }
    const auto [sm, ss] = PooledMeanSigma(spice_sums, rs);
    const auto [mm, ms] = PooledMeanSigma(model_sums, rm);
    s_pmean.push_back(sm);
    s_psig.push_back(ss);
    m_pmean.push_back(mm);
    m_psig.push_back(ms);
  }
  const int dies = static_cast<int>(spice.size());
  const auto differences = [](const std::vector<double>& m, const std::vector<double>& s) {
    std::vector<double> d;
    for (std::size_t i = 0; i < m.size(); ++i) {
      d.push_back(m[i] - s[i]);
    }
    return d;
  };
  const auto ratios = [](const std::vector<double>& m, const std::vector<double>& s) {
    std::vector<double> r;
    for (std::size_t i = 0; i < m.size(); ++i) {
      r.push_back(s[i] > 0.0 ? m[i] / s[i] : std::numeric_limits<double>::quiet_NaN());
    }
    return r;
  };

  for (std::size_t k = 0; k < transitions; ++k) {
    TransitionComparison t;
    t.k = static_cast<int>(k) + 1;
    t.spice = {.mean_lsb = PercentileInterval(spice_fit[k].mu, s_mu[k]),
               .sigma_lsb = PercentileInterval(spice_fit[k].sigma, s_sig[k]),
               .resolved = spice_fit[k].resolved};
    t.model = {.mean_lsb = PercentileInterval(model_fit[k].mu, m_mu[k]),
               .sigma_lsb = PercentileInterval(model_fit[k].sigma, m_sig[k]),
               .resolved = model_fit[k].resolved};
    // Covered: vectors with a SPICE conversion within half an LSB below and above ideal line k.
    bool below = false, above = false;
    for (std::size_t v = 0; v < vectors; ++v) {
      bool converted = false;
      for (const auto& row : spice) {
        converted = converted || row[v] >= 0;
      }
      const double d = ideal_lsb[v] - t.k;
      below = below || (converted && d >= -kCoverageLsb && d < 0.0);
      above = above || (converted && d >= 0.0 && d <= kCoverageLsb);
    }
    t.covered = below && above;
    if (!t.covered) {
      t.coverage = std::string("no vector within half an LSB ") +
                   (!below && !above ? "on either side"
                    : !below         ? "below"
                                     : "above") +
                   " of ideal line " + std::to_string(t.k);
    }
    const Estimate shift =
        PercentileInterval(model_fit[k].mu - spice_fit[k].mu, differences(m_mu[k], s_mu[k]));
    const double ratio_value = spice_fit[k].sigma > 0.0 ? model_fit[k].sigma / spice_fit[k].sigma
                                                        : std::numeric_limits<double>::infinity();
    const Estimate ratio = PercentileInterval(ratio_value, ratios(m_sig[k], s_sig[k]));
    t.shift = Decide(shift, -kTargetTransitionShiftLsb, kTargetTransitionShiftLsb,
                     Variance(Finite(s_mu[k])), Variance(Finite(m_mu[k])), dies, false);
    t.sigma_ratio =
        Decide(ratio, kTargetTransitionRatioLo, kTargetTransitionRatioHi,
               Variance(Finite(Logs(s_sig[k]))), Variance(Finite(Logs(m_sig[k]))), dies, true);
    const auto withhold = [](Decision& d, const std::string& why) {
      d.verdict = Verdict::kInconclusive;
      d.dies_to_decide = 0;
      d.note = why;
    };
    if (!t.covered) {
      withhold(t.shift, t.coverage);
      withhold(t.sigma_ratio, t.coverage);
    } else if (dies >= kMinDecidingDies && (!t.spice.resolved || !t.model.resolved)) {
      const std::string why = std::string("sigma not resolved on the ") +
                              (!t.spice.resolved ? "SPICE" : "model") +
                              " side: a step fits as well; too few vectors between the "
                              "instances' transitions";
      withhold(t.sigma_ratio, why);
      withhold(t.shift, why);
    }
    out.transitions.push_back(t);
  }

  p.mean_shift = Decide(PercentileInterval(model_mean - spice_mean, differences(m_pmean, s_pmean)),
                        -kTargetMeanShiftLsb, kTargetMeanShiftLsb, Variance(Finite(s_pmean)),
                        Variance(Finite(m_pmean)), dies, false);
  const double pooled_ratio =
      spice_sigma > 0.0 ? model_sigma / spice_sigma : std::numeric_limits<double>::infinity();
  p.sigma_ratio = Decide(PercentileInterval(pooled_ratio, ratios(m_psig, s_psig)), kTargetRatioLo,
                         kTargetRatioHi, Variance(Finite(Logs(s_psig))),
                         Variance(Finite(Logs(m_psig))), dies, true);
  return out;
}

std::vector<LineDecision> CompareLineVectors(const std::vector<std::size_t>& vectors,
                                             const std::vector<double>& model_v,
                                             const std::vector<std::vector<double>>& spice_lines,
                                             double lsb_v,
                                             const CompareOptions& options) {
  if (!(lsb_v > 0.0)) {
    throw UsageError("line comparison: the LSB must be positive");
  }
  std::vector<LineDecision> out;
  std::mt19937_64 rng(options.seed + 3);
  for (std::size_t v : vectors) {
    if (v >= model_v.size()) {
      throw UsageError("line comparison: vector " + std::to_string(v) + " has no model line");
    }
    std::vector<double> lines;
    for (const auto& die : spice_lines) {
      if (v >= die.size()) {
        throw UsageError("line comparison: a die has no line for vector " + std::to_string(v));
      }
      if (!std::isnan(die[v])) {
        lines.push_back(die[v]);
      }
    }
    LineDecision d;
    d.vector = v;
    d.model_v = model_v[v];
    d.dies = static_cast<int>(lines.size());
    if (lines.empty()) {
      d.spice_v = {std::numeric_limits<double>::quiet_NaN(), 0.0, 0.0};
      d.diff_lsb = Decide(d.spice_v, -kTargetLineLsb, kTargetLineLsb, 0.0, 0.0, 0, false);
      d.diff_lsb.note = "no die converted it";
      out.push_back(d);
      continue;
    }
    const auto mean = [&](const std::vector<std::size_t>& which) {
      double s = 0.0;
      for (std::size_t i : which) {
        s += lines[i];
      }
      return s / static_cast<double>(which.size());
    };
    const double m = mean(All(lines.size()));
    std::vector<double> draws, diffs;
    for (int b = 0; b < options.bootstrap; ++b) {
      draws.push_back(mean(Resample(lines.size(), rng)));
      diffs.push_back((draws.back() - d.model_v) / lsb_v);
    }
    d.spice_v = PercentileInterval(m, draws);
    d.diff_lsb = Decide(PercentileInterval((m - d.model_v) / lsb_v, diffs), -kTargetLineLsb,
                        kTargetLineLsb, Variance(diffs), 0.0, d.dies, false);
    out.push_back(d);
  }
  return out;
}

SnrComparison CompareSnr(const MacOutputs& o, const CompareOptions& options) {
  if (o.spice.empty() || o.model.empty()) {
    throw UsageError("SNR comparison: no instance on a side");
  }
  if (!(o.signal_variance > 0.0)) {
    throw UsageError("SNR comparison: the signal variance must be positive");
  }
  // Per instance: the sum of squared errors and their count.
  const auto sums = [&](const std::vector<std::vector<double>>& side) {
    std::vector<std::pair<double, double>> s;
    for (const auto& row : side) {
      if (row.size() != o.ideal.size()) {
        throw UsageError("SNR comparison: an instance has " + std::to_string(row.size()) +
                         " outputs, expected " + std::to_string(o.ideal.size()));
      }
      double sq = 0.0, n = 0.0;
      for (std::size_t k = 0; k < row.size(); ++k) {
        if (!std::isnan(row[k])) {
          sq += (row[k] - o.ideal[k]) * (row[k] - o.ideal[k]);
          n += 1.0;
        }
      }
      s.push_back({sq, n});
    }
    return s;
  };
  const auto spice = sums(o.spice);
  const auto model = sums(o.model);
  const auto snr = [&](const std::vector<std::pair<double, double>>& s,
                       const std::vector<std::size_t>& which) {
    double sq = 0.0, n = 0.0;
    for (std::size_t i : which) {
      sq += s[i].first;
      n += s[i].second;
    }
    return n > 0.0 && sq > 0.0 ? 10.0 * std::log10(o.signal_variance / (sq / n))
                               : std::numeric_limits<double>::quiet_NaN();
  };
  SnrComparison c;
  c.boundary = o.boundary;
  c.outputs = static_cast<int>(o.ideal.size());
  const double s_all = snr(spice, All(spice.size()));
  const double m_all = snr(model, All(model.size()));
  std::vector<double> s_draws, m_draws, diffs;
  std::mt19937_64 rng(options.seed + 4);
  for (int b = 0; b < options.bootstrap; ++b) {
    s_draws.push_back(snr(spice, Resample(spice.size(), rng)));
    m_draws.push_back(snr(model, Resample(model.size(), rng)));
    diffs.push_back(m_draws.back() - s_draws.back());
  }
  c.spice_db = PercentileInterval(s_all, s_draws);
  c.model_db = PercentileInterval(m_all, m_draws);
  c.diff_db = Decide(PercentileInterval(m_all - s_all, diffs), -kTargetSnrDiffDb, kTargetSnrDiffDb,
                     Variance(Finite(s_draws)), Variance(Finite(m_draws)),
                     static_cast<int>(o.spice.size()), false);
  return c;
}

}  // namespace cimchar::validate
