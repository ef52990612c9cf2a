#include "measure/transfer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "core/error.h"

namespace cimchar::measure {
namespace {

void SameLength(std::size_t a, std::size_t b, const char* what) {
  if (a != b) {
    throw Error(std::string(what) + ": inputs differ in length (" + std::to_string(a) + " vs " +
                std::to_string(b) + ")");
  }
}

// y(x) by linear interpolation on points sorted by x (clamped at the ends).
double InterpSorted(const std::vector<std::pair<double, double>>& pts, double x) {
  auto it =
      std::lower_bound(pts.begin(), pts.end(), x,
                       [](const std::pair<double, double>& p, double v) { return p.first < v; });
  if (it == pts.begin()) {
    return pts.front().second;
  }
  if (it == pts.end()) {
    return pts.back().second;
  }
  const auto& [x1, y1] = *it;
  const auto& [x0, y0] = *(it - 1);
  if (x1 == x0) {
    return y1;
  }
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

}  // namespace

LineFit FitLine(std::span<const double> x, std::span<const double> y) {
  SameLength(x.size(), y.size(), "FitLine");
  if (x.size() < 2) {
    throw Error("FitLine: a line needs at least two points");
  }
  double n = static_cast<double>(x.size());
  double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxx = 0.0;
  double sxy = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    sxx += (x[k] - mx) * (x[k] - mx);
    sxy += (x[k] - mx) * (y[k] - my);
  }
  if (sxx == 0.0) {
    throw Error("FitLine: every x is the same");
  }
  LineFit fit;
  fit.slope = sxy / sxx;
  fit.intercept = my - fit.slope * mx;
  double ss = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    double r = y[k] - (fit.intercept + fit.slope * x[k]);
    fit.max_abs_residual = std::max(fit.max_abs_residual, std::abs(r));
    ss += r * r;
  }
  fit.rms_residual = std::sqrt(ss / n);
  return fit;
}

bool IsMonotonic(std::span<const double> y, bool strict) {
  for (std::size_t k = 1; k < y.size(); ++k) {
    if (strict ? !(y[k] > y[k - 1]) : y[k] < y[k - 1]) {
      return false;
    }
  }
  return true;
}

AdcLinearity AdcLinearityFromTransitions(std::span<const double> transitions) {
  if (transitions.size() < 3) {
    throw Error(
        "AdcLinearityFromTransitions: need at least 3 transition levels (a 2-bit ADC), got " +
        std::to_string(transitions.size()));
  }
  std::size_t n = transitions.size();
  AdcLinearity r;
  r.lsb = (transitions[n - 1] - transitions[0]) / static_cast<double>(n - 1);
  if (!(r.lsb > 0.0)) {
    throw Error("AdcLinearityFromTransitions: the last transition is not above the first");
  }
  for (std::size_t k = 0; k < n; ++k) {
    double inl = (transitions[k] - transitions[0]) / r.lsb - static_cast<double>(k);
    r.inl_lsb.push_back(inl);
    r.max_abs_inl_lsb = std::max(r.max_abs_inl_lsb, std::abs(inl));
    if (k + 1 < n) {
      double dnl = (transitions[k + 1] - transitions[k]) / r.lsb - 1.0;
      r.dnl_lsb.push_back(dnl);
      r.max_abs_dnl_lsb = std::max(r.max_abs_dnl_lsb, std::abs(dnl));
    }
  }
  return r;
}

std::vector<double> TransitionLevels(std::span<const double> x,
                                     std::span<const long long> codes,
                                     long long max_code) {
  SameLength(x.size(), codes.size(), "TransitionLevels");
  if (x.size() < 2) {
    throw Error("TransitionLevels: need at least two input points");
  }
  for (std::size_t k = 1; k < x.size(); ++k) {
    if (!(x[k] > x[k - 1])) {
      throw Error("TransitionLevels: inputs are not increasing at index " + std::to_string(k));
    }
    if (codes[k] < codes[k - 1]) {
      throw Error("TransitionLevels: codes decrease at input " + std::to_string(x[k]) + " (" +
                  std::to_string(codes[k - 1]) + " -> " + std::to_string(codes[k]) +
                  "): the transfer is not monotonic");
    }
  }
  std::vector<double> levels;
  for (long long step = 0; step < max_code; ++step) {
    // First index with code > step.
    auto it = std::find_if(codes.begin(), codes.end(), [&](long long c) { return c > step; });
    if (it == codes.begin()) {
      levels.push_back(x.front());
    } else if (it == codes.end()) {
      levels.push_back(x.back());
    } else {
      std::size_t k = static_cast<std::size_t>(it - codes.begin());
      levels.push_back(0.5 * (x[k - 1] + x[k]));
    }
  }
  return levels;
}

Snm ButterflySnm(std::span<const double> in,
                 std::span<const double> out_a,
                 std::span<const double> out_b) {
  SameLength(in.size(), out_a.size(), "ButterflySnm");
  SameLength(in.size(), out_b.size(), "ButterflySnm");
  if (in.size() < 3) {
    throw Error("ButterflySnm: need at least three points per curve");
  }
  // Rotate by 45 degrees: u = (y - x)/sqrt2 across the diagonal, w = (x + y)/sqrt2 along it.
  const double r2 = std::sqrt(2.0);
  std::vector<std::pair<double, double>> a;
  std::vector<std::pair<double, double>> b;
  for (std::size_t k = 0; k < in.size(); ++k) {
    a.emplace_back((out_a[k] - in[k]) / r2, (in[k] + out_a[k]) / r2);  // (in, f_a(in))
    b.emplace_back((in[k] - out_b[k]) / r2, (out_b[k] + in[k]) / r2);  // (f_b(in), in)
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  double lo = std::max(a.front().first, b.front().first);
  double hi = std::min(a.back().first, b.back().first);
  if (!(hi > lo)) {
    throw Error("ButterflySnm: the two curves do not overlap; are both halves inverting?");
  }
  std::vector<double> grid;
  for (const auto& p : a) {
    grid.push_back(p.first);
  }
  for (const auto& p : b) {
    grid.push_back(p.first);
  }
  double high = -1e300;
  double low = -1e300;
  for (double u : grid) {
    if (u < lo || u > hi) {
      continue;
    }
    double d = InterpSorted(a, u) - InterpSorted(b, u);
    high = std::max(high, d);
    low = std::max(low, -d);
  }
  Snm s;
  s.lobe_high_v = high / r2;
  s.lobe_low_v = low / r2;
  s.snm_v = std::min(s.lobe_high_v, s.lobe_low_v);
  return s;
}

}  // namespace cimchar::measure
